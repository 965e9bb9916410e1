// Helpers for the Dataset operation tests: a counting source array and naive references (whole arrays
// sliced and joined in plain JS).
import { lazy, type LazyArray, type TypedArray } from "../../src/index.js";
import type { IndexRange } from "../../src/plan/blocks.js";

export interface Call {
  region: string;
  /** Whether the caller passed an `out` buffer (computed straight into the output). */
  out: boolean;
  /** `out`'s buffer, to tell whether it is a view of the caller's. */
  buffer?: ArrayBufferLike;
}

export const fmt = (r: readonly IndexRange[]): string => r.map((x) => `${x.start}:${x.stop}`).join(",");

/** Value of element `i` of source `k`: distinct across sources, with a NaN now and then. */
export const valueAt = (k: number, i: number): number => (i % 13 === 5 ? NaN : k * 1000 + i * 0.5);

/** A float64 source of `shape` and `chunks` whose element i is valueAt(k, i); every compute recorded in `calls`. */
export function source(shape: number[], chunks: (number | number[])[], k = 0, opts: { delay?: boolean } = {}): { array: LazyArray; calls: Call[]; full: Float64Array; inFlight: { now: number; max: number } } {
  const n = shape.reduce((p, x) => p * x, 1);
  const full = Float64Array.from({ length: n }, (_, i) => valueAt(k, i));
  const calls: Call[] = [];
  const inFlight = { now: 0, max: 0 };
  const array = lazy({
    shape, dtype: "float64", chunks, name: `src${k}`,
    compute: async (region, out) => {
      calls.push({ region: fmt(region), out: out !== undefined, ...(out ? { buffer: out.buffer } : {}) });
      const size = region.reduce((p, r) => p * (r.stop - r.start), 1);
      // Allocations of its own in flight (temporaries), to check the bound on them.
      const own = out === undefined ? size : 0;
      inFlight.now += own;
      inFlight.max = Math.max(inFlight.max, inFlight.now);
      if (opts.delay) await new Promise((r) => setTimeout(r, 2));
      const dst = (out as Float64Array | undefined) ?? new Float64Array(size);
      dst.set(gather(full, shape, region.map((r) => range(r.start, r.stop))));
      inFlight.now -= own;
      return dst;
    },
  });
  return { array, calls, full, inFlight };
}

export const range = (a: number, b: number): number[] => Array.from({ length: Math.max(0, b - a) }, (_, i) => a + i);

/** Elements of `full` (C order, `shape`) at the cartesian product of per-axis index lists, in C order. */
export function gather(full: ArrayLike<number>, shape: readonly number[], idx: readonly (readonly number[])[]): Float64Array {
  const strides = shape.map((_, a) => shape.slice(a + 1).reduce((p, x) => p * x, 1));
  const out: number[] = [];
  const walk = (a: number, off: number): void => {
    if (a === shape.length) {
      out.push(full[off]!);
      return;
    }
    for (const i of idx[a]!) walk(a + 1, off + i * strides[a]!);
  };
  walk(0, 0);
  return Float64Array.from(out);
}

/** Plain-JS concatenation of C-order arrays along `axis`. */
export function concatRef(parts: { data: ArrayLike<number>; shape: readonly number[] }[], axis: number): Float64Array {
  const outer = parts[0]!.shape.slice(0, axis).reduce((p, x) => p * x, 1);
  const out: number[] = [];
  for (let o = 0; o < outer; o++) {
    for (const p of parts) {
      const block = p.shape.slice(axis).reduce((q, x) => q * x, 1);
      for (let i = 0; i < block; i++) out.push(p.data[o * block + i]!);
    }
  }
  return Float64Array.from(out);
}

/** Compare with NaN equal to NaN (toEqual on arrays of numbers does so). */
export const arr = (a: TypedArray | ArrayLike<number>): number[] => Array.from(a as ArrayLike<number>);
