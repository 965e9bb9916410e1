// Block-space indexing, as xpartition's `da.blocks.indexers(...)`: integer block numbers and contiguous block
// slices become array index ranges, using the per-dimension chunk lengths.
import { BlockIndexError, InvalidIndexerError, NotSupportedError, UnknownDimensionError } from "./errors.js";

/** A half-open range of indices along one dimension. `stop < start` can occur (a reversed block slice). */
export interface IndexRange {
  start: number;
  stop: number;
}

/**
 * A region of an array by dimension name. Every region the planner returns covers EVERY dimension of the array
 * it was planned for: dimensions that were not indexed or partitioned get their full range `[0, size)`.
 */
export type Region = Record<string, IndexRange>;

/** Anything with named dimensions and dask-style chunks (per dimension, the list of chunk lengths). */
export interface Chunked {
  readonly dims: readonly string[];
  /** `null` for an unchunked array: block indexing and partitioning are not defined for it. */
  readonly chunks: readonly (readonly number[])[] | null;
  readonly name?: string | undefined;
}

/** A block slice with Python semantics: missing ends, negatives count from the end, clamping; step must be 1. */
export interface BlockSlice {
  start?: number | null;
  stop?: number | null;
  step?: number | null;
}

/** A block indexer: an integer block number (negative counts from the end) or a block slice. */
export type BlockIndexer = number | BlockSlice;

export type BlockIndexers = Record<string, BlockIndexer>;

/** The chunks of `a`, checked to be present and consistent with its dims. */
export function chunksOf(a: Chunked): readonly (readonly number[])[] {
  const name = a.name !== undefined ? `${JSON.stringify(a.name)} ` : "";
  if (a.chunks === null || a.chunks === undefined) {
    throw new NotSupportedError(`variable ${name}is not chunked: blocks and partitions are only defined for chunked arrays`);
  }
  if (a.chunks.length !== a.dims.length) {
    throw new TypeError(`variable ${name}has ${a.dims.length} dims [${a.dims.join(", ")}] but chunks for ${a.chunks.length} axes`);
  }
  return a.chunks;
}

function axisOf(a: Chunked, dim: string): number {
  const axis = a.dims.indexOf(dim);
  if (axis < 0) throw new UnknownDimensionError(dim, a.dims, a.name);
  return axis;
}

/** Python's normalisation of one slice end over a sequence of length n: negatives from the end, then clamp. */
function clampEnd(k: number, n: number): number {
  if (k < 0) return Math.max(0, n + k);
  return Math.min(k, n);
}

function isIntegerEnd(v: unknown): v is number | null | undefined {
  return v === undefined || v === null || (typeof v === "number" && Number.isInteger(v));
}

/** The block range [start, stop) (may be reversed, like Python's) that one indexer selects among n blocks. */
export function blockRange(dim: string, indexer: unknown, n: number, variable?: string): IndexRange {
  if (typeof indexer === "number") {
    if (!Number.isInteger(indexer)) throw new InvalidIndexerError(dim, indexer, "not an integer");
    if (indexer >= n || indexer < -n) throw new BlockIndexError(dim, indexer, n, variable);
    const b = indexer < 0 ? indexer + n : indexer;
    return { start: b, stop: b + 1 };
  }
  if (typeof indexer !== "object" || indexer === null || Array.isArray(indexer) || ArrayBuffer.isView(indexer)) {
    throw new InvalidIndexerError(dim, indexer);
  }
  const s = indexer as Record<string, unknown>;
  for (const key of Object.keys(s)) {
    if (key !== "start" && key !== "stop" && key !== "step") throw new InvalidIndexerError(dim, indexer, `unknown key ${JSON.stringify(key)}`);
  }
  if (!isIntegerEnd(s.start)) throw new InvalidIndexerError(dim, indexer, "start is not an integer");
  if (!isIntegerEnd(s.stop)) throw new InvalidIndexerError(dim, indexer, "stop is not an integer");
  if (s.step !== undefined && s.step !== null && s.step !== 1) {
    throw new NotSupportedError(
      `block slice ${JSON.stringify(indexer)} for dimension ${JSON.stringify(dim)} has step ${String(s.step)}: ` +
        `only contiguous block slices (step 1 or none) are supported`,
    );
  }
  const start = s.start === undefined || s.start === null ? 0 : clampEnd(s.start, n);
  const stop = s.stop === undefined || s.stop === null ? n : clampEnd(s.stop, n);
  return { start, stop };
}

// Prefix sums of chunk lists (read-only by contract), so that planning many ranks stays linear, not
// ranks x chunks.
const prefixes = new WeakMap<readonly number[], Float64Array>();

/** `out[b]` is the array index of the start of block `b` along chunk lengths `c` (out[c.length] = the size). */
export function chunkStarts(c: readonly number[]): Float64Array {
  let p = prefixes.get(c);
  if (!p || p.length !== c.length + 1) {
    p = new Float64Array(c.length + 1);
    for (let i = 0; i < c.length; i++) p[i + 1] = p[i]! + c[i]!;
    prefixes.set(c, p);
  }
  return p;
}

/** Array index of the start of block `b` along chunk lengths `c` (sum of the first b chunks). */
function prefix(c: readonly number[], b: number): number {
  if (b <= 0) return 0;
  return chunkStarts(c)[Math.min(b, c.length)]!;
}

/** Convert a block range along one dim to an array index range (xpartition: sum(chunks[:start]), sum(chunks[:stop])). */
export function blockRangeToIndexRange(chunks: readonly number[], r: IndexRange): IndexRange {
  return { start: prefix(chunks, r.start), stop: prefix(chunks, r.stop) };
}

/**
 * Convert block-space indexers to array index ranges, exactly as xpartition's `blocks.indexers`.
 * With chunks x = (2,3,1): `{ x: 1 }` → x [2,5); `{ x: { start: -3, stop: -1 } }` → x [0,5); `{ x: { stop: 1 } }`
 * → x [0,2); `{ x: { start: 2, stop: 1 } }` → x [5,2) (reversed, as in Python: selects nothing).
 *
 * The result covers every dimension of `chunked` (unlisted ones get their full range). One deliberate
 * difference from the Python original: the integer `-n` (n blocks) is block 0, as negative indices normally
 * are; xpartition rejects it.
 */
export function blockIndexers(chunked: Chunked, indexers: BlockIndexers): Region {
  const chunks = chunksOf(chunked);
  if (typeof indexers !== "object" || indexers === null) throw new TypeError(`block indexers must be an object of dim: indexer, got ${String(indexers)}`);
  for (const dim of Object.keys(indexers)) axisOf(chunked, dim);
  const region: Region = {};
  chunked.dims.forEach((dim, axis) => {
    const c = chunks[axis]!;
    const r = Object.prototype.hasOwnProperty.call(indexers, dim)
      ? blockRange(dim, indexers[dim], c.length, chunked.name)
      : { start: 0, stop: c.length };
    region[dim] = blockRangeToIndexRange(c, r);
  });
  return region;
}

/**
 * A region by dimension name as one `{ start, stop }` per axis in the array's axis order (the form
 * `LazyArray.compute` takes). Dimensions missing from `region` get their full range; a reversed range
 * (stop < start) becomes empty at `start`; a dimension the array does not have is an error.
 */
export function regionToRanges(array: { readonly dims: readonly string[]; readonly shape: readonly number[]; readonly name?: string | undefined }, region: Region): IndexRange[] {
  for (const dim of Object.keys(region)) {
    if (!array.dims.includes(dim)) throw new UnknownDimensionError(dim, array.dims, array.name);
  }
  return array.dims.map((dim, axis) => {
    const r = region[dim];
    if (!r) return { start: 0, stop: array.shape[axis]! };
    return { start: r.start, stop: Math.max(r.start, r.stop) };
  });
}
