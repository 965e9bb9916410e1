// The partition planner, kept identical to xpartition's: the block grid is cut into "meta-blocks" of whole
// chunks, one per rank, so that ranks write disjoint, chunk-aligned regions that together cover the array.
import { blockRangeToIndexRange, chunksOf, type Chunked, type Region } from "./blocks.js";
import { PartitionDimsError, RankError, UnknownDimensionError } from "./errors.js";

/** Something holding named variables, like a Dataset: each variable is planned on its own. */
export interface ChunkedCollection {
  readonly variables: Readonly<Record<string, Chunked>>;
}

function checkRanks(ranks: unknown): number {
  if (typeof ranks !== "number" || !Number.isInteger(ranks) || ranks < 1) {
    throw new RankError(`ranks must be an integer >= 1, got ${String(ranks)}`);
  }
  return ranks;
}

function checkRank(ranks: number, rank: unknown): number {
  if (typeof rank !== "number" || !Number.isInteger(rank) || rank < 0 || rank >= ranks) {
    throw new RankError(`rank must be an integer in 0..${ranks - 1} (ranks = ${ranks}), got ${String(rank)}`);
  }
  return rank;
}

function checkDims(dims: unknown): readonly string[] {
  if (!Array.isArray(dims) || dims.some((d) => typeof d !== "string")) {
    throw new PartitionDimsError(`partition dims must be an array of dimension names, got ${JSON.stringify(dims)}`);
  }
  const seen = new Set<string>();
  for (const d of dims as string[]) {
    if (seen.has(d)) throw new PartitionDimsError(`partition dims list dimension ${JSON.stringify(d)} twice: [${dims.join(", ")}]`);
    seen.add(d);
  }
  return dims as string[];
}

const ceilDiv = (a: number, b: number): number => Math.floor((a + b - 1) / b);

/**
 * Meta-block sizes (in chunks) along each partition dim, xpartition's `_optimal_meta_chunk_sizes`: walking
 * `dims` in priority order, b = product over the dims already walked of ceil(n[w] / s[w]), then
 * s[d] = min(ceil(n[d] / floor(ranks / b)), n[d]), where n[d] is the number of chunks along d.
 */
export function metaChunkSizes(chunked: Chunked, ranks: number, dims: readonly string[]): Record<string, number> {
  checkRanks(ranks);
  checkDims(dims);
  const chunks = chunksOf(chunked);
  const nblocks = (d: string): number => {
    const axis = chunked.dims.indexOf(d);
    if (axis < 0) throw new UnknownDimensionError(d, chunked.dims, chunked.name, "partition dim");
    return chunks[axis]!.length;
  };
  const s: Record<string, number> = {};
  for (const d of dims) {
    let b = 1;
    for (const w of Object.keys(s)) b *= ceilDiv(nblocks(w), s[w]!);
    // floor(ranks / b) >= 1 always: each step keeps b <= ranks (see the property tests).
    s[d] = Math.min(ceilDiv(nblocks(d), Math.floor(ranks / b)), nblocks(d));
  }
  return s;
}

/** Per axis (the array's own order): [meta-block size in chunks, number of chunks]. */
function metaGrid(chunked: Chunked, ranks: number, dims: readonly string[]): { size: number; n: number }[] {
  const s = metaChunkSizes(chunked, ranks, dims);
  const chunks = chunksOf(chunked);
  return chunked.dims.map((d, axis) => {
    const n = chunks[axis]!.length;
    return { size: Object.prototype.hasOwnProperty.call(s, d) ? s[d]! : n, n };
  });
}

/**
 * The region that `rank` of `ranks` writes, or `null` when that rank has nothing to do (xpartition's
 * `da.partition.indexers(ranks, rank, dims)`). The meta-block grid is enumerated in C order over the array's
 * own dimension order; rank r gets meta-block r. The region covers every dim of the array.
 */
export function partitionIndexers(chunked: Chunked, ranks: number, rank: number, dims: readonly string[]): Region | null;
/** For a Dataset-like collection: per variable, the region planned over only the partition dims it has. */
export function partitionIndexers(collection: ChunkedCollection, ranks: number, rank: number, dims: readonly string[]): Record<string, Region | null>;
export function partitionIndexers(
  target: Chunked | ChunkedCollection,
  ranks: number,
  rank: number,
  dims: readonly string[],
): Region | null | Record<string, Region | null> {
  if (isCollection(target)) return datasetPartitionIndexers(target, ranks, rank, dims);
  checkRank(checkRanks(ranks), rank);
  const grid = metaGrid(target, ranks, dims);
  const chunks = chunksOf(target);
  const counts = grid.map((g) => ceilDiv(g.n, g.size));
  const total = counts.reduce((p, c) => p * c, 1);
  if (rank >= total) return null;
  // Unravel rank in C order over the meta grid (last axis fastest).
  const meta = new Array<number>(counts.length);
  let r = rank;
  for (let axis = counts.length - 1; axis >= 0; axis--) {
    meta[axis] = r % counts[axis]!;
    r = Math.floor(r / counts[axis]!);
  }
  const region: Region = {};
  target.dims.forEach((d, axis) => {
    const { size, n } = grid[axis]!;
    const start = meta[axis]! * size;
    region[d] = blockRangeToIndexRange(chunks[axis]!, { start, stop: Math.min(start + size, n) });
  });
  return region;
}

/** Every rank's region (`null` for ranks with nothing to do): xpartition's `da.partition.partition(ranks, dims)`. */
export function partitionRegions(chunked: Chunked, ranks: number, dims: readonly string[]): (Region | null)[] {
  checkRanks(ranks);
  const out: (Region | null)[] = [];
  for (let rank = 0; rank < ranks; rank++) out.push(partitionIndexers(chunked, ranks, rank, dims));
  return out;
}

function isCollection(t: unknown): t is ChunkedCollection {
  return typeof t === "object" && t !== null && "variables" in t && !("chunks" in t);
}

/**
 * Per chunked variable of a Dataset-like collection, the region `rank` writes, planned over only the
 * partition dims that variable has (as xpartition's Dataset writes do). Unchunked variables (chunks null) are
 * not listed: they are not partitioned. A partition dim that no chunked variable has is an error.
 */
export function datasetPartitionIndexers(
  collection: ChunkedCollection,
  ranks: number,
  rank: number,
  dims: readonly string[],
): Record<string, Region | null> {
  checkRank(checkRanks(ranks), rank);
  checkDims(dims);
  const chunked = Object.entries(collection.variables).filter(([, v]) => v.chunks !== null && v.chunks !== undefined);
  const known = new Set(chunked.flatMap(([, v]) => v.dims));
  for (const d of dims) {
    if (!known.has(d)) throw new UnknownDimensionError(d, [...known], undefined, "partition dim", "any chunked variable of the dataset");
  }
  const out: Record<string, Region | null> = {};
  for (const [name, v] of chunked) {
    out[name] = partitionIndexers(v, ranks, rank, dims.filter((d) => v.dims.includes(d)));
  }
  return out;
}

/** Per rank, `datasetPartitionIndexers(collection, ranks, rank, dims)`. */
export function datasetPartitionRegions(collection: ChunkedCollection, ranks: number, dims: readonly string[]): Record<string, Region | null>[] {
  checkRanks(ranks);
  const out: Record<string, Region | null>[] = [];
  for (let rank = 0; rank < ranks; rank++) out.push(datasetPartitionIndexers(collection, ranks, rank, dims));
  return out;
}
