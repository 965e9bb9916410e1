import { describe, expect, it } from "vitest";
import { lazy, fromArray, full, derive, ComputeError, ChunksError, ShapeError, type TypedArray } from "../../src/index.js";
import { LazyArray, EagerArray, ComputeCache, DTYPES, dtypeInfo } from "../../src/internal.js";
import { kernels } from "../../src/kernels/index.js";

const R = (start: number, stop: number) => ({ start, stop });
const iota = (n: number) => Float64Array.from({ length: n }, (_, i) => i);

describe("chunks", () => {
  it("expands a plain chunk shape dask-style, last chunk shorter", () => {
    const a = lazy({ shape: [96, 6, 250, 256], dtype: "float32", chunks: [8, 1, 256, 100], compute: () => new Float32Array(0) });
    expect(a.chunks[0]).toEqual(new Array(12).fill(8));
    expect(a.chunks[1]).toEqual([1, 1, 1, 1, 1, 1]);
    expect(a.chunks[2]).toEqual([250]);
    expect(a.chunks[3]).toEqual([100, 100, 56]);
  });
  it("accepts per-dim lists, mixed specs, -1 and empty dims", () => {
    const a = lazy({ shape: [6, 4, 0, 3], dtype: "int8", chunks: [[2, 3, 1], 3, 5, -1], compute: () => new Int8Array(0) });
    expect(a.chunks).toEqual([[2, 3, 1], [3, 1], [0], [3]]);
  });
  it("rejects bad chunks naming the axis and the value", () => {
    const mk = (chunks: unknown) => () => lazy({ shape: [6, 4], dtype: "int8", chunks: chunks as never, compute: () => new Int8Array(0), name: "foo" });
    expect(mk([[2, 3], 4])).toThrow(ChunksError);
    expect(mk([[2, 3], 4])).toThrow(/axis 0 of "foo".*sum to 5.*size is 6/);
    expect(mk([[2, 4], [0, 4]])).toThrow(/axis 1 .*positive integers, got 0/);
    expect(mk([[2, 4], [1.5, 2.5]])).toThrow(/got 1.5/);
    expect(mk([0, 4])).toThrow(/axis 0.*got 0/);
    expect(mk([2])).toThrow(/one entry per axis \(2\)/);
  });
});

describe("LazyArray.compute", () => {
  it("computes nothing before a region is asked for", async () => {
    let calls = 0;
    const a = lazy({ shape: [4], dtype: "float64", chunks: [2], compute: (r) => { calls++; return iota(r[0]!.stop - r[0]!.start); } });
    expect(calls).toBe(0);
    await a.compute([R(0, 2)]);
    expect(calls).toBe(1);
  });

  it("may fill and return out (zero copy), or return its own array, which is NOT copied into out", async () => {
    const intoOut = lazy({ shape: [4], dtype: "float32", chunks: [4], compute: (_r, out) => { out!.fill(3 as never); return out!; } });
    const out = kernels().arena.allocView(Float32Array, 4);
    expect(await intoOut.compute([R(0, 4)], out)).toBe(out);
    expect([...out]).toEqual([3, 3, 3, 3]);
    const own = new Float32Array(4).fill(7);
    const ignores = lazy({ shape: [4], dtype: "float32", chunks: [4], compute: () => own });
    const out2 = new Float32Array(4);
    expect(await ignores.compute([R(0, 4)], out2)).toBe(own);
    expect([...out2]).toEqual([0, 0, 0, 0]);
  });

  it("a result of the wrong length or type is a ComputeError naming the variable and the region", async () => {
    const bad = (res: unknown) => lazy({ shape: [4, 3], dtype: "float32", chunks: [2, 3], name: "temp", compute: () => res as TypedArray });
    await expect(bad(new Float32Array(5)).compute([R(0, 2), R(0, 3)])).rejects.toThrow(ComputeError);
    await expect(bad(new Float32Array(5)).compute([R(0, 2), R(0, 3)])).rejects.toThrow(/"temp".*Float32Array\(5\).*\[0:2, 0:3\].*6 elements/);
    await expect(bad(new Float64Array(6)).compute([R(0, 2), R(0, 3)])).rejects.toThrow(/"temp".*Float64Array\(6\).*Float32Array/);
    await expect(bad([1, 2, 3, 4, 5, 6]).compute([R(0, 2), R(0, 3)])).rejects.toThrow(ComputeError);
    await expect(bad(Promise.resolve(new Int32Array(6))).compute([R(0, 2), R(0, 3)])).rejects.toThrow(/Int32Array/);
  });

  it("bad regions and bad out are errors", async () => {
    const a = fromArray(iota(6), [2, 3], { chunks: [1, 3], name: "v" });
    await expect(a.compute([R(0, 3), R(0, 3)])).rejects.toThrow(ShapeError);
    await expect(a.compute([R(0, 1)])).rejects.toThrow(/2 \{ start, stop \}/);
    await expect(a.compute([R(0, 1), R(0, 3)], new Float32Array(3))).rejects.toThrow(/out for "v"/);
    await expect(a.compute([R(0, 1), R(0, 3)], new Float64Array(4))).rejects.toThrow(ShapeError);
  });
});

describe("fromArray and full", () => {
  it("fromArray with chunks slices C-order regions; without, it is eager", async () => {
    const a = fromArray(iota(24), [2, 3, 4], { chunks: [1, 2, 4] });
    expect(a).toBeInstanceOf(LazyArray);
    expect([...(await a.compute([R(1, 2), R(1, 3), R(1, 3)]))]).toEqual([17, 18, 21, 22]);
    expect([...(await a.compute([R(0, 2), R(2, 3), R(0, 4)]))]).toEqual([8, 9, 10, 11, 20, 21, 22, 23]);
    expect([...(await a.compute([R(1, 2), R(0, 3), R(0, 4)]))]).toEqual([...iota(24).subarray(12)]);
    const e = fromArray(iota(6), [2, 3]);
    expect(e).toBeInstanceOf(EagerArray);
    expect(e.shape).toEqual([2, 3]);
    expect(() => fromArray(iota(5), [2, 3])).toThrow(/5 elements.*needs 6/);
  });

  it("full fills with the WASM kernel for every dtype, into out when given", async () => {
    for (const dt of DTYPES) {
      const info = dtypeInfo(dt);
      const v = info.size === 8 && info.kind !== "f" ? 5n : 1;
      const a = full([3, 5], dt, v, { chunks: [2, 2] }) as LazyArray;
      const block = await a.compute([R(2, 3), R(0, 5)]);
      expect(block).toBeInstanceOf(info.ctor);
      expect([...block]).toEqual(new Array(5).fill(v));
      const out = kernels().arena.allocView(info.ctor as never, 4) as TypedArray;
      expect(await a.compute([R(0, 2), R(2, 4)], out)).toBe(out);
      expect([...out]).toEqual(new Array(4).fill(v));
    }
    const e = full([2, 2], "float64", -0) as EagerArray;
    expect(Object.is(e.data[3], -0)).toBe(true);
  });
});

describe("derived arrays and ComputeCache", () => {
  const counted = () => {
    const calls = { n: 0 };
    const foo = lazy({
      shape: [2, 9], dtype: "float64", chunks: [2, 3], name: "foo",
      compute: (r, o) => {
        calls.n++;
        const out = (o as Float64Array | undefined) ?? new Float64Array((r[0]!.stop - r[0]!.start) * (r[1]!.stop - r[1]!.start));
        let p = 0;
        for (let i = r[0]!.start; i < r[0]!.stop; i++) for (let j = r[1]!.start; j < r[1]!.stop; j++) out[p++] = i * 9 + j;
        return out;
      },
    });
    return { calls, foo };
  };

  it("with one cache, an input needed by a derived array is computed once per block; without, twice", async () => {
    const region = [R(0, 2), R(3, 6)];
    {
      const { calls, foo } = counted();
      const bar = foo.map((x: number) => 2 * x);
      const cache = new ComputeCache();
      expect([...(await bar.compute(region, undefined, cache))]).toEqual([6, 8, 10, 24, 26, 28]);
      expect([...(await foo.compute(region, undefined, cache))]).toEqual([3, 4, 5, 12, 13, 14]);
      expect(calls.n).toBe(1);
      // Another block is another entry.
      await foo.compute([R(0, 2), R(0, 3)], undefined, cache);
      expect(calls.n).toBe(2);
    }
    {
      const { calls, foo } = counted();
      const bar = foo.map((x: number) => 2 * x);
      await bar.compute(region);
      await foo.compute(region);
      expect(calls.n).toBe(2);
    }
    {
      // foo first, into out (which the caller may reuse): the cache keeps a copy, bar still sees foo's values.
      const { calls, foo } = counted();
      const bar = foo.map((x: number) => 2 * x);
      const baz = derive([foo, bar], ([a, b]) => Float64Array.from(a as Float64Array, (v, i) => v + (b as Float64Array)[i]!));
      const cache = new ComputeCache();
      const out = new Float64Array(6);
      expect(await foo.compute(region, out, cache)).toBe(out);
      out.fill(-1);
      expect([...(await baz.compute(region, undefined, cache))]).toEqual([9, 12, 15, 36, 39, 42]);
      expect(calls.n).toBe(1);
    }
  });

  it("map converts to every dtype", async () => {
    const src = fromArray(Int32Array.from([0, 1, -2, 3]), [4], { chunks: [2] });
    for (const dt of DTYPES) {
      const info = dtypeInfo(dt);
      const big = info.size === 8 && info.kind !== "f";
      const m = src.map((x: number) => (big ? BigInt(x) * 2n : x * 2), { dtype: dt });
      const r = await m.compute([R(0, 4)]);
      expect(r).toBeInstanceOf(info.ctor);
      // Expected: the doubled values stored the way a TypedArray of that dtype stores them (wrapping).
      const want = new info.ctor(4) as unknown as { [i: number]: number | bigint };
      [0, 2, -4, 6].forEach((v, i) => (want[i] = dt === "bool" ? (v ? 1 : 0) : big ? BigInt(v) : v));
      expect([...r]).toEqual([...(want as unknown as TypedArray)]);
    }
  });

  it("derive requires aligned inputs", () => {
    const a = fromArray(iota(6), [6], { chunks: [3], name: "a" });
    const b = fromArray(iota(6), [6], { chunks: [2], name: "b" });
    const c = fromArray(iota(4), [4], { chunks: [2], name: "c" });
    expect(() => derive([a, b], ([x]) => x!)).toThrow(/input 1 \("b"\) has chunks \[2,2,2\]/);
    expect(() => derive([a, c], ([x]) => x!)).toThrow(/input 1 \("c"\) has shape \[4\]/);
  });
});
