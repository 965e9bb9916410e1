import { describe, expect, it } from "vitest";
import { Dataset, DataArray, lazy, fromArray, full, ShapeError, DimensionConflictError, ComputeError, NotSupportedError, UnknownDimensionError } from "../../src/index.js";
import { LazyArray } from "../../src/internal.js";

const R = (start: number, stop: number) => ({ start, stop });
const iota = (n: number) => Float64Array.from({ length: n }, (_, i) => i);

function temp(shape = [4, 6], chunks: number[] | number[][] = [2, 3]) {
  return lazy({ shape, dtype: "float32", chunks, compute: (r) => new Float32Array((r[0]!.stop - r[0]!.start) * (r[1]!.stop - r[1]!.start)) });
}

describe("DataArray", () => {
  it("holds dims, data, attrs, encoding; chunks, sizes, shape, dtype, ndim", () => {
    const enc = { compressor: { id: "blosc", cname: "lz4" }, fillValue: NaN };
    const da = new DataArray({ name: "temp", dims: ["time", "x"], data: temp(), attrs: { units: "K" }, encoding: enc });
    expect(da.chunks).toEqual([[2, 2], [3, 3]]);
    expect(da.sizes).toEqual({ time: 4, x: 6 });
    expect(da.shape).toEqual([4, 6]);
    expect(da.dtype).toBe("float32");
    expect(da.ndim).toBe(2);
    expect(da.attrs).toEqual({ units: "K" });
    expect(da.encoding).toEqual(enc);
    expect((da.data as LazyArray).name).toBe("temp");
  });

  it("unchunked: a 1-d TypedArray, or fromArray(data, shape) for n-d", () => {
    const t = new DataArray({ name: "time", dims: ["time"], data: iota(4) });
    expect(t.chunks).toBeNull();
    expect(t.shape).toEqual([4]);
    expect(t.dtype).toBe("float64");
    const m = new DataArray({ name: "mask", dims: ["y", "x"], data: fromArray(new Uint8Array(6), [2, 3], { dtype: "bool" }) });
    expect(m.chunks).toBeNull();
    expect(m.dtype).toBe("bool");
    expect(m.data).toBeInstanceOf(Uint8Array);
    expect(m.sizes).toEqual({ y: 2, x: 3 });
    const c = new DataArray({ name: "c", dims: ["y", "x"], data: fromArray(iota(6), [2, 3], { chunks: [1, 3] }) });
    expect(c.chunks).toEqual([[1, 1], [3]]);
  });

  it("validates dims against the shape, naming variable, dims and sizes", () => {
    expect(() => new DataArray({ name: "temp", dims: ["time"], data: temp() })).toThrow(ShapeError);
    expect(() => new DataArray({ name: "temp", dims: ["time"], data: temp() })).toThrow(/"temp".*1 dims \[time\].*shape \[4, 6\]/);
    expect(() => new DataArray({ name: "v", dims: ["y", "x"], data: iota(6) })).toThrow(/"v".*fromArray/);
    expect(() => new DataArray({ name: "v", dims: ["x", "x"], data: fromArray(iota(4), [2, 2]) })).toThrow(/repeat dimension "x"/);
  });

  it("names the variable in compute errors", async () => {
    const bad = lazy({ shape: [2], dtype: "float64", chunks: [1], compute: () => new Float64Array(3) });
    const da = new DataArray({ name: "wind", dims: ["x"], data: bad });
    await expect(da.compute([R(0, 1)])).rejects.toThrow(ComputeError);
    await expect(da.compute({ x: R(1, 2) })).rejects.toThrow(/"wind".*\[1:2\]/);
  });

  it("compute of unchunked data: the data itself, or a region copy", async () => {
    const da = new DataArray({ name: "m", dims: ["y", "x"], data: fromArray(iota(6), [2, 3]) });
    expect(await da.compute()).toBe(da.data);
    expect([...(await da.compute({ x: R(1, 3) }))]).toEqual([1, 2, 4, 5]);
  });
});

describe("Dataset", () => {
  it("builds from plain objects, coords then data vars in insertion order", () => {
    const ds = new Dataset({
      coords: { time: { dims: ["time"], data: iota(4) }, x: { dims: ["x"], data: iota(6) } },
      dataVars: {
        temp: { dims: ["time", "x"], data: temp(), attrs: { units: "K" } },
        wind: new DataArray({ name: "other", dims: ["time", "x"], data: temp([4, 6], [[1, 3], [6]]) }),
      },
      attrs: { title: "t" },
    });
    expect(Object.keys(ds.variables)).toEqual(["time", "x", "temp", "wind"]);
    expect(ds.dims).toEqual({ time: 4, x: 6 });
    expect(ds.sizes).toEqual({ time: 4, x: 6 });
    expect(ds.dataVars.wind!.name).toBe("wind");
    expect((ds.dataVars.wind!.data as LazyArray).name).toBe("wind");
    expect(ds.dataVars.temp!.attrs).toEqual({ units: "K" });
    expect(ds.attrs).toEqual({ title: "t" });
    // A dim chunked differently by different variables is allowed (the writer checks chunk rules).
    expect(ds.dataVars.wind!.chunks).toEqual([[1, 3], [6]]);
  });

  it("dimension sizes must agree: the error names both variables, the dim and both sizes", () => {
    const f = () => new Dataset({
      coords: { time: { dims: ["time"], data: iota(5) } },
      dataVars: { temp: { dims: ["time", "x"], data: temp() } },
    });
    expect(f).toThrow(DimensionConflictError);
    expect(f).toThrow(/"time" has size 5 in variable "time" but size 4 in variable "temp"/);
  });

  it("a name cannot be both a coordinate and a data variable", () => {
    expect(() => new Dataset({ coords: { a: { dims: ["x"], data: iota(2) } }, dataVars: { a: { dims: ["x"], data: iota(2) } } })).toThrow(/"a"/);
  });
});

describe("accessors", () => {
  const da = new DataArray({ name: "foo", dims: ["x", "y"], data: fromArray(iota(30), [6, 5], { chunks: [[2, 3, 1], [3, 2]] }) });

  it("blocks.indexers and blocks.isel (a lazy sub-array)", async () => {
    expect(da.blocks.shape).toEqual([3, 2]);
    expect(da.blocks.sizes).toEqual({ x: 3, y: 2 });
    expect(da.blocks.indexers({ x: 1 })).toEqual({ x: R(2, 5), y: R(0, 5) });
    const sub = da.blocks.isel({ x: { start: 1 }, y: -1 });
    expect(sub.shape).toEqual([4, 2]);
    expect(sub.chunks).toEqual([[3, 1], [2]]);
    expect(sub.name).toBe("foo");
    expect([...(await sub.compute())]).toEqual([13, 14, 18, 19, 23, 24, 28, 29]);
    expect([...(await sub.compute([R(3, 4), R(0, 1)]))]).toEqual([28]);
    const empty = da.blocks.isel({ x: { start: 2, stop: 1 } });
    expect(empty.shape).toEqual([0, 5]);
    expect(() => da.blocks.indexers({ z: 0 })).toThrow(UnknownDimensionError);
  });

  it("blocks of an unchunked array are not supported", () => {
    const u = new DataArray({ name: "u", dims: ["x"], data: iota(3) });
    expect(() => u.blocks.indexers({ x: 0 })).toThrow(NotSupportedError);
    expect(() => u.partition.indexers(2, 0, ["x"])).toThrow(/"u" is not chunked/);
  });

  it("partition.indexers / partition.partition", () => {
    expect(da.partition.indexers(3, 1, ["x"])).toEqual({ x: R(2, 5), y: R(0, 5) });
    expect(da.partition.partition(4, ["x"])).toEqual([
      { x: R(0, 2), y: R(0, 5) }, { x: R(2, 5), y: R(0, 5) }, { x: R(5, 6), y: R(0, 5) }, null,
    ]);
  });

  it("ds.partition.indexers: per chunked variable, over the partition dims it has", () => {
    const ds = new Dataset({
      coords: { x: { dims: ["x"], data: iota(6) } },
      dataVars: {
        foo: da,
        bar: { dims: ["y"], data: full([5], "int16", 3, { chunks: [3] }) },
      },
    });
    expect(ds.partition.indexers(2, 1, ["x"])).toEqual({ foo: { x: R(5, 6), y: R(0, 5) }, bar: null });
    expect(ds.partition.partition(2, ["y", "x"])).toEqual([
      { foo: { x: R(0, 6), y: R(0, 3) }, bar: { y: R(0, 3) } },
      { foo: { x: R(0, 6), y: R(3, 5) }, bar: { y: R(3, 5) } },
    ]);
    expect(() => ds.partition.indexers(2, 0, ["time"])).toThrow(UnknownDimensionError);
  });
});
