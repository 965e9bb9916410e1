// zarr v3 sharding (`sharding_indexed`, FORMATS.md §3): resolving a variable's sharding from its encoding, and
// the chunk grid the partition planner must see so that no two ranks write the same shard.
//
// Two ways to ask for it (zarr v3 only):
// - `encoding.codecs: [{ name: "sharding_indexed", configuration: { chunk_shape, codecs?, index_codecs?,
//   index_location? } }]`: the variable's (dask-style) chunks are the SHARDS, `chunk_shape` the inner chunks.
// - `encoding.shards: [...]`: the variable's chunks are the INNER chunks, grouped into shards of this shape
//   (a multiple of the chunk shape along every dim); `compressor`/`filters`/`codecs` given beside it are the
//   inner chunks' codecs (default: bytes + Blosc lz4, as for unsharded arrays).
// Either way the array's `chunk_grid` chunk_shape is the shard shape and the codec's `chunk_shape` the inner one.
import type { V3CodecConfig } from "../codecs/types.js";
import { Pipeline } from "../codecs/pipeline.js";
import type { DType } from "../model/dtypes.js";
import type { Chunked } from "../plan/blocks.js";
import type { ChunkedCollection } from "../plan/partition.js";
import type { ZarrFormat } from "../zarr/keys.js";
import { resolveCodecs, type ResolvedCodecs, type VariableEncoding } from "./encoding.js";
import { WriteSpecError } from "./errors.js";

export type IndexLocation = "start" | "end";

export interface ShardPlan {
  /** Shard shape = the array's chunk grid shape. */
  shardShape: number[];
  /** Inner chunk shape (the codec's `chunk_shape`). */
  innerShape: number[];
  /** Inner chunks per shard, per dim. */
  perShard: number[];
  /** The inner chunks' codecs. */
  inner: ResolvedCodecs;
  /** Index codecs: bytes little, then crc32c if true. */
  indexCrc: boolean;
  indexLocation: IndexLocation;
  /** The `sharding_indexed` entry of the array's metadata, every parameter explicit. */
  config: V3CodecConfig;
}

const q = JSON.stringify;
const SHARDING = "sharding_indexed";
const INDEX_BYTES: V3CodecConfig = { name: "bytes", configuration: { endian: "little" } };

function isShardingEntry(c: unknown): boolean {
  return c === SHARDING || (typeof c === "object" && c !== null && (c as V3CodecConfig).name === SHARDING);
}

/** True when the encoding asks for sharding (either form). */
export function wantsSharding(enc: VariableEncoding): boolean {
  return enc.shards !== undefined || (enc.codecs ?? []).some(isShardingEntry);
}

function checkShape(variable: string, what: string, xs: unknown, dims: readonly string[]): number[] {
  if (!Array.isArray(xs) || xs.length !== dims.length || xs.some((x) => typeof x !== "number" || !Number.isInteger(x) || x < 1)) {
    throw new WriteSpecError(`variable ${q(variable)}: ${what} must list ${dims.length} positive integers (one per dim [${dims.join(", ")}]), got ${q(xs)}`);
  }
  return xs as number[];
}

function checkMultiple(variable: string, dims: readonly string[], shard: readonly number[], inner: readonly number[], how: string): void {
  shard.forEach((s, d) => {
    if (s % inner[d]! !== 0) {
      throw new WriteSpecError(
        `variable ${q(variable)}: along dimension ${q(dims[d])} the shard length ${s} is not a multiple of the ${how} ${inner[d]}; ` +
          `each shard must hold whole inner chunks (e.g. shard length ${Math.max(1, Math.round(s / inner[d]!)) * inner[d]!})`,
      );
    }
  });
}

/**
 * The zarr chunk grid of a variable as the planner sees it: its first chunk length per dim, or the shard
 * shape under `encoding.shards`. `null` for unchunked variables.
 */
export function gridShapeOf(
  variable: string, dims: readonly string[], shape: readonly number[], chunkShape: readonly number[] | null, enc: VariableEncoding,
): number[] | null {
  if (enc.shards === undefined || chunkShape === null) return chunkShape ? [...chunkShape] : null;
  // Along a dimension held by one chunk (a chunk longer than its dimension is cut to it, so the asked lengths
  // may no longer divide), a shard that does not hold whole chunks is cut to the chunk: one shard either way.
  const shards = checkShape(variable, "encoding.shards", enc.shards, dims).map((s, d) =>
    (s % chunkShape[d]! !== 0 && chunkShape[d]! >= shape[d]! && s >= shape[d]! ? chunkShape[d]! : s));
  checkMultiple(variable, dims, shards, chunkShape, "chunk length");
  return shards;
}

/** Regular dask-style chunks of length `c` over `n` elements (the last one shorter). */
function regular(n: number, c: number): number[] {
  const out: number[] = [];
  for (let at = 0; at < n; at += c) out.push(Math.min(c, n - at));
  return out;
}

/**
 * What the partition planner runs on for writing: each chunked variable with its zarr chunk grid (the shard
 * grid for sharded variables), so that every rank's region is made of whole shards. `encoding` are the
 * per-variable overrides given to initializeStore/write.
 */
export function planningCollection(
  ds: { readonly variables: Readonly<Record<string, Chunked & { readonly shape: readonly number[]; readonly encoding?: unknown }>> },
  encoding: Record<string, VariableEncoding> = {},
): ChunkedCollection {
  const variables: Record<string, Chunked> = {};
  for (const [name, v] of Object.entries(ds.variables)) {
    const enc = { ...(v.encoding as VariableEncoding | undefined), ...(encoding[name] ?? {}) };
    if (v.chunks === null || v.chunks === undefined || enc.shards === undefined) {
      variables[name] = v;
      continue;
    }
    const grid = gridShapeOf(name, v.dims, v.shape, v.chunks.map((c) => Math.max(c[0] ?? 0, 1)), enc)!;
    variables[name] = { name, dims: v.dims, chunks: v.shape.map((n, d) => (n === 0 ? [...v.chunks![d]!] : regular(n, grid[d]!))) };
  }
  return { variables };
}

/**
 * Resolve a sharded variable's codecs: the `sharding_indexed` metadata entry and the inner/index pipelines.
 * `chunkShape` are the variable's own chunk lengths (its shape if unchunked, `chunked` false: then one shard).
 */
export function resolveSharding(
  variable: string, dtype: DType, format: ZarrFormat, dims: readonly string[], shape: readonly number[], chunkShape: readonly number[], chunked: boolean,
  enc: VariableEncoding,
): { shard: ShardPlan; codecs: ResolvedCodecs } {
  if (format !== 3) {
    throw new WriteSpecError(`variable ${q(variable)}: sharding (encoding.shards or the sharding_indexed codec) exists in zarr v3 only; pass zarrFormat 3`);
  }
  if (dims.length === 0) throw new WriteSpecError(`variable ${q(variable)}: a 0-d array cannot be sharded`);
  if (!chunked && enc.shards !== undefined) {
    throw new WriteSpecError(`variable ${q(variable)}: encoding.shards needs a chunked variable (its chunks become the inner chunks)`);
  }
  let shardShape: number[], innerShape: number[], innerEnc: VariableEncoding, conf: Record<string, unknown> = {};
  const { shards, ...rest } = enc;
  if (shards !== undefined) {
    if ((enc.codecs ?? []).some(isShardingEntry)) {
      throw new WriteSpecError(`variable ${q(variable)}: give either encoding.shards or a sharding_indexed codec, not both`);
    }
    shardShape = gridShapeOf(variable, dims, shape, chunkShape, enc)!;
    innerShape = [...chunkShape];
    innerEnc = rest;
  } else {
    const list = enc.codecs!;
    if (list.length !== 1 || !isShardingEntry(list[0])) {
      throw new WriteSpecError(
        `variable ${q(variable)}: sharding_indexed must be the only codec of encoding.codecs (codecs before or after it are not supported); ` +
          `put the inner chunks' codecs in its configuration.codecs`,
      );
    }
    if (enc.compressor !== undefined || enc.filters !== undefined) {
      throw new WriteSpecError(`variable ${q(variable)}: give either encoding.codecs (zarr v3) or compressor/filters, not both`);
    }
    const entry = list[0] as V3CodecConfig | string;
    conf = typeof entry === "string" ? {} : { ...(entry.configuration ?? {}) };
    for (const k of Object.keys(conf)) {
      if (!["chunk_shape", "codecs", "index_codecs", "index_location"].includes(k)) {
        throw new WriteSpecError(`variable ${q(variable)}: sharding_indexed: unknown setting ${q(k)} (expected chunk_shape, codecs, index_codecs, index_location)`);
      }
    }
    // The variable's chunks are the shards (an unchunked variable is one shard). Along a dimension held by one
    // chunk (chunks are cut to the dimension) the shard is rounded up to whole inner chunks: still one shard.
    innerShape = checkShape(variable, "sharding_indexed chunk_shape", conf.chunk_shape, dims);
    shardShape = chunkShape.map((c, d) => (c >= shape[d]! ? Math.max(1, Math.ceil(c / innerShape[d]!)) * innerShape[d]! : c));
    checkMultiple(variable, dims, shardShape, innerShape, "sharding_indexed chunk_shape");
    if (conf.codecs !== undefined && !Array.isArray(conf.codecs)) {
      throw new WriteSpecError(`variable ${q(variable)}: sharding_indexed codecs must be a list, got ${q(conf.codecs)}`);
    }
    if ((conf.codecs as unknown[] | undefined)?.some(isShardingEntry)) {
      throw new WriteSpecError(`variable ${q(variable)}: nested sharding (sharding_indexed inside sharding_indexed) is not supported by the writer`);
    }
    innerEnc = conf.codecs === undefined ? {} : { codecs: conf.codecs as VariableEncoding["codecs"] };
  }
  const inner = resolveCodecs(variable, dtype, 3, { compressor: innerEnc.compressor, filters: innerEnc.filters, codecs: innerEnc.codecs });
  const indexCrc = indexCodecs(variable, conf.index_codecs);
  const loc = conf.index_location ?? "end";
  if (loc !== "end" && loc !== "start") {
    throw new WriteSpecError(`variable ${q(variable)}: sharding_indexed index_location must be "end" or "start", got ${q(loc)}`);
  }
  const config: V3CodecConfig = {
    name: SHARDING,
    configuration: {
      chunk_shape: [...innerShape],
      codecs: inner.codecs,
      index_codecs: indexCrc ? [INDEX_BYTES, { name: "crc32c" }] : [INDEX_BYTES],
      index_location: loc,
    },
  };
  const shard: ShardPlan = {
    shardShape, innerShape, perShard: shardShape.map((s, d) => s / innerShape[d]!), inner, indexCrc, indexLocation: loc, config,
  };
  return { shard, codecs: { compressor: null, filters: null, codecs: [config], steps: [], pipeline: new Pipeline([]) } };
}

/** index_codecs: `[bytes little]` or `[bytes little, crc32c]` (the default, as zarr-python writes); true = crc32c. */
function indexCodecs(variable: string, list: unknown): boolean {
  if (list === undefined) return true;
  const names = Array.isArray(list) ? list.map((c) => (typeof c === "string" ? { name: c } : c) as V3CodecConfig) : undefined;
  const bytesOk = (c: V3CodecConfig | undefined): boolean =>
    c?.name === "bytes" && (c.configuration === undefined || (Object.keys(c.configuration).every((k) => k === "endian") && c.configuration.endian !== "big"));
  const crcOk = (c: V3CodecConfig | undefined): boolean => c?.name === "crc32c" && (c.configuration === undefined || Object.keys(c.configuration).length === 0);
  if (names && names.length === 1 && bytesOk(names[0])) return false;
  if (names && names.length === 2 && bytesOk(names[0]) && crcOk(names[1])) return true;
  throw new WriteSpecError(
    `variable ${q(variable)}: sharding_indexed index_codecs must be [bytes little] or [bytes little, crc32c] ` +
      `(the index must keep a predictable size), got ${q(list)}`,
  );
}
