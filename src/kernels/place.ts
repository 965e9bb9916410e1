// Typed wrapper of assembly/place.ts for sources: place a sub-box of a decoded chunk (C order, or any element
// strides, e.g. a zarr v2 order "F" chunk) into a sub-box of a C-order block, both in WASM memory.
import { kernels, type Kernels } from "./instance.js";
import type { TypedArray } from "./arena.js";
import { SliceError } from "./slice.js";

const MAX_DIMS = 32;

/** Where a box lies in one buffer: element strides per dim, the box's first index, the buffer's length. */
export interface BoxSide {
  stride: readonly number[];
  start: readonly number[];
  /** Elements in the buffer: the box must lie inside. */
  length: number;
}

/** C-order element strides of `shape`. */
export function cStrides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    s[d] = acc;
    acc *= shape[d]!;
  }
  return s;
}

function checkSide(what: string, side: BoxSide, copy: readonly number[]): void {
  const nd = copy.length;
  if (side.stride.length !== nd || side.start.length !== nd) {
    throw new SliceError(`place: ${what} has ${side.stride.length} strides and ${side.start.length} starts for a ${nd}-d box`);
  }
  let last = 0;
  for (let d = 0; d < nd; d++) {
    const st = side.stride[d]!, s0 = side.start[d]!;
    if (!Number.isInteger(st) || st < 0 || st > 0xffffffff) throw new SliceError(`place: ${what} stride[${d}] = ${st}: expected an integer in 0..2^32-1`);
    if (!Number.isInteger(s0) || s0 < 0 || s0 > 0xffffffff) throw new SliceError(`place: ${what} start[${d}] = ${s0}: expected an integer in 0..2^32-1`);
    last += (s0 + copy[d]! - 1) * st;
  }
  if (last + 1 > side.length) throw new SliceError(`place: the box [${copy}] at [${side.start}] reaches element ${last} of the ${what}, which has ${side.length}`);
}

/**
 * Copy the box `copy` (elements per dim) from `src` to `dst` (byte pointers in `k`'s memory), `esize` bytes per
 * element. Nothing is copied when a dim of `copy` is 0. Both sides are bounds-checked first.
 */
export function placePtr(src: number, srcSide: BoxSide, dst: number, dstSide: BoxSide, copy: readonly number[], esize: number, k: Kernels = kernels()): void {
  const nd = copy.length;
  if (nd > MAX_DIMS) throw new SliceError(`place: ${nd} dims: at most ${MAX_DIMS} are supported`);
  if (esize !== 1 && esize !== 2 && esize !== 4 && esize !== 8) throw new SliceError(`place: element size ${esize}: expected 1, 2, 4 or 8`);
  copy.forEach((c, d) => {
    if (!Number.isInteger(c) || c < 0 || c > 0xffffffff) throw new SliceError(`place: copy[${d}] = ${c}: expected an integer >= 0`);
  });
  if (copy.some((c) => c === 0)) return;
  checkSide("source", srcSide, copy);
  checkSide("destination", dstSide, copy);
  if (nd === 0) {
    k.u8.copyWithin(dst, src, src + esize);
    return;
  }
  const base = k.exports.placeParams();
  const params = new Uint32Array(k.memory.buffer, base, 5 * MAX_DIMS);
  for (let d = 0; d < nd; d++) {
    params[d] = srcSide.stride[d]!;
    params[MAX_DIMS + d] = srcSide.start[d]!;
    params[2 * MAX_DIMS + d] = dstSide.stride[d]!;
    params[3 * MAX_DIMS + d] = dstSide.start[d]!;
    params[4 * MAX_DIMS + d] = copy[d]!;
  }
  const B = 4 * MAX_DIMS;
  k.exports.placeBox(src, base, base + B, dst, base + 2 * B, base + 3 * B, base + 4 * B, nd, esize);
}

/**
 * Convenience for typed arrays anywhere: copy the box `copy` from `src` (C order of `srcShape`, or `srcStride`)
 * at `srcStart` into `dst` (C order of `dstShape`) at `dstStart`, in place. Both arrays must have the same
 * element size. Copies through WASM memory unless they already live there.
 */
export function placeArray(
  src: TypedArray, srcShape: readonly number[], srcStart: readonly number[],
  dst: TypedArray, dstShape: readonly number[], dstStart: readonly number[],
  copy: readonly number[], srcStride: readonly number[] = cStrides(srcShape),
): void {
  const es = src.BYTES_PER_ELEMENT;
  if (dst.BYTES_PER_ELEMENT !== es) throw new SliceError(`place: source elements are ${es} bytes, destination elements ${dst.BYTES_PER_ELEMENT}`);
  const k = kernels();
  const mark = k.arena.mark();
  try {
    // Pointers and lengths first: growing memory for the input detaches views of it.
    const owned = k.owns(dst);
    const dLen = dst.length, dBytes = dst.byteLength;
    const dp = owned ? dst.byteOffset : k.arena.input(dst);
    const sp = k.arena.input(src);
    placePtr(sp, { stride: srcStride, start: srcStart, length: src.length }, dp, { stride: cStrides(dstShape), start: dstStart, length: dLen }, copy, es, k);
    if (!owned) new Uint8Array(dst.buffer, dst.byteOffset, dBytes).set(k.u8.subarray(dp, dp + dBytes));
  } finally {
    k.arena.release(mark);
  }
}
