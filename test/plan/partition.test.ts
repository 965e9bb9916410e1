import { describe, expect, it } from "vitest";
import { partitionIndexers, partitionRegions, RankError, UnknownDimensionError, PartitionDimsError, NotSupportedError } from "../../src/index.js";
import { metaChunkSizes, datasetPartitionIndexers } from "../../src/internal.js";

const R = (start: number, stop: number) => ({ start, stop });

describe("partitionIndexers: the issue's examples", () => {
  it("a = (4,4,4,4,3), b = (19,8), 4 ranks over [a]", () => {
    const arr = { dims: ["a", "b"], chunks: [[4, 4, 4, 4, 3], [19, 8]] };
    expect(metaChunkSizes(arr, 4, ["a"])).toEqual({ a: 2 });
    expect(partitionRegions(arr, 4, ["a"])).toEqual([
      { a: R(0, 8), b: R(0, 27) },
      { a: R(8, 16), b: R(0, 27) },
      { a: R(16, 19), b: R(0, 27) },
      null,
    ]);
  });

  it("5x10 chunked x=2, 3 ranks over [x]: disjoint and covering", () => {
    const arr = { dims: ["x", "y"], chunks: [[2, 2, 1], [10]] };
    expect(partitionRegions(arr, 3, ["x"])).toEqual([
      { x: R(0, 2), y: R(0, 10) },
      { x: R(2, 4), y: R(0, 10) },
      { x: R(4, 5), y: R(0, 10) },
    ]);
  });

  it("meta-blocks are enumerated in C order over the array's own dims, not the priority order", () => {
    // 4x4 blocks of 1, 4 ranks over [y, x]: y first gets s=1 (4 meta-blocks), then x gets s=4.
    const arr = { dims: ["x", "y"], chunks: [[1, 1, 1, 1], [1, 1, 1, 1]] };
    expect(metaChunkSizes(arr, 4, ["y", "x"])).toEqual({ y: 1, x: 4 });
    expect(partitionRegions(arr, 4, ["y", "x"])).toEqual([0, 1, 2, 3].map((k) => ({ x: R(0, 4), y: R(k, k + 1) })));
    // 8 ranks over [y, x]: y s=1, then b=4, x s=ceil(4/2)=2 → grid (x: 2, y: 4), C order over (x, y).
    expect(metaChunkSizes(arr, 8, ["y", "x"])).toEqual({ y: 1, x: 2 });
    expect(partitionIndexers(arr, 8, 1, ["y", "x"])).toEqual({ x: R(0, 2), y: R(1, 2) });
    expect(partitionIndexers(arr, 8, 4, ["y", "x"])).toEqual({ x: R(2, 4), y: R(0, 1) });
  });

  it("no partition dims: rank 0 writes everything, the others nothing", () => {
    const arr = { dims: ["x"], chunks: [[2, 2]] };
    expect(partitionRegions(arr, 3, [])).toEqual([{ x: R(0, 4) }, null, null]);
  });
});

describe("partition errors", () => {
  const arr = { dims: ["x", "y"], chunks: [[2, 2, 1], [10]], name: "foo" };
  it("rank negative, non-integer or >= ranks; ranks < 1", () => {
    for (const rank of [-1, 1.5, 3, NaN]) expect(() => partitionIndexers(arr, 3, rank, ["x"]), String(rank)).toThrow(RankError);
    expect(() => partitionIndexers(arr, 3, 3, ["x"])).toThrow(/0\.\.2.*got 3/);
    for (const ranks of [0, -1, 2.5]) expect(() => partitionRegions(arr, ranks, ["x"])).toThrow(RankError);
  });
  it("a partition dim the array does not have", () => {
    expect(() => partitionIndexers(arr, 3, 0, ["z"])).toThrow(UnknownDimensionError);
    expect(() => partitionIndexers(arr, 3, 0, ["z"])).toThrow(/"z".*"foo"/);
  });
  it("repeated partition dims", () => {
    expect(() => partitionIndexers(arr, 3, 0, ["x", "x"])).toThrow(PartitionDimsError);
  });
  it("unchunked arrays", () => {
    expect(() => partitionIndexers({ dims: ["x"], chunks: null }, 3, 0, ["x"])).toThrow(NotSupportedError);
  });
});

describe("datasetPartitionIndexers", () => {
  const ds = {
    variables: {
      time: { dims: ["t"], chunks: null },
      a: { dims: ["t", "x"], chunks: [[1, 1, 1, 1], [5]] },
      b: { dims: ["x"], chunks: [[2, 3]] },
    },
  };
  it("gives each chunked variable only the partition dims it has", () => {
    expect(datasetPartitionIndexers(ds, 2, 0, ["t"])).toEqual({ a: { t: R(0, 2), x: R(0, 5) }, b: { x: R(0, 5) } });
    expect(datasetPartitionIndexers(ds, 2, 1, ["t"])).toEqual({ a: { t: R(2, 4), x: R(0, 5) }, b: null });
    expect(partitionIndexers(ds, 2, 1, ["x", "t"])).toEqual({ a: { t: R(2, 4), x: R(0, 5) }, b: { x: R(2, 5) } });
  });
  it("a dim no chunked variable has is an error", () => {
    expect(() => datasetPartitionIndexers(ds, 2, 0, ["y"])).toThrow(UnknownDimensionError);
    expect(() => datasetPartitionIndexers(ds, 2, 0, ["t", "y"])).toThrow(/"y"/);
  });
  it("bad ranks", () => {
    expect(() => datasetPartitionIndexers(ds, 2, 2, ["t"])).toThrow(RankError);
  });
});
