// Dask-style chunks: per dimension, the list of chunk lengths. A plain chunk shape ([8, 1, 256, 256]) expands
// to full chunks plus a shorter last one; -1 means one chunk spanning the dimension.
import { ChunksError, label } from "./errors.js";

/** Per axis, either a chunk length (expanded) or the explicit list of chunk lengths. */
export type ChunksSpec = readonly (number | readonly number[])[];

function where(axis: number, dims: readonly string[] | undefined, name: string | undefined): string {
  const dim = dims?.[axis];
  return `${dim !== undefined ? `dimension ${JSON.stringify(dim)}` : `axis ${axis}`} of ${label(name) || "the array "}`.trimEnd();
}

/**
 * Chunks along one axis that can be indexed: chunk lists are held per chunk (and planned on), so a grid of
 * 2^30 chunks along an axis would exhaust memory (V8 aborts); beyond 2^25 V8 also stops allocating them fast.
 */
export const MAX_CHUNKS_PER_AXIS = 2 ** 25;

/** Refuse a grid too large to index before anything is allocated: naming the axis, sizes and counts. */
function checkGrid(shape: readonly number[], chunks: readonly unknown[], name?: string, dims?: readonly string[]): void {
  let total = 1;
  const counts = shape.map((size, axis) => {
    const c = chunks[axis];
    const n = typeof c === "number" && Number.isSafeInteger(c) && c >= 1 && size > 0 ? Math.ceil(size / c) : Array.isArray(c) ? c.length : 1;
    if (n > MAX_CHUNKS_PER_AXIS) {
      throw new ChunksError(
        `chunks for ${where(axis, dims, name)}: ${n} chunks (size ${size}, chunk length ${String(c)}) are more than ` +
          `${MAX_CHUNKS_PER_AXIS} along one dimension, too many to index: use larger chunks`,
      );
    }
    total *= n;
    return n;
  });
  if (total > Number.MAX_SAFE_INTEGER) {
    throw new ChunksError(
      `chunks of ${label(name) || "the array "}make a grid of ${counts.join(" x ")} chunks${dims ? ` over (${dims.join(", ")})` : ""}, ` +
        `more than ${Number.MAX_SAFE_INTEGER} (2^53 - 1), too many to index: use larger chunks`,
    );
  }
}

/** Expand and validate chunks for `shape`. Errors name the dimension (or axis), the value and the size. */
export function normalizeChunks(shape: readonly number[], chunks: unknown, name?: string, dims?: readonly string[]): number[][] {
  if (!Array.isArray(chunks) || chunks.length !== shape.length) {
    throw new ChunksError(
      `chunks of ${label(name) || "the array "}must have one entry per axis (${shape.length}), got ${JSON.stringify(chunks)}`,
    );
  }
  checkGrid(shape, chunks, name, dims);
  return shape.map((size, axis) => {
    const c: unknown = chunks[axis];
    if (typeof c === "number") {
      if (c === -1) return [size];
      if (!Number.isSafeInteger(c) || c < 1) {
        throw new ChunksError(`chunk length for ${where(axis, dims, name)} must be a positive integer (or -1), got ${c}`);
      }
      if (size === 0) return [0];
      const out = new Array<number>(Math.floor(size / c)).fill(c);
      if (size % c) out.push(size % c);
      return out;
    }
    if (!Array.isArray(c)) {
      throw new ChunksError(`chunks for ${where(axis, dims, name)} must be a length or a list of lengths, got ${JSON.stringify(c)}`);
    }
    if (size === 0 && (c.length === 0 || (c.length === 1 && c[0] === 0))) return [0];
    let sum = 0;
    for (const x of c) {
      if (typeof x !== "number" || !Number.isSafeInteger(x) || x < 1) {
        throw new ChunksError(`chunks for ${where(axis, dims, name)} must be positive integers, got ${JSON.stringify(x)} in ${JSON.stringify(c)}`);
      }
      sum += x;
    }
    if (sum !== size) {
      throw new ChunksError(`chunks for ${where(axis, dims, name)} sum to ${sum} (${JSON.stringify(c)}), but its size is ${size}`);
    }
    return [...(c as number[])];
  });
}

export function sameChunks(a: readonly (readonly number[])[], b: readonly (readonly number[])[]): boolean {
  return a.length === b.length && a.every((c, i) => c.length === b[i]!.length && c.every((x, j) => x === b[i]![j]));
}

/** The chunks of `chunks` restricted to [start, stop) along one axis (chunk boundaries intersected). */
export function subsetChunks(chunks: readonly number[], start: number, stop: number): number[] {
  if (stop <= start) return [0];
  const out: number[] = [];
  let lo = 0;
  for (const c of chunks) {
    const hi = lo + c;
    const a = Math.max(lo, start);
    const b = Math.min(hi, stop);
    if (b > a) out.push(b - a);
    lo = hi;
  }
  return out;
}
