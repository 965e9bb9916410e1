// From a Dataset to what gets written: per variable its array spec (shape, chunk shape, dtype, fill value,
// codecs, reader-visible attributes), validated before anything touches a store.
import type { TypedArray } from "../kernels/arena.js";
import type { DataArray } from "../model/dataarray.js";
import type { Dataset } from "../model/dataset.js";
import type { ComputeCache } from "../model/lazy.js";
import { dtypeInfo, type DType } from "../model/dtypes.js";
import type { IndexRange } from "../plan/blocks.js";
import { normalizeAttrs } from "../zarr/attrs.js";
import { defaultFillValue, normalizeFillValue, padValue, xarrayFillAttr, type FillValue } from "../zarr/fill.js";
import type { ZarrFormat } from "../zarr/keys.js";
import type { ArraySpec } from "../zarr/metadata.js";
import { resolveCodecs, type ResolvedCodecs, type VariableEncoding } from "./encoding.js";
import { WriteSpecError } from "./errors.js";
import { resolveSharding, wantsSharding, type ShardPlan } from "./sharding.js";

export interface VariablePlan {
  name: string;
  dims: readonly string[];
  shape: readonly number[];
  dtype: DType;
  /** Dask-style chunks, or null for an unchunked variable (written once by initializeStore). */
  chunks: readonly (readonly number[])[] | null;
  /** The zarr chunk grid's chunk shape: what blocks, keys and regions are made of (the SHARD shape if sharded). */
  chunkShape: number[];
  /** zarr v3 sharding: each grid chunk is a shard of inner chunks (src/write/shards.ts writes it). */
  shard?: ShardPlan;
  isCoord: boolean;
  fillValue: FillValue;
  /** Value of edge-chunk padding and of "empty" chunks. */
  pad: number | bigint | boolean;
  codecs: ResolvedCodecs;
  spec: ArraySpec;
  source: DataArray;
}

export interface DatasetPlan {
  format: ZarrFormat;
  consolidated: boolean;
  attrs: Record<string, unknown>;
  variables: VariablePlan[];
}

export interface PlanOptions {
  zarrFormat: ZarrFormat;
  consolidated?: boolean;
  /** Per-variable encoding overrides (merged over each variable's own encoding). */
  encoding?: Record<string, VariableEncoding>;
}

const RESERVED = new Set(["zarr.json", ".zarray", ".zattrs", ".zgroup", ".zmetadata", ".xpartition"]);

function checkName(name: string): void {
  if (name.includes("\0")) throw new WriteSpecError(`variable name ${JSON.stringify(name)} holds a NUL byte, which zarr names cannot`);
  if (!name || name.includes("/") || name.startsWith("__") || /^\.*$/.test(name) || RESERVED.has(name)) {
    throw new WriteSpecError(`variable name ${JSON.stringify(name)} cannot be a zarr array name (no "/", not only dots, not starting with "__", not ${[...RESERVED].join(", ")})`);
  }
}

/** Chunks must be uniform except the last, which is not larger than the first (zarr's regular grid). */
function checkChunks(name: string, dims: readonly string[], chunks: readonly (readonly number[])[]): number[] {
  return chunks.map((c, axis) => {
    const first = c[0] ?? 0;
    const bad = c.findIndex((x, i) => (i < c.length - 1 ? x !== first : x > first));
    if (bad >= 0) {
      const shown = c.length > 8 ? `[${c.slice(0, 4).join(", ")}, ..., ${c.slice(-3).join(", ")}]` : `[${c.join(", ")}]`;
      throw new WriteSpecError(
        `variable ${JSON.stringify(name)}: chunks along dimension ${JSON.stringify(dims[axis])} are ${shown}; zarr needs equal chunks ` +
          `except a last one no larger than the first — rechunk it to a uniform chunk length (e.g. ${first})`,
      );
    }
    return Math.max(first, 1);
  });
}

export function planDataset(ds: Dataset, options: PlanOptions): DatasetPlan {
  const format = options.zarrFormat;
  if (format !== 2 && format !== 3) throw new WriteSpecError(`zarrFormat must be 2 or 3, got ${JSON.stringify(format)}`);
  for (const name of Object.keys(options.encoding ?? {})) {
    if (!ds.coords[name] && !ds.dataVars[name]) {
      throw new WriteSpecError(`encoding names variable ${JSON.stringify(name)}, which the dataset does not have`);
    }
  }
  const sizes: Record<string, [number, string]> = {};
  const all: [DataArray, boolean][] = [
    ...Object.values(ds.coords).map((v) => [v, true] as [DataArray, boolean]),
    ...Object.values(ds.dataVars).map((v) => [v, false] as [DataArray, boolean]),
  ];
  for (const [v] of all) {
    v.dims.forEach((d, i) => {
      if (d.includes("\0")) throw new WriteSpecError(`variable ${JSON.stringify(v.name)}: dimension name ${JSON.stringify(d)} holds a NUL byte, which zarr names cannot`);
      const prev = sizes[d];
      if (prev && prev[0] !== v.shape[i]) {
        throw new WriteSpecError(`dimension ${JSON.stringify(d)} has size ${prev[0]} in ${JSON.stringify(prev[1])} but ${v.shape[i]} in ${JSON.stringify(v.name)}`);
      }
      sizes[d] = [v.shape[i]!, v.name!];
    });
  }
  const dimNames = new Set(Object.keys(sizes));
  // xarray's `coordinates`: non-dimension coordinates whose dims are a subset of the variable's dims.
  const nonDimCoords = Object.values(ds.coords).filter((c) => !(c.dims.length === 1 && c.dims[0] === c.name) && !dimNames.has(c.name!) );
  const referenced = new Set<string>();
  const variables = all.map(([v, isCoord]): VariablePlan => {
    const name = v.name!;
    checkName(name);
    const enc = { ...(v.encoding as VariableEncoding), ...(options.encoding?.[name] ?? {}) };
    const dtype = v.dtype;
    const chunks = v.chunks;
    let chunkShape = chunks ? checkChunks(name, v.dims, chunks) : v.shape.map((s) => Math.max(s, 1));
    const userFill = enc.fillValue !== undefined;
    const fillValue = userFill ? normalizeFillValue(dtype, enc.fillValue!, format, name) : defaultFillValue(dtype, format);
    let codecs: ResolvedCodecs, shard: ShardPlan | undefined;
    if (wantsSharding(enc)) {
      ({ shard, codecs } = resolveSharding(name, dtype, format, v.dims, v.shape, chunkShape, chunks !== null, enc));
      chunkShape = shard.shardShape;
    } else {
      codecs = resolveCodecs(name, dtype, format, enc);
    }
    // Checked here, before any store write: Dates to ISO strings; Maps, functions, cycles... refused by path.
    const attrs = normalizeAttrs(v.attrs, `variable ${JSON.stringify(name)}`, format);
    for (const k of ["_ARRAY_DIMENSIONS", "_FillValue", "coordinates"]) {
      if (k in attrs) throw new WriteSpecError(`variable ${JSON.stringify(name)}: attribute ${k} is written by the writer; use encoding (fillValue) or coords instead`);
    }
    if (!isCoord) {
      const coords = nonDimCoords.filter((c) => c.dims.every((d) => v.dims.includes(d))).map((c) => c.name!).sort();
      coords.forEach((c) => referenced.add(c));
      if (coords.length) attrs.coordinates = coords.join(" ");
    }
    // xarray on v3 keeps the mask value as a `_FillValue` attribute (it does not mask with fill_value there).
    if (format === 3 && (userFill || dtypeInfo(dtype).kind === "f")) {
      const a = xarrayFillAttr(dtype, fillValue);
      if (a !== undefined) attrs._FillValue = a;
    }
    if (enc.dimensionSeparator !== undefined && enc.dimensionSeparator !== "." && enc.dimensionSeparator !== "/") {
      throw new WriteSpecError(`variable ${JSON.stringify(name)}: dimensionSeparator must be "." or "/", got ${JSON.stringify(enc.dimensionSeparator)}`);
    }
    const separator = enc.dimensionSeparator ?? (format === 2 ? "." : "/");
    const spec: ArraySpec = {
      name, dims: v.dims, shape: v.shape, chunkShape, dtype, fillValue, attrs,
      compressor: codecs.compressor, filters: codecs.filters, codecs: codecs.codecs, separator,
    };
    return {
      name, dims: v.dims, shape: v.shape, dtype, chunks, chunkShape, isCoord, fillValue, pad: padValue(dtype, fillValue), codecs, spec, source: v,
      ...(shard ? { shard } : {}),
    };
  });
  const attrs = normalizeAttrs(ds.attrs, "the dataset", format);
  if ("coordinates" in attrs) throw new WriteSpecError(`dataset attribute "coordinates" is written by the writer from the dataset's coords`);
  const unreferenced = nonDimCoords.map((c) => c.name!).filter((c) => !referenced.has(c)).sort();
  if (unreferenced.length) attrs.coordinates = unreferenced.join(" ");
  return { format, consolidated: options.consolidated ?? true, attrs, variables };
}

/** Compute a region of a variable (LazyArray or eager data). */
export function computeRegion(v: VariablePlan, region: readonly IndexRange[], out?: TypedArray, cache?: ComputeCache): Promise<TypedArray> {
  return v.source.compute(region, out, cache);
}
