// Streaming a region in blocks of whole chunks, and cutting a block (in WASM memory) into full-shape chunk
// buffers padded with the fill value.
import type { IndexRange } from "../plan/blocks.js";


/**
 * Blocks of whole chunks covering `region` (chunk-aligned), each at most `budget` bytes (one chunk at least),
 * in C order. A block spans the region fully on trailing axes and whole chunk groups on one axis.
 */
export function* blocksOf(region: readonly IndexRange[], chunkShape: readonly number[], elemSize: number, budget: number): Generator<IndexRange[]> {
  const nd = region.length;
  const len = region.map((r) => r.stop - r.start);
  if (len.some((l) => l <= 0)) return;
  const chunkBytes = chunkShape.reduce((p, c) => p * c, elemSize);
  if (nd > 1 && chunkBytes >= CONTIGUOUS_MIN_CHUNK) {
    yield* contiguousBlocks(region, chunkShape, Math.max(1, Math.floor(budget / chunkBytes)));
    return;
  }
  // bytes(a): the region whole on axes >= a, one chunk on axes < a.
  const bytes = (a: number): number => {
    let b = elemSize;
    for (let d = 0; d < nd; d++) b *= d < a ? Math.min(chunkShape[d]!, len[d]!) : len[d]!;
    return b;
  };
  let a = 0;
  while (a < nd && bytes(a) > budget) a++;
  if (a === 0) {
    yield region.map((r) => ({ ...r }));
    return;
  }
  const ax = a - 1;
  const perIndex = bytes(a) / Math.min(chunkShape[ax]!, len[ax]!);
  const m = Math.max(1, Math.floor(budget / (perIndex * chunkShape[ax]!)));
  // Odometer over chunk starts on axes < ax, and groups of m chunks along ax.
  const step = region.map((_, d) => (d < ax ? chunkShape[d]! : d === ax ? m * chunkShape[d]! : len[d]!));
  yield* odometer(region, step, ax);
}

/**
 * Blocks in C order: origins step by `step[d]` along axes 0..last (each block clipped to the region); axes
 * after `last` span the whole region.
 */
function* odometer(region: readonly IndexRange[], step: readonly number[], last: number): Generator<IndexRange[]> {
  const pos = region.map((r) => r.start);
  for (;;) {
    yield region.map((r, d) => (d <= last ? { start: pos[d]!, stop: Math.min(pos[d]! + step[d]!, r.stop) } : { ...r }));
    let d = last;
    while (d >= 0) {
      pos[d]! += step[d]!;
      if (pos[d]! < region[d]!.stop) break;
      pos[d] = region[d]!.start;
      d--;
    }
    if (d < 0) return;
  }
}

/**
 * Chunks at least this large are streamed in blocks that are one chunk wide on every axis but the first, so
 * that each chunk is a contiguous run of its block and is encoded in place, with no slicing copy (the compute
 * function is called once per block of >= 1 MiB, which costs nothing next to the data).
 */
export const CONTIGUOUS_MIN_CHUNK = 1 << 20;

/** Blocks of up to `m` chunks along axis 0 and one chunk on every other axis, in C order of the chunk grid. */
function* contiguousBlocks(region: readonly IndexRange[], chunkShape: readonly number[], m: number): Generator<IndexRange[]> {
  const step = chunkShape.map((c, d) => (d === 0 ? m * c : c));
  yield* odometer(region, step, region.length - 1);
}

/** Grid indices of the chunks inside `block` (chunk-aligned), in C order. */
export function* chunkIndicesOf(block: readonly IndexRange[], chunkShape: readonly number[]): Generator<number[]> {
  const lo = block.map((r, d) => Math.floor(r.start / chunkShape[d]!));
  const hi = block.map((r, d) => Math.ceil(r.stop / chunkShape[d]!));
  if (lo.some((l, d) => l >= hi[d]!)) return;
  const idx = [...lo];
  for (;;) {
    yield [...idx];
    let d = idx.length - 1;
    while (d >= 0) {
      idx[d]!++;
      if (idx[d]! < hi[d]!) break;
      idx[d] = lo[d]!;
      d--;
    }
    if (d < 0) return;
  }
}

export interface SliceGeometry {
  /** Block shape (elements per axis). */
  blockShape: readonly number[];
  /** The chunk's offset inside the block, per axis. */
  offset: readonly number[];
  /** Elements of the chunk inside the array, per axis (< chunkShape on edge chunks). */
  valid: readonly number[];
  chunkShape: readonly number[];
  elemSize: number;
}

/**
 * Byte offset of the chunk inside the block when the chunk is a contiguous run of the block and needs no
 * padding (so it can be encoded in place), else -1. That holds when the block is one full chunk wide on every
 * axis but the first and the chunk is full along the first.
 */
export function contiguousOffset(g: SliceGeometry): number {
  const { blockShape, chunkShape, valid, offset, elemSize } = g;
  if (valid[0] !== chunkShape[0]) return -1;
  let row = elemSize;
  for (let d = 1; d < chunkShape.length; d++) {
    if (blockShape[d] !== chunkShape[d] || valid[d] !== chunkShape[d] || offset[d] !== 0) return -1;
    row *= chunkShape[d]!;
  }
  return chunkShape.length ? offset[0]! * row : 0;
}
