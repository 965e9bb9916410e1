// What verify reads of a store's zarr metadata, by its own parsing (the writer's code is not trusted here):
// the format, each array's grid, chunk key encoding and sharding layout, and the parsing of chunk keys and
// shard indexes (FORMATS.md §1.5, §2.6, §3.2).

export type Json = Record<string, unknown>;

export interface ShardLayout {
  /** Inner chunk shape. */
  inner: number[];
  /** Inner chunks per shard, per axis. */
  perShard: number[];
  /** Inner chunks per shard in all. */
  count: number;
  indexLocation: "start" | "end";
  indexCrc: boolean;
  /** Encoded index size in bytes: 16 per inner chunk, + 4 with crc32c. */
  indexSize: number;
  /** The inner chunks' codecs (zarrita decodes them). */
  codecs: unknown[];
}

export interface ArrayLayout {
  /** Path without the leading "/" ("" for an array at the root). */
  name: string;
  format: 2 | 3;
  /** The array's own metadata document, parsed. */
  doc: Json;
  shape: number[];
  /** Chunk shape of the grid (the shard shape for sharded arrays). */
  chunks: number[];
  /** Chunks along each axis. */
  grid: number[];
  dtype: string;
  /** Bytes per element. */
  itemSize: number;
  /** Chunk key of grid index `idx`, relative to the array ("0.1", "c/0/1"). */
  keyOf(idx: readonly number[]): string;
  /** Grid index of a relative key, or a reason it is not a chunk key of this grid. */
  parseKey(rel: string): number[] | string;
  shard?: ShardLayout;
}

const V3_SIZES: Record<string, number> = {
  bool: 1, int8: 1, uint8: 1, int16: 2, uint16: 2, int32: 4, uint32: 4, int64: 8, uint64: 8,
  float16: 2, float32: 4, float64: 8, complex64: 8, complex128: 16,
};

export class LayoutError extends Error {
  override name = "LayoutError";
}

/** Tolerant JSON: zarr-python 2 writes bare NaN / Infinity / -Infinity tokens (outside strings). */
export function parseJson(bytes: Uint8Array): unknown {
  const text = new TextDecoder().decode(bytes);
  try {
    return JSON.parse(text);
  } catch {
    // Replace bare tokens outside strings only.
    const fixed = text.replace(/"(?:[^"\\]|\\.)*"|-?Infinity|NaN/g, (m) => (m.startsWith('"') ? m : JSON.stringify(m)));
    return JSON.parse(fixed);
  }
}

const isIntList = (x: unknown): x is number[] => Array.isArray(x) && x.every((n) => Number.isSafeInteger(n) && n >= 0);
const prod = (xs: readonly number[]): number => xs.reduce((p, x) => p * x, 1);
export { prod };

/** The layout of the array at `name` from its metadata document (`.zarray` or `zarr.json`). */
export function arrayLayout(name: string, format: 2 | 3, doc: Json): ArrayLayout {
  const where = `array ${JSON.stringify(name)}`;
  const shape = doc.shape;
  if (!isIntList(shape)) throw new LayoutError(`${where}: shape ${JSON.stringify(shape)} is not a list of integers >= 0`);
  let chunks: unknown, dtype: string, itemSize: number, keyOf: (idx: readonly number[]) => string, sep: string, prefix: string;
  let shard: ShardLayout | undefined;
  if (format === 2) {
    chunks = doc.chunks;
    dtype = String(doc.dtype);
    const m = /^[<>|=]?[biuf](\d+)$/.exec(dtype);
    if (!m) throw new LayoutError(`${where}: dtype ${JSON.stringify(doc.dtype)} is not a fixed-size numeric type`);
    itemSize = Number(m[1]);
    sep = (doc.dimension_separator as string | undefined) ?? ".";
    prefix = "";
    keyOf = (idx) => (idx.length ? idx.join(sep) : "0");
  } else {
    const grid = doc.chunk_grid as Json | undefined;
    if (grid?.name !== "regular") throw new LayoutError(`${where}: chunk_grid ${JSON.stringify(grid?.name)} is not "regular"`);
    chunks = (grid.configuration as Json | undefined)?.chunk_shape;
    dtype = String(doc.data_type);
    const size = V3_SIZES[dtype];
    if (size === undefined) throw new LayoutError(`${where}: data_type ${JSON.stringify(doc.data_type)} is not a fixed-size numeric type`);
    itemSize = size;
    const enc = (doc.chunk_key_encoding as Json | undefined) ?? { name: "default" };
    const cfg = (enc.configuration as Json | undefined) ?? {};
    if (enc.name === "default") {
      sep = (cfg.separator as string | undefined) ?? "/";
      prefix = "c";
      keyOf = (idx) => ["c", ...idx].join(sep);
    } else if (enc.name === "v2") {
      sep = (cfg.separator as string | undefined) ?? ".";
      prefix = "";
      keyOf = (idx) => (idx.length ? idx.join(sep) : "0");
    } else throw new LayoutError(`${where}: chunk_key_encoding ${JSON.stringify(enc.name)} is not "default" or "v2"`);
    shard = shardLayout(where, doc.codecs, chunks);
  }
  if (!isIntList(chunks) || chunks.length !== shape.length || chunks.some((c) => c < 1)) {
    throw new LayoutError(`${where}: chunk shape ${JSON.stringify(chunks)} does not match shape ${JSON.stringify(shape)}`);
  }
  const chunkShape = chunks;
  const grid = shape.map((n, d) => Math.ceil(n / chunkShape[d]!));
  const parseKey = (rel: string): number[] | string => {
    if (shape.length === 0) return rel === keyOf([]) ? [] : `it is not the chunk key ${JSON.stringify(keyOf([]))} of a 0-d array`;
    let parts = rel.split(sep);
    if (prefix) {
      if (parts[0] !== prefix) return `it does not start with "${prefix}${sep}"`;
      parts = parts.slice(1);
    }
    if (parts.length !== shape.length) return `it has ${parts.length} indices, the array ${shape.length} dimensions`;
    const idx: number[] = [];
    for (let d = 0; d < parts.length; d++) {
      const p = parts[d]!;
      if (!/^(0|[1-9]\d*)$/.test(p)) return `its index ${JSON.stringify(p)} is not an integer`;
      const i = Number(p);
      if (i >= grid[d]!) return `its index ${i} along axis ${d} is outside the grid (${grid[d]} chunks)`;
      idx.push(i);
    }
    return idx;
  };
  return { name, format, doc, shape, chunks: chunkShape, grid, dtype, itemSize, keyOf, parseKey, ...(shard ? { shard } : {}) };
}

function shardLayout(where: string, codecs: unknown, outer: unknown): ShardLayout | undefined {
  if (!Array.isArray(codecs)) throw new LayoutError(`${where}: codecs ${JSON.stringify(codecs)} is not a list`);
  const at = codecs.findIndex((c) => (c as Json)?.name === "sharding_indexed");
  if (at < 0) return undefined;
  if (codecs.length !== 1) throw new LayoutError(`${where}: sharding_indexed together with other codecs is not supported by verify`);
  const cfg = ((codecs[0] as Json).configuration ?? {}) as Json;
  const inner = cfg.chunk_shape;
  if (!isIntList(inner) || !isIntList(outer) || inner.length !== outer.length || inner.some((c, d) => c < 1 || outer[d]! % c !== 0)) {
    throw new LayoutError(`${where}: sharding chunk_shape ${JSON.stringify(inner)} does not divide the shard shape ${JSON.stringify(outer)}`);
  }
  const names = ((cfg.index_codecs as unknown[] | undefined) ?? [{ name: "bytes" }, { name: "crc32c" }]).map((c) => (typeof c === "string" ? c : (c as Json).name));
  const indexCrc = names.length === 2 && names[1] === "crc32c";
  if (names[0] !== "bytes" || names.length > 2 || (names.length === 2 && !indexCrc)) {
    throw new LayoutError(`${where}: shard index_codecs ${JSON.stringify(names)} are not supported by verify (expected bytes, optionally crc32c)`);
  }
  const perShard = outer.map((s, d) => s / inner[d]!);
  const count = prod(perShard);
  const loc = cfg.index_location ?? "end";
  if (loc !== "start" && loc !== "end") throw new LayoutError(`${where}: index_location ${JSON.stringify(loc)} is not "start" or "end"`);
  return { inner, perShard, count, indexLocation: loc, indexCrc, indexSize: 16 * count + (indexCrc ? 4 : 0), codecs: (cfg.codecs as unknown[]) ?? [] };
}

export interface ShardEntry {
  /** Inner chunk number in C order within the shard. */
  i: number;
  offset: number;
  nbytes: number;
}

/**
 * Parse a shard's index: the entries of present inner chunks, or the problems found (a shard shorter than
 * its index, an index CRC-32C that does not match, an entry outside the shard or over the index).
 * `crc32c` is the checksum function (the caller's kernel).
 */
export function parseShardIndex(bytes: Uint8Array, s: ShardLayout, crc32c: (b: Uint8Array) => number): { entries: ShardEntry[]; problems: { kind: "shard-crc" | "shard-index"; message: string }[] } {
  const problems: { kind: "shard-crc" | "shard-index"; message: string }[] = [];
  if (bytes.length < s.indexSize) {
    return { entries: [], problems: [{ kind: "shard-index", message: `shard of ${bytes.length} bytes is shorter than its index (${s.indexSize} bytes)` }] };
  }
  const at = s.indexLocation === "end" ? bytes.length - s.indexSize : 0;
  const dv = new DataView(bytes.buffer, bytes.byteOffset + at, s.indexSize);
  if (s.indexCrc) {
    const stored = dv.getUint32(16 * s.count, true);
    const actual = crc32c(bytes.subarray(at, at + 16 * s.count));
    if (stored !== actual) {
      const hex = (x: number) => x.toString(16).padStart(8, "0");
      return { entries: [], problems: [{ kind: "shard-crc", message: `shard index CRC-32C is ${hex(stored)}, its bytes give ${hex(actual)}` }] };
    }
  }
  const EMPTY = 2n ** 64n - 1n;
  const entries: ShardEntry[] = [];
  const [lo, hi] = [at, at + s.indexSize];
  for (let i = 0; i < s.count; i++) {
    const off = dv.getBigUint64(16 * i, true), len = dv.getBigUint64(16 * i + 8, true);
    if (off === EMPTY && len === EMPTY) continue;
    const end = off + len;
    if (end > BigInt(bytes.length)) {
      problems.push({ kind: "shard-index", message: `inner chunk ${i}: bytes ${off}..${end} lie outside the shard (${bytes.length} bytes)` });
      continue;
    }
    const [o, n] = [Number(off), Number(len)];
    if (n > 0 && o < hi && o + n > lo) {
      problems.push({ kind: "shard-index", message: `inner chunk ${i}: bytes ${o}..${o + n} overlap the shard index (${lo}..${hi})` });
      continue;
    }
    entries.push({ i, offset: o, nbytes: n });
  }
  return { entries, problems };
}

/** Inner chunk number `i` of the shard at grid index `shardIdx`, as a global inner-chunk grid index. */
export function innerIndex(s: ShardLayout, shardIdx: readonly number[], i: number): number[] {
  const out = new Array<number>(s.perShard.length);
  for (let d = s.perShard.length - 1; d >= 0; d--) {
    out[d] = shardIdx[d]! * s.perShard[d]! + (i % s.perShard[d]!);
    i = Math.floor(i / s.perShard[d]!);
  }
  return out;
}

/** Every grid index in C order (for stores that cannot list their keys). */
export function* gridIndices(grid: readonly number[]): Generator<number[]> {
  if (grid.some((n) => n === 0)) return;
  const idx = grid.map(() => 0);
  for (;;) {
    yield [...idx];
    let d = grid.length - 1;
    for (; d >= 0; d--) {
      if (++idx[d]! < grid[d]!) break;
      idx[d] = 0;
    }
    if (d < 0) return;
  }
}
