// initializeStore's `innerChunks` (the original's `inner_chunks`): each chunked variable's chunks become its
// shards and `innerChunks` its inner chunks, expressed as a `sharding_indexed` encoding override. And the other
// half, for `write`: a variable with no sharding encoding whose chunks are the store's recorded shards adopts
// the recorded sharding, so that writing the same dataset after an innerChunks init needs nothing more.
import type { DataArray } from "../model/dataarray.js";
import type { Dataset } from "../model/dataset.js";
import type { ZarrFormat } from "../zarr/keys.js";
import { resolveCodecs, type VariableEncoding } from "./encoding.js";
import { WriteSpecError } from "./errors.js";
import type { Schema } from "./schema.js";
import { wantsSharding } from "./sharding.js";

const q = JSON.stringify;

/** `{ dim: n | -1 }`: an inner chunk length per dim; -1 (or a dim not named) is the whole shard along it. */
export type InnerChunks = Record<string, number>;

function mergedEncoding(v: DataArray, overrides: Record<string, VariableEncoding> | undefined): VariableEncoding {
  return { ...(v.encoding as VariableEncoding), ...(overrides?.[v.name!] ?? {}) };
}

/**
 * The encoding overrides that make every chunked variable sharded with `innerChunks`. Nothing is mutated:
 * the dataset's variables keep their encodings, and the returned map is new.
 */
export function innerChunksEncoding(
  ds: Dataset, innerChunks: InnerChunks, zarrFormat: ZarrFormat, encoding: Record<string, VariableEncoding> | undefined,
): Record<string, VariableEncoding> {
  if (typeof innerChunks !== "object" || innerChunks === null || Array.isArray(innerChunks)) {
    throw new WriteSpecError(`innerChunks must be an object of dim: inner chunk length (or -1), got ${q(innerChunks)}`);
  }
  if (zarrFormat === 2) {
    throw new WriteSpecError("innerChunks cannot be given with zarrFormat 2: sharded stores exist in zarr v3 only (pass zarrFormat 3)");
  }
  const sizes = ds.sizes;
  for (const [dim, n] of Object.entries(innerChunks)) {
    if (!Object.prototype.hasOwnProperty.call(sizes, dim)) {
      throw new WriteSpecError(`innerChunks names dimension ${q(dim)}, which the dataset does not have; its dimensions: ${Object.keys(sizes).map((d) => q(d)).join(", ")}`);
    }
    if (typeof n !== "number" || !Number.isInteger(n) || (n < 1 && n !== -1)) {
      throw new WriteSpecError(`innerChunks: the inner chunk length along dimension ${q(dim)} must be an integer > 0, or -1 (the whole shard), got ${q(n)}`);
    }
  }
  const out: Record<string, VariableEncoding> = { ...(encoding ?? {}) };
  for (const v of Object.values(ds.variables)) {
    if (!v.chunked || v.dims.length === 0) continue; // unchunked variables are never sharded
    const name = v.name!;
    const enc = mergedEncoding(v, encoding);
    if (wantsSharding(enc)) {
      throw new WriteSpecError(
        `variable ${q(name)}: innerChunks shards every chunked variable, but this one is already sharded by its encoding ` +
          `(${enc.shards !== undefined ? "encoding.shards" : "a sharding_indexed codec"}); drop one of the two`,
      );
    }
    const shard = v.chunks!.map((c) => Math.max(c[0] ?? 0, 1));
    const inner = v.dims.map((d, i) => {
      const n = innerChunks[d];
      const len = n === undefined || n === -1 ? shard[i]! : n;
      if (shard[i]! % len !== 0) {
        throw new WriteSpecError(
          `variable ${q(name)}: inner chunk length ${len} along dimension ${q(d)} does not evenly divide its shard (chunk) length ${shard[i]}`,
        );
      }
      return len;
    });
    // The variable's own codecs become the inner chunks' codecs (v3 form, as zarr-python nests them).
    const innerCodecs = resolveCodecs(name, v.dtype, 3, { compressor: enc.compressor, filters: enc.filters, codecs: enc.codecs }).codecs;
    out[name] = {
      ...(encoding?.[name] ?? {}),
      compressor: undefined,
      filters: undefined,
      codecs: [{ name: "sharding_indexed", configuration: { chunk_shape: inner, codecs: innerCodecs } }],
    };
  }
  return out;
}

/**
 * For `write` (and writeRegion): variables of `ds` with no sharding encoding whose chunk shape equals the
 * recorded shard shape get the recorded sharding codecs as an override. Others are left as they are (a real
 * difference is then reported by the schema comparison).
 */
export function adoptRecordedShards(
  ds: Dataset, recorded: Schema, encoding: Record<string, VariableEncoding> | undefined,
  chunkShapeOf: (v: DataArray) => readonly number[] | null = (v) => (v.chunks ? v.chunks.map((c) => Math.max(c[0] ?? 0, 1)) : null),
): Record<string, VariableEncoding> | undefined {
  if (recorded.zarrFormat !== 3) return encoding;
  let out = encoding;
  for (const v of Object.values(ds.variables)) {
    const rec = recorded.variables[v.name!];
    if (!rec?.shards || !v.chunked) continue;
    const enc = mergedEncoding(v, encoding);
    if (wantsSharding(enc)) continue;
    const shape = chunkShapeOf(v);
    if (!shape || shape.length !== rec.shards.shape.length || shape.some((s, i) => s !== rec.shards!.shape[i])) continue;
    out = { ...(out ?? {}), [v.name!]: { ...(encoding?.[v.name!] ?? {}), compressor: undefined, filters: undefined, codecs: rec.codecs as VariableEncoding["codecs"] } };
  }
  return out;
}
