// The benchmark dataset "D1" shared by the demo, tests and benchmarks: float32 `temp` and `wind` over
// (time, tile, y, x), default sizes (96, 6, 256, 256), chunks (8, 1, 256, 256). Values depend only on the
// element's indices, so any region can be computed independently (and identically) by any process.

export const D1_DIMS = ["time", "tile", "y", "x"] as const;
export const D1_SIZES = [96, 6, 256, 256] as const;
export const D1_CHUNKS = [8, 1, 256, 256] as const;
export type D1Variable = "temp" | "wind";

export interface Range {
  start: number;
  stop: number;
}

/** Deterministic noise in [0, 0.5): a 32-bit multiplicative hash of the C-order linear index (integer math). */
function noise(L: number): number {
  return ((Math.imul(L, 2654435761) >>> 0) / 4294967296) * 0.5;
}

/**
 * One row of x: res[p + i] = a + s[i] * b + noise(base + i). A function of its own so that it is hot after a few
 * rows and V8 optimises it within the first block (inside d1Fill's nested loops a thread's first block ran mostly
 * unoptimised: ~8x the time of the next).
 */
function fillRow(res: Float32Array, p: number, s: Float64Array, a: number, b: number, base: number): void {
  for (let i = 0; i < s.length; i++) res[p + i] = a + s[i]! * b + noise(base + i);
}

/**
 * Fill `out` (C order, the region's shape) with variable `name` of D1 over `region` (one range per dim, in
 * D1_DIMS order) of an array of full shape `shape`. Returns `out`.
 */
export function d1Fill(name: D1Variable, region: readonly Range[], shape: readonly number[], out?: Float32Array): Float32Array {
  const [rt, rk, rj, ri] = region as [Range, Range, Range, Range];
  const n = (rt.stop - rt.start) * (rk.stop - rk.start) * (rj.stop - rj.start) * (ri.stop - ri.start);
  const res = out ?? new Float32Array(n);
  if (res.length !== n) throw new RangeError(`d1Fill: out has ${res.length} elements, region needs ${n}`);
  const [, K, J, I] = shape as [number, number, number, number];
  const nx = ri.stop - ri.start;
  // Per-(tile, x) terms are hoisted (sin and cos included: they depend on k and x only), so the inner loop is a
  // multiply-add plus the noise hash; the values are the same doubles as computed inline.
  const sx = new Float64Array(nx);
  let p = 0;
  for (let t = rt.start; t < rt.stop; t++) {
    for (let k = rk.start; k < rk.stop; k++) {
      if (name === "temp") for (let i = 0; i < nx; i++) sx[i] = Math.sin(0.05 * (ri.start + i) + 0.3 * k);
      else for (let i = 0; i < nx; i++) sx[i] = Math.cos(0.03 * (ri.start + i) - 0.2 * k);
      for (let j = rj.start; j < rj.stop; j++) {
        const base = ((t * K + k) * J + j) * I + ri.start;
        if (name === "temp") fillRow(res, p, sx, 280 + 0.1 * t, 10 * Math.cos(0.04 * j), base);
        else fillRow(res, p, sx, 5, 3 * Math.sin(0.05 * j + 0.01 * t), base);
        p += nx;
      }
    }
  }
  return res;
}

/** D1 shape with a scaled time length. */
export function d1Shape(time: number = D1_SIZES[0]): [number, number, number, number] {
  return [time, D1_SIZES[1], D1_SIZES[2], D1_SIZES[3]];
}
