import { describe, expect, it } from "vitest";
import { ChunkSlicer, sliceChunkArray, SliceError } from "../../src/kernels/slice.js";
import { kernels } from "../../src/kernels/instance.js";
import { dtypeInfo, patternWords, type DType } from "../../src/model/dtypes.js";

let seed = 987;
function rand(n: number): number {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return (seed >>> 8) % n;
}

/** Naive reference, element by element: the chunk's bytes. */
function refChunk(block: Uint8Array, bshape: number[], origin: number[], ashape: number[], cshape: number[], chunk: number[], es: number, fill: Uint8Array): Uint8Array {
  const nd = ashape.length;
  const total = cshape.reduce((a, b) => a * b, 1);
  const out = new Uint8Array(total * es);
  const idx = new Array(nd).fill(0);
  for (let e = 0; e < total; e++) {
    let rem = e;
    for (let d = nd - 1; d >= 0; d--) {
      idx[d] = rem % cshape[d]!;
      rem = Math.floor(rem / cshape[d]!);
    }
    let inside = true;
    let off = 0;
    for (let d = 0; d < nd; d++) {
      const g = chunk[d]! * cshape[d]! + idx[d];
      if (g >= ashape[d]!) inside = false;
      off = off * bshape[d]! + (g - origin[d]!);
    }
    for (let b = 0; b < es; b++) out[e * es + b] = inside ? block[off * es + b]! : fill[b]!;
  }
  return out;
}

function diff(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return -2;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

const CASES: [DType, number | bigint][] = [["uint8", 7], ["int16", -2], ["float32", NaN], ["float64", -0], ["int64", -5n], ["float32", -0], ["float64", NaN]];

describe("chunk slicing kernel", () => {
  it("matches a naive reference for random shapes, chunkings, blocks and edge chunks (1-d to 5-d, all element sizes)", () => {
    const k = kernels();
    let checked = 0;
    let edges = 0;
    for (let trial = 0; trial < 300; trial++) {
      const [dtype, fillValue] = CASES[trial % CASES.length]!;
      const es = dtypeInfo(dtype).size;
      const nd = 1 + (trial % 5);
      const ashape = Array.from({ length: nd }, () => 1 + rand(nd > 3 ? 9 : 40));
      const cshape = ashape.map((n) => 1 + rand(Math.min(n + 3, 12)));
      const grid = ashape.map((n, d) => Math.ceil(n / cshape[d]!));
      const lo = grid.map((g) => rand(g));
      const hi = grid.map((g, d) => lo[d]! + 1 + rand(g - lo[d]!));
      const origin = lo.map((c, d) => c * cshape[d]!);
      const bshape = hi.map((c, d) => Math.min(c * cshape[d]!, ashape[d]!) - origin[d]!);
      const bbytes = bshape.reduce((a, b) => a * b, 1) * es;
      const block = new Uint8Array(bbytes);
      for (let i = 0; i < bbytes; i++) block[i] = rand(256);
      const fill = new Uint8Array(new Uint32Array(patternWords(dtype, fillValue)).buffer).subarray(0, es);
      const s = new ChunkSlicer({ arrayShape: ashape, chunkShape: cshape, dtype, fillValue });
      const mark = k.arena.mark();
      const ptr = k.arena.alloc(bbytes);
      k.u8.set(block, ptr);
      const ref = { ptr, shape: bshape, origin };
      const chunks = s.chunksIn(ref);
      expect(chunks.length).toBe(hi.reduce((a, h, d) => a * (h - lo[d]!), 1));
      for (const { chunk, span } of s.sliceAll(ref)) {
        const want = refChunk(block, bshape, origin, ashape, cshape, chunk, es, fill);
        expect(diff(k.u8.slice(span.ptr, span.ptr + span.len), want), `${dtype} array [${ashape}] chunks [${cshape}] block [${origin}]+[${bshape}] chunk [${chunk}]`).toBe(-1);
        if (chunk.some((c, d) => (c + 1) * cshape[d]! > ashape[d]!)) edges++;
        checked++;
      }
      k.arena.release(mark);
    }
    expect(checked).toBeGreaterThan(1000);
    expect(edges).toBeGreaterThan(200);
  });

  it("keeps NaN and -0.0 fill bitwise, and tests chunks for all-fill", () => {
    const a = new Float64Array([1, 2, 3, 4, 5]);
    const c = sliceChunkArray(a, [5], [0], [5], [4], [1], -0);
    expect(Array.from(c.subarray(0, 1))).toEqual([5]);
    expect([1, 2, 3].every((i) => Object.is(c[i], -0))).toBe(true);
    const f = sliceChunkArray(new Float32Array([1, 2, 3]), [3], [0], [3], [2], [1], NaN);
    expect(f[0]).toBe(3);
    expect(Number.isNaN(f[1])).toBe(true);

    const k = kernels();
    const s = new ChunkSlicer({ arrayShape: [3, 5], chunkShape: [2, 4], dtype: "float32", fillValue: NaN });
    const mark = k.arena.mark();
    const ptr = k.arena.alloc(15 * 4);
    k.arena.view(Float32Array, ptr, 15).fill(NaN);
    const block = { ptr, shape: [3, 5], origin: [0, 0] };
    const all = s.sliceAll(block);
    expect(all.map((x) => s.isFill(x.span.ptr))).toEqual([true, true, true, true]);
    k.arena.view(Float32Array, ptr, 15)[14] = -0;
    expect(s.isFill(s.slice(block, [1, 1]).ptr)).toBe(false);
    expect(s.isFill(s.slice(block, [1, 0]).ptr)).toBe(true);
    k.arena.release(mark);
  });

  it("merges whole trailing dims and handles 32 dims", () => {
    const shape = Array.from({ length: 32 }, (_, d) => (d % 7 === 0 ? 3 : 1));
    const n = shape.reduce((a, b) => a * b, 1);
    const a = new Int32Array(n).map((_, i) => i);
    const cs = shape.map((x) => (x === 3 ? 2 : 1));
    const c = sliceChunkArray(a, shape, shape.map(() => 0), shape, cs, shape.map(() => 0), -1);
    const want = refChunk(new Uint8Array(a.buffer), shape, shape.map(() => 0), shape, cs, shape.map(() => 0), 4, new Uint8Array([255, 255, 255, 255]));
    expect(diff(new Uint8Array(c.buffer), want)).toBe(-1);
  });

  it("takes the fill value as raw pattern words (a NaN with a payload)", () => {
    const s = new ChunkSlicer({ arrayShape: [3], chunkShape: [4], dtype: "float32", fillWords: [0x7fc00123, 0] });
    const k = kernels();
    const mark = k.arena.mark();
    const ptr = k.arena.alloc(12);
    const span = s.slice({ ptr, shape: [3], origin: [0] }, [0]);
    expect(new DataView(k.memory.buffer).getUint32(span.ptr + 12, true)).toBe(0x7fc00123);
    expect(s.isFill(span.ptr)).toBe(false);
    k.arena.release(mark);
    expect(() => new ChunkSlicer({ arrayShape: [3], chunkShape: [4], dtype: "float32" })).toThrow(/fillValue or fillWords/);
  });

  it("slices 0-d arrays (one chunk of one element)", () => {
    const c = sliceChunkArray(new Float64Array([2.5]), [], [], [], [], [], NaN);
    expect(Array.from(c)).toEqual([2.5]);
    const s = new ChunkSlicer({ arrayShape: [], chunkShape: [], dtype: "int16", fillValue: 0 });
    expect(s.chunksIn({ shape: [], origin: [] })).toEqual([[]]);
    expect(s.chunkBytes).toBe(2);
  });

  it("rejects blocks and chunks that do not fit, naming the dimension", () => {
    const s = new ChunkSlicer({ arrayShape: [10, 10], chunkShape: [4, 4], dtype: "uint8", fillValue: 0 });
    expect(() => s.chunksIn({ shape: [4, 4], origin: [1, 0] })).toThrow(/origin\[0\] = 1/);
    expect(() => s.chunksIn({ shape: [4, 5], origin: [0, 0] })).toThrow(/dim 1/);
    expect(() => s.sliceInto({ ptr: 0, shape: [4, 4], origin: [0, 0] }, [1, 0], 0)).toThrow(SliceError);
    expect(() => s.sliceInto({ ptr: 0, shape: [4, 4], origin: [0, 0] }, [3, 0], 0)).toThrow(/beyond the array/);
    expect(() => new ChunkSlicer({ arrayShape: [10], chunkShape: [0], dtype: "uint8", fillValue: 0 })).toThrow(/chunkShape\[0\]/);
  });
});
