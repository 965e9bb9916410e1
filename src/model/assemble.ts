// Assembling one region of an output array from regions of input LazyArrays (rechunk, concat): each input
// piece is computed straight into the output buffer where it is one contiguous run of it, else into a
// temporary placed into the output. The pieces partition the output region, so a rank holds at most the
// output block plus the pieces being copied (no more than the block again).
import type { TypedArray } from "../kernels/arena.js";
import { chunkStarts } from "../plan/blocks.js";
import { dtypeInfo, type DType } from "./dtypes.js";
import type { ComputeCache, LazyArray } from "./lazy.js";
import { forEachRun, regionSize, type IndexRange } from "./region.js";

/** One input piece: `region` of `source` goes to `at` (ranges relative to the output region). */
export interface Piece {
  source: LazyArray;
  region: IndexRange[];
  at: IndexRange[];
}

/** Pieces computed at once, at most (each holds a read in flight; a source reads its chunks concurrently). */
export const PIECES_IN_FLIGHT = 8;

/** Copy `src` (C order, the shape of `at`) into `at` of `dst` (C order, shape `shape`). The inverse of copyRegion. */
export function placeRegion<T extends TypedArray>(src: T, dst: T, shape: readonly number[], at: readonly IndexRange[]): T {
  if (shape.length === 0) {
    if (src.length > 0) (dst as Float64Array)[0] = (src as Float64Array)[0]!;
    return dst;
  }
  forEachRun(shape, at, (off, p, run) => (dst as Float64Array).set((src as Float64Array).subarray(p, p + run), off));
  return dst;
}

/** The offset of `at` in a C-order array of `shape` when `at` is one contiguous run of it, else -1. */
export function contiguousOffset(shape: readonly number[], at: readonly IndexRange[]): number {
  const nd = shape.length;
  let k = nd - 1;
  while (k > 0 && at[k]!.start === 0 && at[k]!.stop === shape[k]) k--;
  for (let a = 0; a < k; a++) if (at[a]!.stop - at[a]!.start !== 1) return -1;
  let off = 0, stride = 1;
  for (let a = nd - 1; a >= 0; a--) {
    off += at[a]!.start * stride;
    stride *= shape[a]!;
  }
  return off;
}

/** The chunk intervals of `chunks` (one axis) overlapping [start, stop), clipped to it. */
export function overlapping(chunks: readonly number[], start: number, stop: number): IndexRange[] {
  if (stop <= start) return [];
  const s = chunkStarts(chunks);
  // Binary search for the chunk holding `start`.
  let lo = 0, hi = chunks.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (s[mid]! <= start) lo = mid;
    else hi = mid - 1;
  }
  const out: IndexRange[] = [];
  for (let b = lo; b < chunks.length && s[b]! < stop; b++) {
    const a = Math.max(s[b]!, start), z = Math.min(s[b + 1]!, stop);
    if (z > a) out.push({ start: a, stop: z });
  }
  return out;
}

/**
 * Compute every piece into `out` (C order, the output region's shape `shape`; allocated when not given).
 * Contiguous pieces are computed into views of `out`; others into temporaries placed into it. The pieces
 * partition the output region, so temporaries never exceed it; at most PIECES_IN_FLIGHT run at once.
 * When `out` is detached meanwhile (WASM memory grown by an input's compute), the region is computed again
 * into an array of its own, which is returned (the writer copies it into its memory).
 */
export async function assemble(
  pieces: readonly Piece[], shape: readonly number[], dtype: DType, out: TypedArray | undefined, cache: ComputeCache | undefined,
): Promise<TypedArray> {
  const total = shape.reduce((p, n) => p * n, 1);
  const fresh = (): TypedArray => new (dtypeInfo(dtype).ctor)(total);
  const dst = out ?? fresh();
  if ((await fill(pieces, shape, dst, cache)) === "ok") return dst;
  const own = fresh(); // an array of our own is never detached
  await fill(pieces, shape, own, cache);
  return own;
}

async function fill(pieces: readonly Piece[], shape: readonly number[], dst: TypedArray, cache: ComputeCache | undefined): Promise<"ok" | "detached"> {
  const total = shape.reduce((p, n) => p * n, 1);
  const detached = (): boolean => total > 0 && dst.byteLength === 0;
  let lost = false;
  const run = async (p: Piece): Promise<void> => {
    const n = regionSize(p.region);
    if (n === 0) return;
    const off = contiguousOffset(shape, p.at);
    let got: TypedArray;
    try {
      if (off >= 0) {
        const view = dst.subarray(off, off + n) as TypedArray;
        got = await p.source.compute(p.region, view, cache);
        if (!detached() && got !== view) (view as Float64Array).set(got as Float64Array);
      } else {
        got = await p.source.compute(p.region, undefined, cache);
        if (!detached()) placeRegion(got, dst, shape, p.at);
      }
    } catch (e) {
      if (!detached()) throw e; // else: failed on the detached view; computed again into memory of our own
    }
    if (detached()) lost = true;
  };
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (next < pieces.length && !failure && !lost) {
      try {
        await run(pieces[next++]!);
      } catch (e) {
        failure ??= { error: e };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(PIECES_IN_FLIGHT, pieces.length) }, worker));
  if (failure) throw failure.error;
  return lost ? "detached" : "ok";
}
