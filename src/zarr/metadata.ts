// Array, group and consolidated metadata documents for zarr v2 and v3, as zarr-python writes them, from one
// format-neutral description per array. Every document is built in a fixed key order so that metadata bytes
// are identical whoever writes them.
import type { NumcodecsConfig, V3CodecConfig } from "../codecs/types.js";
import type { DType } from "../model/dtypes.js";
import { v2DType, v3DataType } from "./dtype.js";
import { fillValueJson, type FillValue } from "./fill.js";
import { jsonBytes, type JsonOptions } from "./json.js";
import type { ZarrFormat } from "./keys.js";

export interface ArraySpec {
  name: string;
  dims: readonly string[];
  shape: readonly number[];
  chunkShape: readonly number[];
  dtype: DType;
  fillValue: FillValue;
  /** Attributes as readers see them (xarray's `coordinates`, CF attributes); dimension names are added here. */
  attrs: Record<string, unknown>;
  /** v2 codecs. */
  compressor: NumcodecsConfig | null;
  filters: NumcodecsConfig[] | null;
  /** v3 codecs (the full pipeline, array->bytes serialiser included). */
  codecs: V3CodecConfig[];
  /** Chunk key separator: v2 default ".", v3 default "/". */
  separator?: "." | "/";
}

export function v2ZArray(a: ArraySpec): Record<string, unknown> {
  return {
    chunks: [...a.chunkShape],
    compressor: a.compressor,
    ...(a.separator === "/" ? { dimension_separator: "/" } : {}),
    dtype: v2DType(a.dtype),
    fill_value: fillValueJson(a.dtype, a.fillValue),
    filters: a.filters && a.filters.length ? a.filters : null,
    order: "C",
    shape: [...a.shape],
    zarr_format: 2,
  };
}

export function v2ZAttrs(a: ArraySpec): Record<string, unknown> {
  return { _ARRAY_DIMENSIONS: [...a.dims], ...a.attrs };
}

export function v3ArrayDoc(a: ArraySpec): Record<string, unknown> {
  return {
    shape: [...a.shape],
    data_type: v3DataType(a.dtype),
    chunk_grid: { name: "regular", configuration: { chunk_shape: [...a.chunkShape] } },
    chunk_key_encoding: { name: "default", configuration: { separator: a.separator ?? "/" } },
    fill_value: fillValueJson(a.dtype, a.fillValue),
    codecs: a.codecs,
    attributes: { ...a.attrs },
    dimension_names: [...a.dims],
    zarr_format: 3,
    node_type: "array",
    storage_transformers: [],
  };
}

/** JSON options of zarr v2 documents (zarr-python 2's json.dumps(ensure_ascii=True) with allow_nan). */
export const V2_JSON: JsonOptions = { ascii: true, nonFinite: "tokens" };

/** A zarr v2 metadata document's bytes (.zarray, .zattrs, .zgroup, .zmetadata). */
export function v2JsonBytes(doc: unknown): Uint8Array {
  return jsonBytes(doc, 4, V2_JSON);
}

/** Every metadata key and its bytes for a root group holding `arrays`, in a fixed order (root last). */
export function metadataEntries(
  format: ZarrFormat,
  groupAttrs: Record<string, unknown>,
  arrays: readonly ArraySpec[],
  consolidated: boolean,
): [string, Uint8Array][] {
  const sorted = [...arrays].sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
  const out: [string, Uint8Array][] = [];
  if (format === 2) {
    // As zarr-python 2 writes them: ASCII-escaped (zarr 2.13 decodes metadata as ASCII), NaN/Infinity bare.
    const meta: Record<string, unknown> = { ".zattrs": { ...groupAttrs }, ".zgroup": { zarr_format: 2 } };
    for (const a of sorted) {
      const za = v2ZArray(a), zt = v2ZAttrs(a);
      out.push([`/${a.name}/.zarray`, v2JsonBytes(za)], [`/${a.name}/.zattrs`, v2JsonBytes(zt)]);
      meta[`${a.name}/.zarray`] = za;
      meta[`${a.name}/.zattrs`] = zt;
    }
    out.push(["/.zattrs", v2JsonBytes(groupAttrs)], ["/.zgroup", v2JsonBytes({ zarr_format: 2 })]);
    if (consolidated) out.push(["/.zmetadata", v2JsonBytes({ metadata: meta, zarr_consolidated_format: 1 })]);
    return out;
  }
  const docs: Record<string, unknown> = {};
  for (const a of sorted) {
    const doc = v3ArrayDoc(a);
    out.push([`/${a.name}/zarr.json`, jsonBytes(doc, 2)]);
    docs[a.name] = doc;
  }
  const root: Record<string, unknown> = { attributes: { ...groupAttrs }, zarr_format: 3, node_type: "group" };
  if (consolidated) root.consolidated_metadata = { kind: "inline", must_understand: false, metadata: docs };
  out.push(["/zarr.json", jsonBytes(root, 2)]);
  return out;
}
