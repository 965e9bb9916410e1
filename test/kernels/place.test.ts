import { describe, expect, it } from "vitest";
import { cStrides, placeArray, placePtr } from "../../src/kernels/place.js";
import { SliceError } from "../../src/kernels/slice.js";
import { kernels } from "../../src/kernels/instance.js";

let seed = 4242;
function rand(n: number): number {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return (seed >>> 8) % n;
}

/** Naive reference, element by element, on bytes. */
function refPlace(
  src: Uint8Array, sStride: number[], sStart: number[], dst: Uint8Array, dShape: number[], dStart: number[], copy: number[], es: number,
): void {
  const nd = copy.length;
  const dStride = cStrides(dShape);
  const total = copy.reduce((a, b) => a * b, 1);
  for (let e = 0; e < total; e++) {
    let rem = e, so = 0, dof = 0;
    for (let d = nd - 1; d >= 0; d--) {
      const i = rem % copy[d]!;
      rem = Math.floor(rem / copy[d]!);
      so += (sStart[d]! + i) * sStride[d]!;
      dof += (dStart[d]! + i) * dStride[d]!;
    }
    for (let b = 0; b < es; b++) dst[dof * es + b] = src[so * es + b]!;
  }
}

const fStrides = (shape: number[]): number[] => {
  const s: number[] = [];
  let acc = 1;
  for (let d = 0; d < shape.length; d++) {
    s.push(acc);
    acc *= shape[d]!;
  }
  return s;
};

describe("chunk placing kernel (assembly/place.ts)", () => {
  it("matches a naive reference for random shapes, boxes and element sizes, C and F source order", () => {
    const k = kernels();
    let checked = 0, merged = 0;
    for (let trial = 0; trial < 400; trial++) {
      const es = [1, 2, 4, 8][trial % 4]!;
      const nd = 1 + (trial % 5);
      const cshape = Array.from({ length: nd }, () => 1 + rand(nd > 3 ? 7 : 30));
      const bshape = Array.from({ length: nd }, () => 1 + rand(nd > 3 ? 7 : 30));
      // A box inside both: copy <= min(chunk, block) per dim, at random starts.
      const copy = cshape.map((c, d) => 1 + rand(Math.min(c, bshape[d]!)));
      // Often the whole chunk extent along trailing dims, so runs merge.
      if (trial % 3 === 0) for (let d = 1; d < nd; d++) if (cshape[d]! <= bshape[d]!) copy[d] = cshape[d]!;
      const sStart = cshape.map((c, d) => rand(c - copy[d]! + 1));
      const dStart = bshape.map((b, d) => rand(b - copy[d]! + 1));
      const fortran = trial % 7 === 3;
      const sStride = fortran ? fStrides(cshape) : cStrides(cshape);
      const cn = cshape.reduce((a, b) => a * b, 1), bn = bshape.reduce((a, b) => a * b, 1);
      const src = new Uint8Array(cn * es);
      for (let i = 0; i < src.length; i++) src[i] = rand(256);
      const init = new Uint8Array(bn * es);
      for (let i = 0; i < init.length; i++) init[i] = rand(256);
      const want = init.slice();
      refPlace(src, sStride, sStart, want, bshape, dStart, copy, es);

      const mark = k.arena.mark();
      try {
        const sp = k.arena.input(src);
        const dp = k.arena.input(init);
        placePtr(sp, { stride: sStride, start: sStart, length: cn }, dp, { stride: cStrides(bshape), start: dStart, length: bn }, copy, es, k);
        const got = k.u8.slice(dp, dp + init.length);
        expect(Buffer.compare(Buffer.from(got), Buffer.from(want)), `trial ${trial}: chunk [${cshape}] box [${copy}] at [${sStart}] -> block [${bshape}] at [${dStart}], es ${es}${fortran ? ", F" : ""}`).toBe(0);
      } finally {
        k.arena.release(mark);
      }
      checked++;
      if (copy.slice(1).every((c, i) => c === cshape[i + 1] && c === bshape[i + 1])) merged++;
    }
    expect(checked).toBe(400);
    expect(merged).toBeGreaterThan(40);
  });

  it("places typed arrays living outside WASM memory (placeArray), including int64 and float64 bit patterns", () => {
    const src = new Float64Array([NaN, -0, 1, 2, 3, 4]); // 2x3
    const dst = new Float64Array(12).fill(9); // 3x4
    placeArray(src, [2, 3], [0, 1], dst, [3, 4], [1, 2], [2, 2]);
    expect(Array.from(dst)).toEqual([9, 9, 9, 9, 9, 9, -0, 1, 9, 9, 3, 4]);
    expect(Object.is(dst[6], -0)).toBe(true);
    const big = new BigInt64Array([1n, -2n, 2n ** 62n]);
    const out = new BigInt64Array(5);
    placeArray(big, [3], [0], out, [5], [2], [3]);
    expect(Array.from(out)).toEqual([0n, 0n, 1n, -2n, 2n ** 62n]);
    // Fortran-ordered 2x3 source (column-major), placed as C order.
    const f = new Int16Array([1, 4, 2, 5, 3, 6]);
    const c = new Int16Array(6);
    placeArray(f, [2, 3], [0, 0], c, [2, 3], [0, 0], [2, 3], [1, 2]);
    expect(Array.from(c)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("refuses boxes outside either buffer, and bad element sizes, naming the side", () => {
    const k = kernels();
    const mark = k.arena.mark();
    try {
      const p = k.arena.alloc(64);
      expect(() => placePtr(p, { stride: [4, 1], start: [1, 2], length: 8 }, p, { stride: [4, 1], start: [0, 0], length: 16 }, [1, 3], 4, k))
        .toThrow(/reaches element 8 of the source, which has 8/);
      expect(() => placePtr(p, { stride: [1], start: [0], length: 8 }, p, { stride: [1], start: [6], length: 8 }, [3], 4, k))
        .toThrow(/destination/);
      expect(() => placePtr(p, { stride: [1], start: [0], length: 8 }, p, { stride: [1], start: [0], length: 8 }, [3], 3, k)).toThrow(SliceError);
      expect(() => placeArray(new Int8Array(2), [2], [0], new Int16Array(2), [2], [0], [2])).toThrow(/1 bytes, destination elements 2/);
    } finally {
      k.arena.release(mark);
    }
  });
});
