// zerosLike (the original's zeros_like tests, ported), assignCoords and reindex.
import { describe, expect, it } from "vitest";
import { DataArray, Dataset, fromArray } from "../../src/index.js";
import { LazyArray } from "../../src/internal.js";
import { zerosLike } from "../../src/model/zeros.js";
import { kernels } from "../../src/kernels/instance.js";

const arr = (a: ArrayLike<unknown>) => Array.from(a as ArrayLike<number>);

describe("zerosLike", () => {
  // The original's test__zeros_like_dataarray: chunks {x: 5, y: 2} over (10, 6), float and int.
  for (const dtype of ["float64", "int32"] as const) {
    for (const [override, expected] of [
      [undefined, [[5, 5], [2, 2, 2]]],
      [{ y: 3 }, [[5, 5], [3, 3]]],
      [{ y: 3, z: 1 }, [[5, 5], [3, 3]]], // z: a dim the variable lacks, ignored
    ] as const) {
      it(`${dtype}, override ${JSON.stringify(override)}: chunks ${JSON.stringify(expected)}, dtype kept`, async () => {
        const ctor = dtype === "float64" ? Float64Array : Int32Array;
        const data = fromArray(new ctor(60).fill(7), [10, 6], { chunks: [5, 2] });
        const ds = new Dataset({ dataVars: { a: { dims: ["x", "y"], data } } });
        const z = zerosLike(ds, override as never);
        expect(z.dataVars.a!.chunks).toEqual(expected);
        expect(z.dataVars.a!.dtype).toBe(dtype);
        expect(arr(await z.dataVars.a!.compute())).toEqual(new Array(60).fill(0));
      });
    }
  }

  it("keeps dims, dtypes, attrs (variables' and the dataset's) and coordinates, with explicit chunk lengths", async () => {
    // The original's test_zeros_like: a (random float), b (random int), c (chunks 1x1), attrs {foo: bar}.
    const attrs = { foo: "bar" };
    const ds = new Dataset({
      coords: { x: { dims: ["x"], data: Float64Array.from([10, 20]) } },
      dataVars: {
        a: { dims: ["x", "y"], data: fromArray(Float64Array.from({ length: 8 }, Math.random), [2, 4], { chunks: [2, 4] }), attrs },
        b: { dims: ["x", "y"], data: fromArray(Int32Array.from({ length: 8 }, (_, i) => i + 1), [2, 4], { chunks: [2, 4] }), attrs },
        c: { dims: ["x", "y"], data: fromArray(Float64Array.from({ length: 8 }, Math.random), [2, 4], { chunks: [1, 1] }), attrs },
        d: { dims: ["y"], data: Uint8Array.from([1, 2, 3, 4]), attrs }, // unchunked: zeros in memory
      },
      attrs: { title: "t" },
    });
    const z = zerosLike(ds);
    expect(z.attrs).toEqual({ title: "t" });
    expect(arr(z.coords.x!.data as Float64Array)).toEqual([10, 20]);
    for (const name of ["a", "b", "c", "d"]) {
      const v = z.dataVars[name]!, o = ds.dataVars[name]!;
      expect([v.dims, v.dtype, v.attrs, v.chunks]).toEqual([o.dims, o.dtype, o.attrs, o.chunks]);
      expect(arr(await v.compute()).every((x) => x === 0)).toBe(true);
    }
    expect(z.dataVars.d!.chunked).toBe(false);
    const w = zerosLike(ds, { y: [1, 3] });
    expect(w.dataVars.a!.chunks).toEqual([[2], [1, 3]]);
    expect(w.dataVars.d!.chunks).toEqual([[1, 3]]);
    expect(() => zerosLike(ds, { y: [1, 2] })).toThrow(/"y".*sum to 3.*size is 4/);
    expect(() => zerosLike(ds, { y: 0 })).toThrow(/"y".*positive integer/);
  });

  it("computing a region fills only the caller's output", async () => {
    const big = new LazyArray({ shape: [1 << 20, 1 << 20], dtype: "float32", chunks: [1 << 10, 1 << 10], compute: () => { throw new Error("source computed"); } });
    const z = zerosLike(new Dataset({ dataVars: { v: { dims: ["a", "b"], data: big } } }));
    const out = new Float32Array(6).fill(5);
    const got = await z.dataVars.v!.compute([{ start: 1000, stop: 1002 }, { start: 0, stop: 3 }], out);
    expect(got).toBe(out);
    expect(arr(out)).toEqual([0, 0, 0, 0, 0, 0]);
    // Into WASM memory too (the writer's block buffers): no arena growth beyond the output.
    const k = kernels();
    const mark = k.arena.mark();
    const wasmOut = k.arena.allocView(Float32Array, 6);
    const top = k.arena.mark();
    expect(await z.dataVars.v!.compute([{ start: 0, stop: 2 }, { start: 0, stop: 3 }], wasmOut)).toBe(wasmOut);
    expect(k.arena.mark()).toBe(top);
    expect(arr(wasmOut)).toEqual([0, 0, 0, 0, 0, 0]);
    k.arena.release(mark);
  });
});

describe("assignCoords and reindex", () => {
  it("assignCoords adds a dimension coordinate; a data variable's name is refused", () => {
    const ds = new Dataset({ dataVars: { z: { dims: ["x"], data: Float64Array.from([1, 2]) } } });
    const c = ds.assignCoords({ x: Int32Array.from([0, 1]) });
    expect(Object.keys(c.coords)).toEqual(["x"]);
    expect(() => ds.assignCoords({ z: Int32Array.from([0, 1]) })).toThrow(/"z" is a data variable/);
  });

  it("reindex to the full extent: labels matched, dtypes kept, missing labels filled, lazy for chunked variables", async () => {
    let calls: string[] = [];
    const src = new LazyArray({
      shape: [2, 3], dtype: "int32", chunks: [2, 3],
      compute: (r) => {
        calls.push(r.map((x) => `${x.start}:${x.stop}`).join(","));
        const out = new Int32Array((r[0]!.stop - r[0]!.start) * (r[1]!.stop - r[1]!.start));
        let o = 0;
        for (let i = r[0]!.start; i < r[0]!.stop; i++) for (let j = r[1]!.start; j < r[1]!.stop; j++) out[o++] = 10 * (i + 1) + j;
        return out;
      },
    });
    const ds = new Dataset({
      coords: { x: { dims: ["x"], data: Float64Array.from([2, 3]) } },
      dataVars: { v: { dims: ["x", "y"], data: src }, f: { dims: ["x"], data: Float32Array.from([0.5, 1.5]) } },
    });
    const r = ds.reindex({ x: Float64Array.from([0, 1, 2, 3, 4]) });
    expect(calls).toEqual([]);
    expect(r.sizes).toEqual({ x: 5, y: 3 });
    expect(arr(r.coords.x!.data as Float64Array)).toEqual([0, 1, 2, 3, 4]);
    expect(r.dataVars.v!.dtype).toBe("int32");
    expect(r.dataVars.v!.chunks).toEqual([[2, 2, 1], [3]]);
    expect(arr(await r.dataVars.v!.compute())).toEqual([0, 0, 0, 0, 0, 0, 10, 11, 12, 20, 21, 22, 0, 0, 0]);
    calls = [];
    expect(arr(await r.dataVars.v!.compute([{ start: 3, stop: 5 }, { start: 1, stop: 3 }]))).toEqual([21, 22, 0, 0]);
    expect(calls).toEqual(["1:2,1:3"]); // only the source range the labels cover
    expect(arr(r.dataVars.f!.data as Float32Array)).toEqual([NaN, NaN, 0.5, 1.5, NaN]);
    expect(() => ds.reindex({ y: Float64Array.from([0]) })).toThrow(/dimension "y" has no coordinate/);
    expect(() => ds.reindex({ q: Float64Array.from([0]) })).toThrow(/q/);
  });
});

// DataArray is imported for the types of the spec objects above.
void DataArray;
