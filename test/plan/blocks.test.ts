import { describe, expect, it } from "vitest";
import { blockIndexers, regionToRanges, BlockIndexError, UnknownDimensionError, NotSupportedError, InvalidIndexerError, type BlockIndexers } from "../../src/index.js";

// The table: chunks x = (2,3,1), y = (3,1).
const arr = { dims: ["x", "y"], chunks: [[2, 3, 1], [3, 1]], name: "foo" };
const Y = { start: 0, stop: 4 };

const rows: [BlockIndexers, [number, number], { start: number; stop: number }?][] = [
  [{ x: { start: 0, stop: 3 } }, [0, 6]],
  [{ x: { start: 1, stop: 2 } }, [2, 5]],
  [{ x: { start: -3, stop: -2 } }, [0, 2]],
  [{ x: { start: -3, stop: -1 } }, [0, 5]],
  [{ x: { start: -3 } }, [0, 6]],
  [{ x: { stop: 1 } }, [0, 2]],
  [{ x: { start: 0, stop: 10 } }, [0, 6]],
  [{ x: { start: -10 } }, [0, 6]],
  [{ x: {} }, [0, 6]],
  [{ x: { start: 10, stop: 12 } }, [6, 6]],
  [{ x: { start: 2, stop: 1 } }, [5, 2]],
  [{ x: 1 }, [2, 5]],
  [{ x: -1 }, [5, 6]],
  [{ x: -2 }, [2, 5]],
  [{ x: { start: 0, stop: 3 }, y: 1 }, [0, 6], { start: 3, stop: 4 }],
];

describe("blockIndexers: the issue's table", () => {
  for (const [ix, [start, stop], y] of rows) {
    it(`${JSON.stringify(ix)} -> x [${start},${stop})`, () => {
      expect(blockIndexers(arr, ix)).toEqual({ x: { start, stop }, y: y ?? Y });
    });
  }

  it("x 4 or x -4: out-of-bounds error naming dim, value and valid range", () => {
    for (const v of [4, -4, 3]) {
      const f = () => blockIndexers(arr, { x: v });
      expect(f).toThrow(BlockIndexError);
      expect(f).toThrow(RangeError);
      expect(f).toThrow(new RegExp(`block index ${v} .*"x".*3 blocks.*-3\\.\\.2`));
    }
  });

  it("-n is block 0 (negative indices count from the end)", () => {
    expect(blockIndexers(arr, { x: -3 }).x).toEqual({ start: 0, stop: 2 });
  });

  it("z 1: unknown-dimension error", () => {
    expect(() => blockIndexers(arr, { z: 1 })).toThrow(UnknownDimensionError);
    expect(() => blockIndexers(arr, { z: 1 })).toThrow(/"z".*"foo".*"x", "y"/);
  });

  it("a slice with a step other than 1: not-supported error (step 1 is fine)", () => {
    expect(() => blockIndexers(arr, { x: { start: 0, stop: 3, step: 2 } })).toThrow(NotSupportedError);
    expect(() => blockIndexers(arr, { x: { step: -1 } })).toThrow(/step -1/);
    expect(blockIndexers(arr, { x: { start: 0, stop: 3, step: 1 } }).x).toEqual({ start: 0, stop: 6 });
    expect(blockIndexers(arr, { x: { start: 0, stop: 3, step: null } }).x).toEqual({ start: 0, stop: 6 });
  });

  it("x 2.5 or x \"a\": invalid-indexer error", () => {
    for (const v of [2.5, "a", NaN, true, null, [1], 1n, { start: 0.5 }, { stop: "1" }, { begin: 1 }]) {
      const f = () => blockIndexers(arr, { x: v as never });
      expect(f, String(v)).toThrow(InvalidIndexerError);
      expect(f).toThrow(/"x"/);
    }
  });

  it("unchunked arrays have no blocks", () => {
    expect(() => blockIndexers({ dims: ["x"], chunks: null, name: "t" }, { x: 0 })).toThrow(NotSupportedError);
  });

  it("xpartition's docstring examples (10x20 chunked 2x5)", () => {
    const a = { dims: ["x", "y"], chunks: [[2, 2, 2, 2, 2], [5, 5, 5, 5]] };
    expect(blockIndexers(a, { x: 2, y: 3 })).toEqual({ x: { start: 4, stop: 6 }, y: { start: 15, stop: 20 } });
    expect(blockIndexers(a, { x: 2 }).x).toEqual({ start: 4, stop: 6 });
    expect(blockIndexers(a, { x: {} }).x).toEqual({ start: 0, stop: 10 });
    expect(blockIndexers(a, { x: { stop: 3 } }).x).toEqual({ start: 0, stop: 6 });
    expect(blockIndexers(a, { x: { start: 3 } }).x).toEqual({ start: 6, stop: 10 });
    expect(blockIndexers(a, { x: 2, y: { start: 0, stop: 2 } })).toEqual({ x: { start: 4, stop: 6 }, y: { start: 0, stop: 10 } });
  });
});

describe("regionToRanges", () => {
  const a = { dims: ["x", "y", "z"], shape: [6, 4, 3], name: "v" };
  it("orders by axis, fills unlisted dims, empties reversed ranges", () => {
    expect(regionToRanges(a, { y: { start: 1, stop: 3 }, x: { start: 5, stop: 2 } })).toEqual([
      { start: 5, stop: 5 }, { start: 1, stop: 3 }, { start: 0, stop: 3 },
    ]);
  });
  it("rejects dims the array does not have", () => {
    expect(() => regionToRanges(a, { w: { start: 0, stop: 1 } })).toThrow(UnknownDimensionError);
  });
});
