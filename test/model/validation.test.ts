import { describe, expect, it } from "vitest";
import { lazy, fromArray, derive, DataArray, ComputeError, ShapeError, ChunksError, type TypedArray } from "../../src/index.js";
import { ComputeCache, LazyArray } from "../../src/internal.js";

const R = (start: number, stop: number) => ({ start, stop });
const noop = () => new Float64Array(0);

describe("LazyArray validation", () => {
  it("rejects bad shapes, dtypes and compute functions", () => {
    expect(() => lazy({ shape: [-1], dtype: "float64", chunks: [1], compute: noop, name: "v" })).toThrow(ShapeError);
    expect(() => lazy({ shape: [-1], dtype: "float64", chunks: [1], compute: noop, name: "v" })).toThrow(/"v".*\[-1\]/);
    expect(() => lazy({ shape: [2.5], dtype: "float64", chunks: [1], compute: noop })).toThrow(ShapeError);
    expect(() => lazy({ shape: [2], dtype: "float16" as never, chunks: [1], compute: noop })).toThrow(/unknown dtype "float16"/);
    expect(() => lazy({ shape: [2], dtype: "float64", chunks: [1], compute: 3 as never, name: "v" })).toThrow(/compute of "v"/);
    expect(() => lazy({ shape: [2], dtype: "float64", chunks: [[1, 1, 1]], compute: noop })).toThrow(ChunksError);
  });

  it("bool results are Uint8Array; 64-bit ints are BigInt arrays", async () => {
    const b = (res: TypedArray) => lazy({ shape: [2], dtype: "bool", chunks: [2], compute: () => res, name: "mask" });
    expect(await b(new Uint8Array(2)).compute([R(0, 2)])).toBeInstanceOf(Uint8Array);
    await expect(b(new Int8Array(2)).compute([R(0, 2)])).rejects.toThrow(/"mask".*Int8Array\(2\).*Uint8Array of 2 elements \(dtype bool\)/);
    const i = (res: TypedArray) => lazy({ shape: [2], dtype: "int64", chunks: [2], compute: () => res });
    await expect(i(new Float64Array(2)).compute([R(0, 2)])).rejects.toThrow(ComputeError);
    expect(await i(new BigInt64Array(2)).compute([R(0, 2)])).toBeInstanceOf(BigInt64Array);
  });

  it("errors thrown by the compute function propagate unchanged", async () => {
    const boom = new Error("boom");
    const a = lazy({ shape: [2], dtype: "float64", chunks: [2], compute: () => { throw boom; } });
    await expect(a.compute([R(0, 2)])).rejects.toBe(boom);
  });

  it("fromArray fills out when given, for n-d regions", async () => {
    const a = fromArray(Int16Array.from({ length: 12 }, (_, i) => i), [3, 4], { chunks: [1, 2] });
    const out = new Int16Array(4);
    expect(await a.compute([R(1, 3), R(1, 3)], out)).toBe(out);
    expect([...out]).toEqual([5, 6, 9, 10]);
    expect(() => fromArray(new Float64Array(4), [4], { dtype: "float32" })).toThrow(/Float64Array.*float32/);
  });

  it("map of a bool array sees 0/1; of int64 sees bigints", async () => {
    const m = fromArray(Uint8Array.from([1, 0, 1]), [3], { chunks: [3], dtype: "bool" });
    const seen: unknown[] = [];
    await m.map((v) => (seen.push(v), v), { dtype: "int8" }).compute([R(0, 3)]);
    expect(seen).toEqual([1, 0, 1]);
    const big = fromArray(BigInt64Array.from([1n, -2n]), [2], { chunks: [1] });
    const r = await big.map((v: bigint) => Number(v) / 2, { dtype: "float64" }).compute([R(0, 2)]);
    expect([...r]).toEqual([0.5, -1]);
    // A non-integer into an int64 array is an error (BigInt of 0.5), not a silent truncation.
    await expect(big.map((v: bigint) => Number(v) / 2).compute([R(0, 2)])).rejects.toThrow(RangeError);
  });

  it("mapBlocks gets the whole block and may fill out", async () => {
    const a = fromArray(Float32Array.from([1, 2, 3, 4]), [4], { chunks: [2] });
    const sq = a.mapBlocks((b, _r, out) => {
      const o = (out as Float32Array | undefined) ?? new Float32Array(b.length);
      (b as Float32Array).forEach((v, i) => (o[i] = v * v));
      return o;
    });
    const out = new Float32Array(2);
    expect(await sq.compute([R(2, 4)], out)).toBe(out);
    expect([...out]).toEqual([9, 16]);
  });

  it("concurrent computations sharing an input compute it once with a cache", async () => {
    let calls = 0;
    const foo = lazy({ shape: [4], dtype: "float64", chunks: [2], compute: async (r) => {
      calls++;
      await new Promise((res) => setTimeout(res, 5));
      return Float64Array.from({ length: r[0]!.stop - r[0]!.start }, (_, i) => r[0]!.start + i);
    } });
    const bar = foo.map((x: number) => x + 1);
    const baz = derive([foo, bar], ([a, b]) => Float64Array.from(a as Float64Array, (v, i) => v * (b as Float64Array)[i]!));
    const cache = new ComputeCache();
    const [x, y] = await Promise.all([bar.compute([R(2, 4)], undefined, cache), baz.compute([R(2, 4)], undefined, cache)]);
    expect([...x]).toEqual([3, 4]);
    expect([...y]).toEqual([6, 12]);
    expect(calls).toBe(1);
    expect(cache.size).toBe(2); // foo and bar (bar is an input of baz); baz itself is nobody's input
    cache.clear();
    expect(cache.size).toBe(0);
  });

  it("a sub-array from isel computes its parent through the cache", async () => {
    let calls = 0;
    const foo = lazy({ shape: [6], dtype: "float64", chunks: [3], name: "foo", compute: (r) => (calls++, new Float64Array(r[0]!.stop - r[0]!.start)) });
    const da = new DataArray({ name: "foo", dims: ["x"], data: foo });
    const sub = da.blocks.isel({ x: 1 });
    expect(sub.data).toBeInstanceOf(LazyArray);
    const cache = new ComputeCache();
    await sub.compute(undefined, undefined, cache);
    await da.compute({ x: R(3, 6) }, undefined, cache);
    expect(calls).toBe(1);
  });
});
