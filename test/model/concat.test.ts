import { describe, expect, it } from "vitest";
import { DataArray, Dataset, fromArray, initializeStore, writePartition } from "../../src/index.js";
import { concat } from "../../src/model/concat.js";
import { ConcatError } from "../../src/model/errors.js";
import { LazyArray } from "../../src/internal.js";
import { readAll } from "../write/helpers.js";
import { expectVerified } from "../helpers/verify.js";
import { arr, concatRef, gather, range, source } from "./ops-helpers.js";

const R = (start: number, stop: number) => ({ start, stop });

/** Dataset k: `temp` (time, y, x) of `nt` steps from source k, a time coordinate t0.., shared x/lat/mask. */
function part(k: number, nt: number, t0: number, chunks: (number | number[])[] = [2, 3, 4]) {
  const t = source([nt, 3, 4], chunks, k);
  const ds = new Dataset({
    coords: {
      time: { dims: ["time"], data: Float64Array.from(range(t0, t0 + nt)), attrs: { units: "hours since 2000-01-01" } },
      x: { dims: ["x"], data: Float64Array.from([0.5, 1.5, 2.5, 3.5]), attrs: { units: "m" } },
      lat: { dims: ["y", "x"], data: fromArray(Float64Array.from(range(0, 12)), [3, 4]) },
    },
    dataVars: {
      temp: { dims: ["time", "y", "x"], data: t.array, attrs: { units: "K" }, encoding: { compressor: { id: "zstd", level: 1 } } },
      mask: { dims: ["y", "x"], data: fromArray(new Uint8Array(12).fill(1), [3, 4], { chunks: [3, 2], dtype: "bool" }), attrs: { flag: true } },
    },
    attrs: { title: `part ${k}` },
  });
  return { ds, t };
}

describe("concat", () => {
  it("joins variables along the dim lazily; equals the naive reference; attrs and encoding from the first", async () => {
    const parts = [part(0, 3, 0), part(1, 4, 3), part(2, 2, 7)];
    const c = concat(parts.map((p) => p.ds), "time");
    expect(parts.every((p) => p.t.calls.length === 0)).toBe(true);
    expect(c.sizes).toEqual({ time: 9, x: 4, y: 3 });
    expect(c.attrs).toEqual({ title: "part 0" });
    expect(c.dataVars.temp!.chunks).toEqual([[2, 1, 2, 2, 2], [3], [4]]);
    expect(c.dataVars.temp!.encoding).toEqual({ compressor: { id: "zstd", level: 1 } });
    expect(c.dataVars.temp!.attrs).toEqual({ units: "K" });
    expect(c.coords.time!.chunked).toBe(false);
    expect(arr(await c.coords.time!.compute())).toEqual(range(0, 9));
    expect(c.dataVars.mask).toBe(parts[0]!.ds.dataVars.mask);
    const ref = concatRef(parts.map((p) => ({ data: p.t.full, shape: [p.t.full.length / 12, 3, 4] })), 0);
    expect(arr(await c.dataVars.temp!.compute())).toEqual(arr(ref));
  });

  it("a region spanning several inputs computes each input's part into its place; one inside an input only that input", async () => {
    const parts = [part(0, 3, 0), part(1, 4, 3), part(2, 2, 7)];
    const c = concat(parts.map((p) => p.ds), "time");
    const ref = concatRef(parts.map((p) => ({ data: p.t.full, shape: [p.t.full.length / 12, 3, 4] })), 0);
    const out = new Float64Array(7 * 2 * 3);
    const got = await c.dataVars.temp!.compute([R(1, 8), R(1, 3), R(1, 4)], out);
    expect(got).toBe(out);
    expect(arr(got)).toEqual(arr(gather(ref, [9, 3, 4], [range(1, 8), range(1, 3), range(1, 4)])));
    expect(parts.map((p) => p.t.calls.map((x) => x.region))).toEqual([["1:3,1:3,1:4"], ["0:4,1:3,1:4"], ["0:1,1:3,1:4"]]);
    for (const p of parts) p.t.calls.length = 0;
    // Along the first axis every input's part is contiguous in the output: computed straight into it.
    const whole = new Float64Array(9 * 12);
    await c.dataVars.temp!.compute([R(0, 9), R(0, 3), R(0, 4)], whole);
    expect(parts.every((p) => p.t.calls.length === 1 && p.t.calls[0]!.out && p.t.calls[0]!.buffer === whole.buffer)).toBe(true);
    for (const p of parts) p.t.calls.length = 0;
    await c.dataVars.temp!.compute([R(4, 6), R(0, 3), R(0, 4)]);
    expect(parts.map((p) => p.t.calls.map((x) => x.region))).toEqual([[], ["1:3,0:3,0:4"], []]);
  });

  it("many inputs: every region equals the reference and asks only the inputs it overlaps", async () => {
    const lens = range(0, 150).map((i) => 1 + (i % 3));
    const srcs = lens.map((n, k) => source([n, 2], [1, 2], k));
    const c = concat(srcs.map((s) => new Dataset({ dataVars: { v: { dims: ["t", "x"], data: s.array } } })), "t");
    const total = lens.reduce((p, n) => p + n, 0);
    const ref = concatRef(srcs.map((s, k) => ({ data: s.full, shape: [lens[k]!, 2] })), 0);
    for (const [a, b] of [[0, total], [0, 1], [total - 1, total], [7, 8], [100, 177], [5, 5]] as const) {
      for (const s of srcs) s.calls.length = 0;
      expect(arr(await c.dataVars.v!.compute([R(a, b), R(0, 2)]))).toEqual(arr(gather(ref, [total, 2], [range(a, b), range(0, 2)])));
      let at = 0;
      const asked = srcs.map((s, k) => {
        const lo = at;
        at += lens[k]!;
        return { overlaps: Math.max(a, lo) < Math.min(b, at), called: s.calls.length > 0 };
      });
      expect(asked.every((x) => x.overlaps === x.called)).toBe(true);
    }
  });

  it("along an inner axis: pieces are placed through temporaries", async () => {
    const a = source([3, 2], [3, 1], 0), b = source([3, 3], [1, 3], 1);
    const mk = (s: typeof a) => new Dataset({ dataVars: { v: { dims: ["y", "x"], data: s.array } } });
    const c = concat([mk(a), mk(b)], "x");
    expect(c.dataVars.v!.chunks).toEqual([[3], [1, 1, 3]]);
    const ref = concatRef([{ data: a.full, shape: [3, 2] }, { data: b.full, shape: [3, 3] }], 1);
    expect(arr(await c.dataVars.v!.compute())).toEqual(arr(ref));
    expect(arr(await c.dataVars.v!.compute([R(1, 3), R(1, 4)]))).toEqual(arr(gather(ref, [3, 5], [range(1, 3), range(1, 4)])));
  });

  it("in-memory and lazy inputs along the dim mix (the result is lazy)", async () => {
    const a = source([2, 2], [1, 2], 0);
    const eager = Float64Array.from([7, 8, 9, 10, 11, 12]);
    const c = concat([
      new Dataset({ dataVars: { v: { dims: ["t", "x"], data: a.array } } }),
      new Dataset({ dataVars: { v: { dims: ["t", "x"], data: fromArray(eager, [3, 2]) } } }),
    ], "t");
    expect(c.dataVars.v!.data).toBeInstanceOf(LazyArray);
    expect(c.dataVars.v!.chunks).toEqual([[1, 1, 3], [2]]);
    expect(arr(await c.dataVars.v!.compute())).toEqual([...arr(a.full), ...arr(eager)]);
  });

  it("variables without the dim must agree: the error names the variable, the input and what differs", () => {
    const base = part(0, 2, 0).ds;
    const other = (f: (ds: Dataset) => Dataset) => [base, part(1, 2, 2).ds, f(part(2, 2, 4).ds)];
    const expectError = (dss: Dataset[], re: RegExp) => {
      expect(() => concat(dss, "time")).toThrow(ConcatError);
      expect(() => concat(dss, "time")).toThrow(re);
    };
    expectError(other((d) => d.assign({ x: { dims: ["x"], data: Float64Array.from([0.5, 1.5, 2.5, 9]), attrs: { units: "m" } } })),
      /variable "x" has no dimension "time" in input 0, so it must be the same in every input, but input 2 differs: values differ \(at flat index 3: 9 instead of 3.5\)/);
    expectError(other((d) => d.assign({ x: { dims: ["x"], data: Float64Array.from([0.5, 1.5, 2.5, 3.5]), attrs: { units: "km" } } })),
      /variable "x" .* input 2 differs: attribute "units": "km" instead of "m"/);
    expectError(other((d) => d.assign({ mask: { dims: ["y", "x"], data: fromArray(new Int8Array(12), [3, 4], { chunks: [3, 4] }), attrs: { flag: true } } })),
      /variable "mask" .* input 2 differs: dtype int8 instead of bool/);
    expectError(other((d) => d.assign({ mask: new DataArray({ dims: ["time", "y", "x"], data: source([2, 3, 4], [2, 3, 4]).array }) })),
      /variable "mask" .* input 2 differs: it has dimension "time", which input 0's does not/);
    // Lazy variables are compared through their metadata only (nothing is computed).
    const lazyMask = (k: number) => source([3, 4], [3, 4], k);
    const m1 = lazyMask(1), m2 = lazyMask(2);
    const ok = concat([base.assign({ mask: { dims: ["y", "x"], data: m1.array } }), base.assign({ mask: { dims: ["y", "x"], data: m2.array } })], "time");
    expect(ok.dataVars.mask!.data).toBe(m1.array);
    expect(m1.calls.length + m2.calls.length).toBe(0);
  });

  it("structural errors: a missing dim, a missing or extra variable, a coordinate vs a data variable, other sizes", () => {
    const a = part(0, 2, 0).ds, b = part(1, 2, 2).ds;
    expect(() => concat([a, b], "level")).toThrow(/input 0 has no dimension "level" \(its dimensions: \[time, x, y\]\)/);
    expect(() => concat([a, b.dropVars("mask")], "time")).toThrow(/variable "mask" is in input 0 but not in input 1/);
    expect(() => concat([a.dropVars("mask"), b], "time")).toThrow(/variable "mask" is in input 1 but not in input 0/);
    const moved = new Dataset({ coords: { ...b.coords, mask: b.dataVars.mask! }, dataVars: { temp: b.dataVars.temp! } });
    expect(() => concat([a, moved], "time")).toThrow(/variable "mask" is a data variable in input 0 but a coordinate in input 1/);
    const wide = part(2, 2, 4).ds.isel({ x: { stop: 3 } });
    expect(() => concat([a, wide], "time")).toThrow(/dimension "x" has size 3 in input 1 but 4 in input 0/);
    const f32 = b.assign({ temp: { dims: ["time", "y", "x"], data: fromArray(new Float32Array(24), [2, 3, 4], { chunks: [2, 3, 4] }) } });
    expect(() => concat([a, f32], "time")).toThrow(/variable "temp" cannot be joined along "time": input 1 has dtype float32 instead of float64/);
    const swapped = b.assign({ temp: { dims: ["time", "x", "y"], data: source([2, 4, 3], [2, 4, 3]).array } });
    expect(() => concat([a, swapped], "time")).toThrow(/input 1 has dims \[time, x, y\] instead of \[time, y, x\]/);
    expect(() => concat([], "time")).toThrow(TypeError);
  });
});

describe("isel + chunk + concat, written by several ranks", () => {
  for (const format of [2, 3] as const) {
    it(`zarr v${format}: read back with zarrita equal to the reference`, async () => {
      const parts = [part(0, 5, 0, [1, 3, 2]), part(1, 6, 5, [[2, 1, 3], [3], [4]]), part(2, 4, 11, [4, 1, 4])];
      // Reference: whole inputs, sliced and joined in plain JS.
      const sliced = parts.map((p) => {
        const nt = p.t.full.length / 12;
        return { data: gather(p.t.full, [nt, 3, 4], [range(1, nt), range(0, 3), range(1, 4)]), shape: [nt - 1, 3, 3] };
      });
      const ref = concatRef(sliced, 0);
      const warnings: string[] = [];
      const ds = concat(parts.map((p) => p.ds.isel({ time: { start: 1 }, x: { start: -3 } })), "time")
        .chunk({ time: 4, y: 2, x: -1 }, { onWarning: (m) => warnings.push(m) })
        .assignAttrs({ history: "isel+concat+chunk" });
      expect(ds.dataVars.temp!.chunks).toEqual([[4, 4, 4], [2, 1], [3]]);
      const store = new Map<string, Uint8Array>();
      await initializeStore(ds, store, { zarrFormat: format });
      for (let rank = 0; rank < 3; rank++) await writePartition(ds, store, { ranks: 3, dims: ["time"], rank, memoryBudget: 400, onWarning: (m) => warnings.push(m) });
      const got = await readAll(store, format);
      expect(got.attrs).toMatchObject({ title: "part 0", history: "isel+concat+chunk" });
      expect(got.arrays.temp!.shape).toEqual([12, 3, 3]);
      expect(arr(got.arrays.temp!.data)).toEqual(arr(ref));
      expect(got.arrays.temp!.attrs).toMatchObject({ units: "K", coordinates: "lat" });
      expect(arr(got.arrays.time!.data)).toEqual([...range(1, 5), ...range(6, 11), ...range(12, 15)]);
      expect(arr(got.arrays.x!.data)).toEqual([1.5, 2.5, 3.5]);
      expect(arr(got.arrays.lat!.data)).toEqual([1, 2, 3, 5, 6, 7, 9, 10, 11]);
      expect(Array.from(got.arrays.mask!.data as unknown as ArrayLike<boolean>)).toEqual(Array(9).fill(true));
      expect(warnings).toEqual([]);
      await expectVerified(store);
      // Each input was asked only for pieces inside the selection, each within one of its chunks along time
      // (the output's chunks on other axes are input 0's: part 2, chunked otherwise along y, is asked for
      // regions spanning several of its y chunks).
      for (const p of parts) {
        const ends = p.t.array.chunks[0]!.reduce<number[]>((acc, n) => [...acc, acc[acc.length - 1]! + n], [0]);
        expect(p.t.calls.length).toBeGreaterThan(0);
        for (const c of p.t.calls) {
          const r = c.region.split(",").map((x) => x.split(":").map(Number) as [number, number]);
          expect(r[0]![0]).toBeGreaterThanOrEqual(1);
          expect(r[2]![0]).toBeGreaterThanOrEqual(1);
          expect([c.region, ends.findLastIndex((e) => e <= r[0]![0])]).toEqual([c.region, ends.findLastIndex((e) => e <= r[0]![1] - 1)]);
        }
      }
    });
  }
});
