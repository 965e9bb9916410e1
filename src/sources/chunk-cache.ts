// A per-thread (so per-rank) cache of decoded source chunks that a region read only in part: a chunk cut by
// the boundary between two blocks of the output would otherwise be read and decoded again for the next block.
// An entry is dropped once its elements have all been read. A chunk that does not fit in the budget (the writer
// sets it to its memoryBudget for the time of a write, and empties it before and after) is not kept, rather than
// evicting one still to be read: under a scan larger than the cache, LRU would evict every chunk before its
// reuse, while this keeps the first that fit. So a rank holds at most the budget and never reads more than
// without a cache.
import type { TypedArray } from "../kernels/arena.js";

export interface CachedChunk {
  data: TypedArray;
  stride: number[];
}

interface Entry extends CachedChunk {
  /** Elements of the chunk not read yet. */
  left: number;
}

// Zero (nothing kept) outside a write: a compute() of the user's reads the store afresh.
let budget = 0;
let held = 0;
const entries = new Map<string, Entry>();

/** Start a write (`bytes`: its memoryBudget) or end one (0): either empties the cache. */
export function setSourceCacheBudget(bytes: number): void {
  budget = Math.max(0, bytes);
  entries.clear();
  held = 0;
}

/** Bytes held now (tests). */
export function sourceCacheBytes(): number {
  return held;
}

/** A cached chunk, counting `elements` more of it as read; dropped once all of it has been read. */
export function takeChunk(key: string, elements: number): CachedChunk | undefined {
  const e = entries.get(key);
  if (!e) return undefined;
  e.left -= elements;
  if (e.left <= 0) {
    entries.delete(key);
    held -= e.data.byteLength;
  }
  return e;
}

/** Keep a chunk of `total` elements of which `elements` were just read, unless that was all of it. */
export function keepChunk(key: string, chunk: CachedChunk, total: number, elements: number): boolean {
  const left = total - elements;
  if (left <= 0 || entries.has(key) || held + chunk.data.byteLength > budget) return false;
  entries.set(key, { ...chunk, left });
  held += chunk.data.byteLength;
  return true;
}
