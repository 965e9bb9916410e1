// Read amplification of a rechunked source: how many bytes of source chunks a rank decodes, over the bytes of
// the distinct source chunks it needs. Blocks of the output read every source chunk they overlap; the source
// reader keeps chunks read in part, within the memory budget (src/sources/chunk-cache.ts). This simulates the
// same, so `plan` can report and `write` warn when re-reads remain (the source chunks overlapping a row of
// output chunks do not fit in the budget).
import type { IndexRange } from "./region.js";
import type { LazyArray } from "./lazy.js";

/** The chunk grid (per-dimension chunk lengths) a rechunked array reads its input in, by array. */
const grids = new WeakMap<LazyArray, readonly (readonly number[])[]>();

export function setReadGrid(a: LazyArray, grid: readonly (readonly number[])[]): void {
  grids.set(a, grid);
}

export function readGridOf(a: unknown): readonly (readonly number[])[] | undefined {
  return typeof a === "object" && a !== null ? grids.get(a as LazyArray) : undefined;
}

export interface ReadAmplification {
  bytesRead: number;
  bytesNeeded: number;
  /** bytesRead / bytesNeeded (1: each source chunk read once). */
  ratio: number;
}

/** Source chunks visited at most, beyond which the ratio so far is the estimate. */
const MAX_VISITS = 200_000;

/** Simulate reading `blocks` (in order) from a source of chunk grid `grid` with a cache of `budget` bytes. */
export function readAmplification(grid: readonly (readonly number[])[], blocks: Iterable<readonly IndexRange[]>, elemSize: number, budget: number): ReadAmplification {
  const starts = grid.map((lens) => {
    const s = [0];
    for (const l of lens) s.push(s[s.length - 1]! + l);
    return s;
  });
  const cells = (axis: number, r: IndexRange): number[] => {
    const s = starts[axis]!;
    const out: number[] = [];
    let i = upper(s, r.start) - 1;
    for (; i < s.length - 1 && s[i]! < r.stop; i++) if (s[i + 1]! > r.start) out.push(i);
    return out;
  };
  const cache = new Map<string, number>(); // key -> elements left
  const seen = new Set<string>();
  let held = 0, bytesRead = 0, bytesNeeded = 0, visits = 0;
  for (const block of blocks) {
    const per = block.map((r, axis) => cells(axis, r));
    if (per.some((p) => p.length === 0)) continue;
    const idx = per.map(() => 0);
    for (;;) {
      let total = 1, part = 1;
      const key = idx.map((i, axis) => per[axis]![i]!).join(",");
      idx.forEach((i, axis) => {
        const c = per[axis]![i]!, lo = starts[axis]![c]!, hi = starts[axis]![c + 1]!;
        total *= hi - lo;
        part *= Math.min(hi, block[axis]!.stop) - Math.max(lo, block[axis]!.start);
      });
      const bytes = total * elemSize;
      if (!seen.has(key)) {
        seen.add(key);
        bytesNeeded += bytes;
      }
      const left = cache.get(key);
      if (left !== undefined) {
        if (left - part <= 0) {
          cache.delete(key);
          held -= bytes;
        } else cache.set(key, left - part);
      } else {
        bytesRead += bytes;
        if (part < total && held + bytes <= budget) {
          cache.set(key, total - part);
          held += bytes;
        }
      }
      if (++visits >= MAX_VISITS) return { bytesRead, bytesNeeded, ratio: bytesRead / bytesNeeded };
      let d = idx.length - 1;
      while (d >= 0 && ++idx[d]! >= per[d]!.length) idx[d--] = 0;
      if (d < 0) break;
    }
  }
  return { bytesRead, bytesNeeded, ratio: bytesNeeded ? bytesRead / bytesNeeded : 1 };
}

/** First index i with s[i] > x (s ascending). */
function upper(s: readonly number[], x: number): number {
  let lo = 0, hi = s.length;
  while (lo < hi) {
    const m = (lo + hi) >> 1;
    if (s[m]! > x) hi = m;
    else lo = m + 1;
  }
  return lo;
}
