// Per-variable codecs: the default (Blosc lz4, clevel 5, byte shuffle — bitshuffle for 1-byte types — for both
// formats), numcodecs-style `compressor`/`filters` (both formats) or a zarr v3 `codecs` list, resolved into
// the metadata of each format and the list of byte codecs that encode a chunk.
import { CodecError, type Codec, type CodecConfig, type NumcodecsConfig, type V3CodecConfig } from "../codecs/types.js";
import { dtypeInfo, type DType } from "../model/dtypes.js";
import type { FillValue } from "../zarr/fill.js";
import type { ZarrFormat } from "../zarr/keys.js";
import { codec } from "../codecs/factory.js";
import { Pipeline } from "../codecs/pipeline.js";
import { WriteSpecError } from "./errors.js";

export interface VariableEncoding {
  /** numcodecs compressor config, or null for none. */
  compressor?: NumcodecsConfig | null;
  filters?: NumcodecsConfig[] | null;
  /** zarr v3 codecs (zarr v3 only); a missing `bytes` serialiser is added. */
  codecs?: (V3CodecConfig | string)[];
  fillValue?: FillValue;
  /** v2 chunk key separator "." (default) or "/". */
  dimensionSeparator?: "." | "/";
  /**
   * zarr v3 sharding: the shard shape (elements per dim, a multiple of the variable's chunks, which become the
   * inner chunks); `compressor`/`filters`/`codecs` beside it encode the inner chunks. See src/write/sharding.ts.
   */
  shards?: number[];
}

export interface ResolvedCodecs {
  compressor: NumcodecsConfig | null;
  filters: NumcodecsConfig[] | null;
  codecs: V3CodecConfig[];
  /** Bytes-to-bytes codecs applied in order to a chunk's little-endian C-order bytes. */
  steps: Codec[];
  pipeline: Pipeline;
}

/** zarr-python 2's default compressor, with bitshuffle for 1-byte types. */
export function defaultCompressor(dtype: DType): NumcodecsConfig {
  return { id: "blosc", cname: "lz4", clevel: 5, shuffle: dtypeInfo(dtype).size === 1 ? 2 : 1, blocksize: 0 };
}

function bytesCodec(dtype: DType): V3CodecConfig {
  return dtypeInfo(dtype).size === 1 ? { name: "bytes" } : { name: "bytes", configuration: { endian: "little" } };
}

function build(variable: string, config: CodecConfig): Codec {
  try {
    return codec(config);
  } catch (e) {
    const what = "id" in config ? config.id : (config as V3CodecConfig).name;
    throw new WriteSpecError(`variable ${JSON.stringify(variable)}: codec ${JSON.stringify(what)}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** v3 form of a codec, with Blosc's typesize set from the dtype (the JSON of v2 does not carry it). */
function v3Of(c: Codec, dtype: DType): V3CodecConfig {
  const v3 = c.toV3();
  if (v3.name === "blosc") {
    const conf = { ...(v3.configuration ?? {}) };
    conf.typesize = dtypeInfo(dtype).size;
    return { name: "blosc", configuration: conf };
  }
  return v3;
}

function checkFits(variable: string, dtype: DType, c: Codec, cfg: Record<string, unknown>): void {
  const size = dtypeInfo(dtype).size;
  const conf = ("id" in cfg ? cfg : (cfg.configuration as Record<string, unknown> | undefined) ?? {}) as Record<string, unknown>;
  if (c.id === "shuffle" && typeof conf.elementsize === "number" && conf.elementsize > 1 && conf.elementsize !== size) {
    throw new WriteSpecError(`variable ${JSON.stringify(variable)}: shuffle elementsize ${conf.elementsize} does not fit dtype ${dtype} (element size ${size})`);
  }
  if (c.id === "blosc" && typeof conf.typesize === "number" && conf.typesize !== size) {
    throw new WriteSpecError(`variable ${JSON.stringify(variable)}: blosc typesize ${conf.typesize} does not fit dtype ${dtype} (element size ${size})`);
  }
}

export function resolveCodecs(variable: string, dtype: DType, format: ZarrFormat, enc: VariableEncoding = {}): ResolvedCodecs {
  if (enc.codecs !== undefined) {
    if (enc.compressor !== undefined || enc.filters !== undefined) {
      throw new WriteSpecError(`variable ${JSON.stringify(variable)}: give either encoding.codecs (zarr v3) or compressor/filters, not both`);
    }
    if (format === 2) {
      throw new WriteSpecError(`variable ${JSON.stringify(variable)}: encoding.codecs is zarr v3 metadata; for zarr v2 use compressor and filters`);
    }
    const list = enc.codecs.map((c) => (typeof c === "string" ? { name: c } : c));
    const serialisers = list.filter((c) => c.name === "bytes");
    for (const c of list) {
      if (c.name === "transpose") {
        throw new WriteSpecError(`variable ${JSON.stringify(variable)}: codec ${c.name} is not supported by the writer`);
      }
      if (c.name === "sharding_indexed") {
        throw new WriteSpecError(`variable ${JSON.stringify(variable)}: sharding_indexed must be the only codec of the list (nested sharding is not supported)`);
      }
    }
    if (serialisers.length > 1 || (serialisers.length === 1 && list[0]!.name !== "bytes")) {
      throw new WriteSpecError(`variable ${JSON.stringify(variable)}: the v3 codecs must start with at most one "bytes" codec`);
    }
    if (serialisers[0]?.configuration?.endian === "big") {
      throw new WriteSpecError(`variable ${JSON.stringify(variable)}: bytes codec endian "big" is not supported (chunks are written little-endian)`);
    }
    const rest = list.filter((c) => c.name !== "bytes");
    const steps = rest.map((c) => build(variable, c));
    steps.forEach((c, i) => checkFits(variable, dtype, c, rest[i] as never));
    return { compressor: null, filters: null, codecs: [bytesCodec(dtype), ...steps.map((c) => v3Of(c, dtype))], steps, pipeline: new Pipeline(steps) };
  }
  const compressorCfg = enc.compressor === undefined ? defaultCompressor(dtype) : enc.compressor;
  const filterCfgs = enc.filters ?? [];
  for (const f of [...filterCfgs, ...(compressorCfg ? [compressorCfg] : [])]) {
    if (!f || typeof f !== "object" || typeof (f as NumcodecsConfig).id !== "string") {
      throw new WriteSpecError(`variable ${JSON.stringify(variable)}: compressor and filters must be numcodecs configs with an "id", got ${JSON.stringify(f)}`);
    }
  }
  const filters = filterCfgs.map((f) => build(variable, f));
  const compressor = compressorCfg ? build(variable, compressorCfg) : null;
  filters.forEach((c, i) => checkFits(variable, dtype, c, filterCfgs[i] as never));
  if (compressor) checkFits(variable, dtype, compressor, compressorCfg as never);
  const steps = [...filters, ...(compressor ? [compressor] : [])];
  const v2 = (c: Codec): NumcodecsConfig => {
    const j = c.toV2();
    if (!j) throw new WriteSpecError(`variable ${JSON.stringify(variable)}: codec ${c.id} has no zarr v2 form`);
    return j;
  };
  return {
    compressor: compressor ? v2(compressor) : null,
    filters: filters.length ? filters.map(v2) : null,
    codecs: [bytesCodec(dtype), ...steps.map((c) => v3Of(c, dtype))],
    steps,
    pipeline: new Pipeline(steps),
  };
}

export { CodecError };
