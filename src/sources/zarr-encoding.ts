// What a zarr array's metadata says about its variable: dtype (numbers only), dimension names, chunks, and the
// pass-through encoding — the source's stored dtype, fill value, chunks (shards and inner chunks for sharded
// v3), codecs when our writer can encode them (else the default, with a warning naming the codec) and the zarr
// format — so that a copy stores the same encoded values and xarray decodes it to the source's values.
import * as zarr from "zarrita";
import { codec } from "../codecs/factory.js";
import type { NumcodecsConfig, V3CodecConfig } from "../codecs/types.js";
import type { Encoding } from "../model/dataarray.js";
import { dtypeInfo, isDType, type DType } from "../model/dtypes.js";
import { resolveCodecs } from "../write/encoding.js";
import type { FillValue } from "../zarr/fill.js";
import { SourceError } from "./errors.js";
import type { ArrayMeta, Doc } from "./zarr-meta.js";

const q = JSON.stringify;
const isObj = (x: unknown): x is Doc => typeof x === "object" && x !== null && !Array.isArray(x);

const V2_KINDS: Record<string, Partial<Record<number, DType>>> = {
  b: { 1: "bool" },
  i: { 1: "int8", 2: "int16", 4: "int32", 8: "int64" },
  u: { 1: "uint8", 2: "uint16", 4: "uint32", 8: "uint64" },
  f: { 4: "float32", 8: "float64" },
};
const V3_STRINGS = new Set(["string", "variable_length_utf8", "fixed_length_utf32", "fixed_length_ascii", "bytes", "variable_length_bytes"]);

function stringRefusal(name: string, stored: string): SourceError {
  return new SourceError(
    `variable ${q(name)} has dtype ${stored} (strings or objects): xpartition reads numeric variables only; ` +
      `leave it out with openZarr(store, { dropVariables: [${q(name)}] }) (--drop ${name} on the command line)`,
  );
}

/** The variable's dtype and the stored dtype as the metadata spells it. */
export function dtypeOfArray(a: ArrayMeta): { dtype: DType; stored: string } {
  const raw = a.format === 2 ? a.doc.dtype : a.doc.data_type;
  const stored = typeof raw === "string" ? raw : q(raw);
  if (a.format === 2 && typeof raw === "string") {
    const m = /^([<>|=])([a-zA-Z])(\d+)/.exec(raw);
    if (m && "USOV".includes(m[2]!)) throw stringRefusal(a.name, stored);
    const dtype = m ? V2_KINDS[m[2]!]?.[Number(m[3])] : undefined;
    if (dtype && m![0] === raw) return { dtype, stored };
  } else if (a.format === 3 && typeof raw === "string") {
    if (V3_STRINGS.has(raw)) throw stringRefusal(a.name, stored);
    if (isDType(raw)) return { dtype: raw, stored };
  }
  if (a.format === 2 && Array.isArray(raw)) throw stringRefusal(a.name, "a structured dtype");
  throw new SourceError(
    `variable ${q(a.name)} has dtype ${stored}, which xpartition cannot read: expected bool, (u)int8-64, float32 or float64 ` +
      `(datetimes as xarray encodes them, integers with units); leave it out with dropVariables: [${q(a.name)}]`,
  );
}

/** Dimension names: `dimension_names` (v3) or xarray's `_ARRAY_DIMENSIONS` attribute. */
export function dimsOfArray(a: ArrayMeta, ndim: number): string[] {
  const names = a.format === 3 && a.doc.dimension_names != null ? a.doc.dimension_names : a.attrs._ARRAY_DIMENSIONS;
  if (names === undefined || names === null) {
    throw new SourceError(
      `array ${q(a.name)} has no dimension names (${a.format === 2 ? "the _ARRAY_DIMENSIONS attribute xarray writes" : "dimension_names in its zarr.json"}): ` +
        `xpartition needs a name per dimension; leave it out with dropVariables: [${q(a.name)}]`,
    );
  }
  if (!Array.isArray(names) || names.length !== ndim || names.some((n) => typeof n !== "string" || n === "")) {
    throw new SourceError(`array ${q(a.name)}: dimension names ${q(names)} must be ${ndim} non-empty strings (one per dimension)`);
  }
  return names as string[];
}

/** The array's shape and chunk shape for reading (inner chunks when sharded), shards for sharded v3. */
export function gridOfArray(a: ArrayMeta): { shape: number[]; chunks: number[]; shards?: number[]; sharding?: Doc } {
  const shape = a.doc.shape;
  const ok = (x: unknown, n: number): x is number[] => Array.isArray(x) && x.length === n && x.every((v) => Number.isInteger(v) && v >= 0);
  if (!Array.isArray(shape) || !ok(shape, shape.length)) throw new SourceError(`array ${q(a.name)}: shape ${q(shape)} is not a list of sizes`);
  let chunks: unknown;
  if (a.format === 2) chunks = a.doc.chunks;
  else {
    const grid = a.doc.chunk_grid;
    if (!isObj(grid) || grid.name !== "regular" || !isObj(grid.configuration)) {
      throw new SourceError(`array ${q(a.name)}: chunk_grid ${q(grid)} is not supported (only "regular" grids are)`);
    }
    chunks = grid.configuration.chunk_shape;
  }
  if (!ok(chunks, shape.length) || chunks.some((c) => c < 1)) throw new SourceError(`array ${q(a.name)}: chunks ${q(chunks)} do not fit shape ${q(shape)}`);
  const codecs = a.format === 3 ? a.doc.codecs : undefined;
  const sh = Array.isArray(codecs) ? codecs.find((c) => isObj(c) && c.name === "sharding_indexed") : undefined;
  if (!isObj(sh)) return { shape, chunks };
  const conf = isObj(sh.configuration) ? sh.configuration : {};
  if ((codecs as unknown[]).length !== 1) throw new SourceError(`array ${q(a.name)}: sharding_indexed must be its only codec (codecs around it are not supported)`);
  if (!ok(conf.chunk_shape, shape.length) || conf.chunk_shape.some((c, d) => c < 1 || chunks[d]! % c !== 0)) {
    throw new SourceError(`array ${q(a.name)}: sharding_indexed chunk_shape ${q(conf.chunk_shape)} does not divide the shard shape ${q(chunks)}`);
  }
  if (conf.index_location === "start") {
    throw new SourceError(`array ${q(a.name)}: sharding_indexed index_location "start" cannot be read (zarrita 0.7.5 misreads it); only "end" is supported`);
  }
  return { shape, chunks: conf.chunk_shape, shards: chunks, sharding: conf };
}

function parseFill(a: ArrayMeta, dtype: DType, v: unknown): FillValue {
  const info = dtypeInfo(dtype);
  if (v === null || v === undefined) return null;
  if (info.kind === "b") return v === true || v === 1;
  if (typeof v === "string") {
    if (info.kind === "f") {
      if (v === "NaN") return NaN;
      if (v === "Infinity") return Infinity;
      if (v === "-Infinity") return -Infinity;
      if (/^0x[0-9a-f]+$/i.test(v)) {
        // zarr v3: the value's bytes as big-endian hex.
        const b = BigInt(v);
        return info.size === 4 ? new Float32Array(new Uint32Array([Number(b)]).buffer)[0]! : new Float64Array(new BigUint64Array([b]).buffer)[0]!;
      }
    }
    throw new SourceError(`array ${q(a.name)}: fill value ${q(v)} is not a ${dtype}`);
  }
  if (typeof v !== "number") throw new SourceError(`array ${q(a.name)}: fill value ${q(v)} is not a ${dtype}`);
  if (info.kind === "f") return v;
  if (!Number.isInteger(v)) throw new SourceError(`array ${q(a.name)}: fill value ${v} is not an integer for ${dtype}`);
  return info.size === 8 ? BigInt(v) : v;
}

/** zarrita decodes codecs it has in its registry (v2 ids as `numcodecs.<id>`); fixedscaleoffset it rewrites. */
function checkDecodable(a: ArrayMeta, list: unknown[], v2: boolean): void {
  for (const c of list) {
    if (!isObj(c)) throw new SourceError(`array ${q(a.name)}: codec ${q(c)} is not an object`);
    const id = String(v2 ? c.id : c.name);
    if (v2 && id === "fixedscaleoffset") continue;
    if (!v2 && id === "sharding_indexed") {
      const conf = isObj(c.configuration) ? c.configuration : {};
      checkDecodable(a, [...((conf.codecs as unknown[]) ?? []), ...((conf.index_codecs as unknown[]) ?? [])], false);
      continue;
    }
    if (!zarr.registry.has(v2 ? `numcodecs.${id}` : id)) {
      const known = [...zarr.registry.keys()].map((k) => (v2 ? k.replace(/^numcodecs\./, "") : k)).filter((k, i, all) => all.indexOf(k) === i);
      throw new SourceError(`array ${q(a.name)}: codec ${q(id)} cannot be decoded (zarrita with numcodecs.js decodes ${known.join(", ")})`);
    }
  }
}

/** The first codec of `list` our writer cannot build, named, or undefined. */
function unencodable(list: (NumcodecsConfig | V3CodecConfig)[]): string | undefined {
  for (const c of list) {
    const id = "id" in c ? c.id : c.name;
    if (id === "transpose") return id;
    try {
      codec(c);
    } catch {
      return id;
    }
  }
  return undefined;
}

export interface ArrayEncoding {
  encoding: Encoding;
  /** Attributes without those the writer derives (_ARRAY_DIMENSIONS, _FillValue, coordinates). */
  attrs: Doc;
  /** The `coordinates` attribute, split. */
  coordinates: string[];
}

/**
 * The pass-through encoding of a variable. `warn` receives one message per variable whose codecs our writer
 * cannot encode (its encoding then leaves them out: the writer's default applies).
 */
export function encodingOfArray(a: ArrayMeta, dtype: DType, stored: string, grid: ReturnType<typeof gridOfArray>, warn: (m: string) => void): ArrayEncoding {
  const { _ARRAY_DIMENSIONS: _d, _FillValue: attrFill, coordinates, ...attrs } = a.attrs;
  const coords = typeof coordinates === "string" ? coordinates.split(/\s+/).filter((s) => s !== "") : [];
  const enc: Encoding = { dtype: stored, chunks: [...grid.chunks], zarrFormat: a.format };
  const isFloat = dtypeInfo(dtype).kind === "f";
  if (a.format === 2) {
    // xarray's convention: the zarr fill_value is _FillValue; a _FillValue attribute only when there is none.
    // None (null) is left to the writer, whose default for the output format means the same to xarray: none
    // in v2, and in v3 a value without a _FillValue attribute (NaN for floats, which masks nothing new).
    const fv = parseFill(a, dtype, a.doc.fill_value);
    const fill = fv === null && attrFill !== undefined ? parseFill(a, dtype, attrFill) : fv;
    if (fill !== null) enc.fillValue = fill;
    if (a.doc.dimension_separator === "/") enc.dimensionSeparator = "/";
    const filters = Array.isArray(a.doc.filters) ? (a.doc.filters as NumcodecsConfig[]) : [];
    const compressor = isObj(a.doc.compressor) ? (a.doc.compressor as NumcodecsConfig) : null;
    checkDecodable(a, [...filters, ...(compressor ? [compressor] : [])], true);
    const why = whyNot(a.name, dtype, 2, [...filters, ...(compressor ? [compressor] : [])], { compressor, filters });
    if (why === undefined) {
      enc.compressor = compressor;
      enc.filters = filters.length ? filters : null;
    } else warn(why);
  } else {
    // xarray on v3 keeps the mask value in a _FillValue attribute; the writer writes it back from fillValue.
    if (attrFill !== undefined || isFloat) enc.fillValue = parseFill(a, dtype, a.doc.fill_value);
    const list = (Array.isArray(a.doc.codecs) ? a.doc.codecs : []) as V3CodecConfig[];
    checkDecodable(a, list, false);
    let inner = list;
    if (grid.shards) {
      enc.shards = [...grid.shards];
      inner = (Array.isArray(grid.sharding?.codecs) ? grid.sharding.codecs : []) as V3CodecConfig[];
    }
    // The serialiser goes: values are decoded to native order and written little-endian.
    const rest = inner.filter((c) => c.name !== "bytes");
    const why = whyNot(a.name, dtype, 3, rest, { codecs: rest });
    if (why === undefined) enc.codecs = rest;
    else warn(why);
  }
  return { encoding: enc, attrs, coordinates: coords };
}

/** Why the writer cannot encode these codecs (a warning naming the variable and the codec), or undefined. */
function whyNot(name: string, dtype: DType, format: 2 | 3, list: (NumcodecsConfig | V3CodecConfig)[], e: Parameters<typeof resolveCodecs>[3]): string | undefined {
  const tail = "cannot be written by xpartition's writer: the copy uses the default codec (Blosc lz4) instead";
  const bad = unencodable(list);
  if (bad !== undefined) return `xpartition: variable ${q(name)}: codec ${q(bad)} ${tail}`;
  try {
    resolveCodecs(name, dtype, format, e);
    return undefined;
  } catch (err) {
    return `xpartition: variable ${q(name)}: its codecs ${tail} (${(err as Error).message})`;
  }
}
