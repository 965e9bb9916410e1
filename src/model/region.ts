// Regions of n-d C-order arrays: validation, sizes, cache keys, and the region copy (contiguous runs copied
// with subarray/set, so a region whose trailing axes are full is one or few block copies).
import type { TypedArray } from "../kernels/arena.js";
import type { IndexRange } from "../plan/blocks.js";
import { ShapeError, label } from "./errors.js";

export type { IndexRange };

export function checkShape(shape: unknown, name?: string): number[] {
  if (!Array.isArray(shape) || shape.some((s) => typeof s !== "number" || !Number.isSafeInteger(s) || s < 0)) {
    throw new ShapeError(`shape of ${label(name)}must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  return [...(shape as number[])];
}

export function product(xs: readonly number[]): number {
  let p = 1;
  for (const x of xs) p *= x;
  return p;
}

/** `[0:2, 3:6]`-style text of a region, for messages. */
export function formatRegion(region: readonly IndexRange[]): string {
  return `[${region.map((r) => `${r.start}:${r.stop}`).join(", ")}]`;
}

/** Check that `region` is one integer range per axis inside `shape`; returns a normalised copy. */
export function checkRegion(region: unknown, shape: readonly number[], name?: string): IndexRange[] {
  if (!Array.isArray(region) || region.length !== shape.length) {
    throw new ShapeError(
      `region for ${label(name)}must be an array of ${shape.length} { start, stop } ranges (one per axis), got ${JSON.stringify(region)}`,
    );
  }
  return region.map((r: unknown, axis) => {
    const { start, stop } = (r ?? {}) as { start?: unknown; stop?: unknown };
    if (typeof start !== "number" || typeof stop !== "number" || !Number.isInteger(start) || !Number.isInteger(stop) || start < 0 || stop < start || stop > shape[axis]!) {
      throw new ShapeError(
        `region for ${label(name)}is out of range on axis ${axis}: ${JSON.stringify(r)}; expected 0 <= start <= stop <= ${shape[axis]}`,
      );
    }
    return { start, stop };
  });
}

export function regionShape(region: readonly IndexRange[]): number[] {
  return region.map((r) => r.stop - r.start);
}

export function regionSize(region: readonly IndexRange[]): number {
  let n = 1;
  for (const r of region) n *= r.stop - r.start;
  return n;
}

export function regionKey(region: readonly IndexRange[]): string {
  return region.map((r) => `${r.start}:${r.stop}`).join(",");
}

/**
 * Visit `region` of a C-order array of `shape` as contiguous runs: `visit(offset in the array, offset in the
 * region's own C-order layout, length)`. Trailing axes the region spans fully merge with the last partial axis
 * into one run. Shared by copyRegion and its inverse, placeRegion.
 */
export function forEachRun(shape: readonly number[], region: readonly IndexRange[], visit: (off: number, p: number, run: number) => void): void {
  const nd = shape.length;
  if (regionSize(region) === 0) return;
  if (nd === 0) return visit(0, 0, 1);
  // k: the last axis that is not spanned fully (axes after it are contiguous in both layouts).
  let k = nd - 1;
  while (k > 0 && region[k]!.start === 0 && region[k]!.stop === shape[k]) k--;
  let inner = 1;
  for (let a = k + 1; a < nd; a++) inner *= shape[a]!;
  const run = (region[k]!.stop - region[k]!.start) * inner;
  const strides = new Array<number>(nd);
  strides[nd - 1] = 1;
  for (let a = nd - 2; a >= 0; a--) strides[a] = strides[a + 1]! * shape[a + 1]!;
  // Odometer over axes 0..k-1.
  const idx = region.slice(0, k).map((r) => r.start);
  let p = 0;
  for (;;) {
    let off = region[k]!.start * strides[k]!;
    for (let a = 0; a < k; a++) off += idx[a]! * strides[a]!;
    visit(off, p, run);
    p += run;
    let a = k - 1;
    while (a >= 0) {
      idx[a]!++;
      if (idx[a]! < region[a]!.stop) break;
      idx[a] = region[a]!.start;
      a--;
    }
    if (a < 0) return;
  }
}

/** Copy `region` of the C-order array `src` (of shape `shape`) into `out` (C order, the region's shape). */
export function copyRegion<T extends TypedArray>(src: T, shape: readonly number[], region: readonly IndexRange[], out: T): T {
  if (shape.length === 0) {
    if (out.length > 0) (out as Float64Array)[0] = (src as Float64Array)[0]!;
    return out;
  }
  forEachRun(shape, region, (off, p, run) => (out as Float64Array).set((src as Float64Array).subarray(off, off + run), p));
  return out;
}
