// netCDF-4 (HDF5) through h5wasm's `h5wasm/node` entry, whose HDF5 reads hyperslabs from the file on disk (the
// default entry needs the whole file in memory). Dimensions are netCDF-4's dimension scales; netCDF-4's own
// bookkeeping attributes are hidden, as netCDF-C hides them. Reads are expanded to whole HDF5 chunks: each
// h5wasm read opens the dataset afresh (its chunk cache dies with it), so a read cutting through chunks
// decompresses them again per call, ~10x slower (SOURCES.md §1.5). The region is then cut out by our kernel.
import type { TypedArray } from "../../kernels/arena.js";
import { cStrides, placeArray } from "../../kernels/place.js";
import { dtypeInfo, type DType } from "../../model/dtypes.js";
import type { IndexRange } from "../../model/region.js";
import { SourceError } from "../errors.js";
import { typeRefusal, type NcGroup, type NcVar } from "./build.js";
import { HandlePool } from "./handles.js";
import { directReader } from "./h5direct.js";
import { numericDType } from "./h5parse.js";

type H5 = typeof import("h5wasm/node").default;
type H5File = InstanceType<H5["File"]>;
interface H5Module {
  HEAPU8: Uint8Array;
  _malloc(n: number): number;
  _free(p: number): void;
  get_dataset_data(file: bigint, path: string, count: bigint[] | null, offset: bigint[] | null, stride: bigint[] | null, ptr: bigint): number;
  get_attached_scales(file: bigint, path: string, axis: number): string[];
  get_dataset_metadata(file: bigint, path: string): { type: number; size: number; signed: boolean; vlen: boolean; shape: unknown[] | null; chunks: unknown[] | null };
  get_dataset_filters(file: bigint, path: string): { id: number; name: string }[];
  get_attribute_names(file: bigint, path: string): string[];
  get_attribute_metadata(file: bigint, path: string, name: string): AttrMeta;
  get_attribute_data(file: bigint, path: string, name: string, ptr: bigint): number;
  get_names(file: bigint, path: string, recursive: boolean): string[];
  get_types(file: bigint, path: string): Record<string, number>;
  get_type(file: bigint, path: string): number;
  create_object_reference(file: bigint, path: string): ArrayLike<number>;
  H5G_GROUP: number;
}

const q = JSON.stringify;
/** Attributes netCDF-C keeps to itself (dimension scales, ids, provenance). */
const INTERNAL = new Set(["_Netcdf4Coordinates", "_Netcdf4Dimid", "DIMENSION_LIST", "REFERENCE_LIST", "CLASS", "NAME", "_NCProperties", "_IsNetcdf4", "_SuperblockVersion", "_nc3_strict"]);
/** HDF5 filters h5wasm decodes: deflate, shuffle, fletcher32, szip, scaleoffset. */
const FILTERS = new Set([1, 2, 3, 4, 6]);
const DIM_ONLY = "This is a netCDF dimension but not a netCDF variable";
const NON_COORD = "_nc4_non_coord_";
/** Reads larger than this are split along the first axis (h5wasm copies each read through its own heap). */
const MAX_READ = 64 << 20;

let loading: Promise<{ h5: H5; M: H5Module }> | undefined;
let loaded: { h5: H5; M: H5Module } | undefined;

/** h5wasm, loaded on first use, with HDF5 errors thrown (by default they print and yield garbage). */
export function h5wasm(): Promise<{ h5: H5; M: H5Module }> {
  loading ??= import("h5wasm/node").then(async (mod) => {
    const h5 = mod.default;
    const M = (await h5.ready) as unknown as H5Module & { activate_throwing_error_handler(): number };
    M.activate_throwing_error_handler();
    return (loaded = { h5, M });
  });
  return loading;
}

/**
 * Open HDF5 files (per thread): HDF5 keeps a descriptor per open file. 64, not fewer: a rank walks its files
 * once per variable and output chunk column (e.g. 24 files for each of 6 tiles), and a cap below its file count
 * reopened every file each time (311 opens instead of 24 for a benchmark rank, ~0.2 s).
 */
export const h5Files = new HandlePool<H5File>(64);

const H5T = { 0: "integer", 1: "float", 2: "time", 3: "string", 4: "bitfield", 5: "opaque", 6: "compound", 7: "reference", 8: "enum", 9: "vlen", 10: "array" } as Record<number, string>;

const dtypeOf = (meta: { type: number; size: number; signed: boolean }): DType | undefined => numericDType(meta.type, meta.size, meta.signed);

interface AttrMeta {
  type: number;
  size: number;
  signed: boolean;
  vlen: boolean;
  cset: number;
  shape: unknown[] | null;
  total_size: number;
}

/**
 * Attribute `name` of object `path` with its HDF5 type class, in two WASM calls (h5wasm's Attribute takes three:
 * it reads the metadata twice): numbers (read little-endian by h5wasm) and fixed-length strings are decoded
 * here as h5wasm decodes them; variable-length strings go through h5wasm.
 */
function readAttr(M: H5Module, fid: bigint, path: string, name: string, viaH5: () => unknown): { type: number; value: unknown } {
  const meta = M.get_attribute_metadata(fid, path, name);
  const t = meta.type;
  if (!meta.shape) return { type: t, value: null };
  const numeric = dtypeOf(meta);
  const accessor = numeric && dtypeInfo(numeric).ctor;
  if (!accessor && !(t === 3 && !meta.vlen)) return { type: t, value: t === 0 || t === 1 || t === 3 ? viaH5() : undefined };
  const nbytes = meta.size * meta.total_size;
  const ptr = M._malloc(Math.max(1, nbytes));
  if (ptr === 0) throw new Error(`h5wasm could not allocate ${nbytes} bytes`);
  let data: Uint8Array;
  try {
    M.get_attribute_data(fid, path, name, BigInt(ptr));
    data = M.HEAPU8.slice(ptr, ptr + nbytes);
  } finally {
    M._free(ptr);
  }
  // A scalar dataspace is its one value (as h5wasm returns it).
  const scalar = (v: ArrayLike<unknown>): unknown => (meta.shape!.length === 0 ? v[0] : v);
  if (accessor) return { type: t, value: scalar(new accessor(data.buffer as ArrayBuffer) as ArrayLike<unknown>) };
  const decoder = new TextDecoder(meta.cset === 1 ? "utf-8" : "ascii");
  const out: string[] = [];
  for (let i = 0; i < Math.floor(nbytes / meta.size); i++) {
    let bytes = data.subarray(i * meta.size, (i + 1) * meta.size);
    const zero = bytes.indexOf(0);
    if (zero > -1) bytes = bytes.subarray(0, zero);
    out.push(decoder.decode(bytes));
  }
  return { type: t, value: scalar(out) };
}

/** The attributes of object `path` (names listed by the caller) but netCDF-C's own, checked and unwrapped. */
function attrsOf(where: string, M: H5Module, fid: bigint, path: string, names: readonly string[], obj: () => { get_attribute(n: string, json: false): unknown }): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of names) {
    if (INTERNAL.has(name)) continue;
    const { type: t, value } = readAttr(M, fid, path, name, () => obj().get_attribute(name, false));
    if (t !== 0 && t !== 1 && t !== 3) throw new SourceError(`${where}: attribute ${q(name)} has HDF5 type ${H5T[t] ?? t}, which xpartition cannot read`);
    let v = value;
    // netCDF stores every attribute as an array: one value is that value.
    if ((ArrayBuffer.isView(v) || Array.isArray(v)) && (v as ArrayLike<unknown>).length === 1) v = (v as ArrayLike<unknown>)[0];
    out[name] = v;
  }
  return out;
}

const baseName = (p: string): string => p.slice(p.lastIndexOf("/") + 1);
const H5O_TYPE_DATASET = 1;

/**
 * Open group `group` (default the root) of the netCDF-4 file `path`. `init` describes every file of a
 * many-file source, so this keeps WASM calls few: one listing of the group's members with their types, one
 * listing of each object's attributes, two calls per attribute read, and dimension names from netCDF-C's
 * `_Netcdf4Coordinates` ids when the group's scales carry them (as netCDF-C reads them), else from the
 * attached dimension scales.
 */
export async function openHdf5(path: string, group?: string): Promise<NcGroup> {
  const { h5, M } = await h5wasm();
  const gpath = group === undefined || group === "" || group === "/" ? "/" : `/${group.replace(/^\/+|\/+$/g, "")}`;
  const where = `${path} (netCDF-4)`;
  return h5Files.useSync(path, () => {
    const f = new h5.File(path, "r");
    return { value: f, close: () => void f.close() };
  }, (f) => {
    const fid = f.file_id;
    if (gpath !== "/" && M.get_type(fid, gpath) !== M.H5G_GROUP) {
      const groups = (f.keys() as string[]).filter((k) => f.get(k) instanceof h5.Group);
      throw new SourceError(`${where}: has no group ${q(group)} (groups at the root: ${groups.join(", ") || "none"})`);
    }
    const attrs = attrsOf(`${where} group ${gpath}`, M, fid, gpath, M.get_attribute_names(fid, gpath), () => f.get(gpath) as never);
    const types = M.get_types(fid, gpath);
    // First the datasets' attribute names and scale attributes: dimension ids name the dims of the variables.
    const objs = (M.get_names(fid, gpath, false)).filter((key) => types[key] === H5O_TYPE_DATASET).map((key) => {
      const dsPath = gpath === "/" ? `/${key}` : `${gpath}/${key}`;
      const names = M.get_attribute_names(fid, dsPath);
      const obj = () => new h5.Dataset(fid, dsPath);
      const read = (n: string) => (names.includes(n) ? readAttr(M, fid, dsPath, n, () => obj().get_attribute(n, false)).value : undefined);
      const cls = read("CLASS");
      const isScale = (Array.isArray(cls) ? cls[0] : cls) === "DIMENSION_SCALE";
      const nm = isScale ? read("NAME") : undefined;
      const dimOnly = isScale && String(Array.isArray(nm) ? nm[0] : nm).startsWith(DIM_ONLY);
      const dimid = isScale ? read("_Netcdf4Dimid") : undefined;
      const id = ArrayBuffer.isView(dimid) && (dimid as Int32Array).length === 1 ? (dimid as Int32Array)[0] : dimid;
      return { key, dsPath, names, obj, read, isScale, dimOnly, dimid: typeof id === "number" || typeof id === "bigint" ? Number(id) : undefined };
    });
    const byDimid = new Map<number, string>();
    for (const o of objs) if (o.dimid !== undefined) byDimid.set(o.dimid, o.key);
    const vars: NcVar[] = [];
    for (const { key, dsPath, names, obj, read, isScale, dimOnly } of objs) {
      if (dimOnly) continue;
      const name = key.startsWith(NON_COORD) ? key.slice(NON_COORD.length) : key;
      const meta = M.get_dataset_metadata(fid, dsPath);
      const shape = (meta.shape ?? []).map(Number);
      const unreadable = (refusal: string, dims: string[] = shape.map((_, i) => `dim_${i}`)): void => {
        vars.push({ name, dims, shape, attrs: {}, chunks: undefined, dtype: undefined, refusal, read: () => Promise.reject(new Error(refusal)) });
      };
      // Checked at open: HDF5 would fail only at the first read (or, without the throwing handler, return garbage).
      const flt = M.get_dataset_filters(fid, dsPath).find((x) => !FILTERS.has(x.id));
      if (flt) {
        unreadable(`is compressed with HDF5 filter ${flt.id}${flt.name ? ` (${flt.name})` : ""}, which h5wasm cannot decode (it decodes deflate, shuffle, fletcher32, szip, scaleoffset): leave it out with dropVariables: [${q(name)}] (--drop ${name}), or convert the file (nccopy -F none)`);
        continue;
      }
      let dims: string[];
      if (isScale && shape.length === 1) dims = [name];
      else {
        // netCDF-C's dimension ids, when every one is a scale of this group (else the scales attached, which
        // also finds dimensions of parent groups).
        const ids = names.includes("DIMENSION_LIST") ? read("_Netcdf4Coordinates") : undefined;
        const fromIds = ArrayBuffer.isView(ids) && (ids as Int32Array).length === shape.length
          ? Array.from(ids as Int32Array, (id) => byDimid.get(Number(id))) : undefined;
        if (fromIds && fromIds.every((d) => d !== undefined)) dims = fromIds as string[];
        else {
          const scales = shape.map((_, axis) => M.get_attached_scales(fid, dsPath, axis));
          const axis = scales.findIndex((x) => !x.length);
          if (axis >= 0) {
            unreadable(`has no dimension scale on axis ${axis}: not a netCDF-4 variable (netCDF-C would invent phony_dim names); leave it out with dropVariables: [${q(name)}] (--drop ${name})`);
            continue;
          }
          dims = scales.map((x) => baseName(x[0]!));
        }
      }
      const dtype = dtypeOf(meta);
      if (!dtype) {
        const kind = meta.type === 3 ? (meta.vlen ? "string (NC_STRING)" : "char (NC_CHAR)") : (H5T[meta.type] ?? `class ${meta.type}`);
        unreadable(typeRefusal(name, kind), dims);
        continue;
      }
      const vattrs = attrsOf(`${where} variable ${q(name)}`, M, fid, dsPath, names, obj);
      const base = { name, dims, shape, attrs: vattrs, chunks: meta.chunks ? meta.chunks.map(Number) : undefined };
      // The object header's address (an HDF5 object reference holds it): direct reads need no path lookup.
      const h5Address = Array.from(M.create_object_reference(fid, dsPath)).reduce((a, b, i) => a + b * 2 ** (8 * i), 0);
      const viaH5 = reader(path, dsPath, shape, base.chunks, dtype, h5, M);
      vars.push({ ...base, dtype, hdf5Path: dsPath, h5Address, read: fastReader(path, dsPath, h5Address, dtype, shape, viaH5) });
    }
    return { path, format: where, attrs, vars };
  });
}

/**
 * The reader of dataset `dsPath` in file `path`, a file `init` described and checked already (records mode,
 * unchanged since by size and mtime): instead of describing the whole file again (~40 WASM calls), one call
 * reads this dataset's metadata, checked against what is expected (dtype, shape). undefined when h5wasm is not
 * loaded yet, the file does not open as HDF5 or the dataset is not as expected: the caller then describes
 * the file in full (whose errors name what differs).
 */
export function recordedReader(path: string, dsPath: string, dtype: DType, shape: readonly number[]): NcVar["read"] | undefined {
  if (!loaded) return undefined;
  const { h5, M } = loaded;
  let meta: ReturnType<H5Module["get_dataset_metadata"]>;
  try {
    meta = h5Files.useSync(path, () => {
      const f = new h5.File(path, "r");
      return { value: f, close: () => void f.close() };
    }, (f) => M.get_dataset_metadata(f.file_id, dsPath));
  } catch {
    return undefined;
  }
  const got = (meta.shape ?? []).map(Number);
  if (dtypeOf(meta) !== dtype || got.length !== shape.length || got.some((s, d) => s !== shape[d])) return undefined;
  return reader(path, dsPath, got, meta.chunks ? meta.chunks.map(Number) : undefined, dtype, h5, M);
}

/** Direct reads (h5direct.ts) and descriptions (h5describe.ts) on or off (tests compare both paths). */
export const directOptions = { enabled: true, describe: true };

/**
 * The reader of dataset `dsPath` (object header at `address`) of `path`: direct (no HDF5) when it can, else
 * h5wasm's (`viaH5`, or made on first use, loading h5wasm then: a rank that reads only directly never loads it).
 */
export function fastReader(path: string, dsPath: string, address: number | undefined, dtype: DType, shape: readonly number[], viaH5?: NcVar["read"]): NcVar["read"] {
  let fb = viaH5;
  const fallback = async (): Promise<NcVar["read"]> => {
    if (fb) return fb;
    await h5wasm();
    const r = recordedReader(path, dsPath, dtype, shape);
    if (!r) throw new SourceError(`${path}: HDF5 dataset ${dsPath} does not open as the ${dtype} array of shape [${shape.join(", ")}] recorded by init`);
    return (fb = r);
  };
  const viaFallback: NcVar["read"] = viaH5 ?? (async (region, into) => (await fallback())(region, into));
  if (!directOptions.enabled || address === undefined) return viaFallback;
  // Made at the first read: describing a file (init: every file of a many-file source) parses no dataset header.
  let direct: NcVar["read"] | null | undefined;
  return (region, into) => {
    if (direct === undefined) direct = directReader(path, address, dtype, shape, fallback) ?? null;
    return (direct ?? viaFallback)(region, into);
  };
}

function reader(path: string, dsPath: string, shape: number[], chunks: number[] | undefined, dtype: DType, h5: H5, M: H5Module) {
  const info = dtypeInfo(dtype);
  const es = info.size;
  const open = () => {
    const f = new h5.File(path, "r");
    return { value: f, close: () => void f.close() };
  };
  /**
   * The C-order values of the box [lo, hi) (whole chunks, or any box of a contiguous variable), copied from
   * h5wasm's heap straight into `into` when given (the caller's block: no array of our own to allocate, fault in
   * and copy again), else into a new array.
   */
  const readBox = (lo: number[], hi: number[], into?: TypedArray): TypedArray => {
    const ext = hi.map((h, d) => h - lo[d]!);
    const n = ext.reduce((p, e) => p * e, 1);
    const out = into && into.length === n ? into : new info.ctor(n);
    if (n === 0) return out;
    const bytes = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
    const read = (count: bigint[] | null, offset: bigint[] | null, nb: number, at: number): void => {
      const ptr = M._malloc(nb);
      if (ptr === 0) throw new Error(`h5wasm could not allocate ${nb} bytes`);
      try {
        h5Files.useSync(path, open, (f) => M.get_dataset_data(f.file_id, dsPath, count, offset, count && count.map(() => 1n), BigInt(ptr)));
        bytes.set(M.HEAPU8.subarray(ptr, ptr + nb), at);
      } finally {
        M._free(ptr);
      }
    };
    if (shape.length === 0) {
      read(null, null, es, 0);
      return out;
    }
    // Split along axis 0, on chunk boundaries, so that h5wasm's heap (which never shrinks) holds <= MAX_READ.
    const slab = (n / ext[0]!) * es;
    const c0 = chunks?.[0] ?? 1;
    const rows = Math.max(c0, Math.floor(Math.max(1, Math.floor(MAX_READ / slab)) / c0) * c0);
    const restWhole = lo.every((l, d) => d === 0 || (l === 0 && hi[d] === shape[d]));
    for (let a = lo[0]!; a < hi[0]!; a += rows) {
      const b = Math.min(hi[0]!, a + rows);
      const nb = (b - a) * slab;
      if (restWhole && a === 0 && b === shape[0]) read(null, null, nb, 0);
      else {
        const cnt = lo.map((l, d) => BigInt(d === 0 ? b - a : hi[d]! - l));
        read(cnt, lo.map((l, d) => BigInt(d === 0 ? a : l)), nb, (a - lo[0]!) * slab);
      }
    }
    return out;
  };
  const id = `${path}\0${dsPath}`;
  // Synchronous up to the copy into `into` (a view of WASM memory the caller made just before: it stays valid).
  return async (region: readonly IndexRange[], into?: TypedArray): Promise<TypedArray> => {
    if (region.some((r) => r.stop <= r.start)) return new info.ctor(0);
    const lo = region.map((r, d) => (chunks ? Math.floor(r.start / chunks[d]!) * chunks[d]! : r.start));
    const hi = region.map((r, d) => (chunks ? Math.min(shape[d]!, Math.ceil(r.stop / chunks[d]!) * chunks[d]!) : r.stop));
    if (region.every((r, d) => r.start === lo[d] && r.stop === hi[d])) return readBox(lo, hi, into);
    // Chunks read for a region smaller than them are kept a while: the next regions (e.g. the next time step)
    // are likely cut from the same chunks.
    let hit = boxCache.find(id, lo, hi);
    if (!hit) {
      hit = { id, lo, hi, box: readBox(lo, hi) };
      boxCache.add(hit);
    }
    return cut(hit, region, info.ctor);
  };
}

/** `region` cut out of a box read: only the span of the box it touches goes through our place kernel. */
function cut(b: CachedBox, region: readonly IndexRange[], ctor: new (n: number) => TypedArray): TypedArray {
  const rshape = region.map((r) => r.stop - r.start);
  const n = rshape.reduce((p, x) => p * x, 1);
  const stride = cStrides(b.hi.map((h, d) => h - b.lo[d]!));
  let first = 0, last = 0;
  region.forEach((r, d) => {
    first += (r.start - b.lo[d]!) * stride[d]!;
    last += (r.stop - 1 - b.lo[d]!) * stride[d]!;
  });
  const span = b.box.subarray(first, last + 1);
  // One run (e.g. a time step of a chunk holding several, whole in the other dims): a plain copy.
  if (span.length === n) return span.slice();
  const out = new ctor(n) as TypedArray;
  placeArray(span, rshape, rshape.map(() => 0), out, rshape, rshape.map(() => 0), rshape, stride);
  return out;
}

interface CachedBox {
  id: string;
  lo: number[];
  hi: number[];
  box: TypedArray;
}

/** Decoded chunk boxes read for smaller regions, least recently used first, within a byte budget (per thread). */
export const boxCache = {
  maxBytes: 64 << 20,
  bytes: 0,
  entries: [] as CachedBox[],
  /** An entry of variable `id` holding the box [lo, hi). */
  find(id: string, lo: readonly number[], hi: readonly number[]): CachedBox | undefined {
    const i = this.entries.findIndex((e) => e.id === id && e.lo.every((l, d) => l <= lo[d]! && e.hi[d]! >= hi[d]!));
    if (i < 0) return undefined;
    const [e] = this.entries.splice(i, 1);
    this.entries.push(e!);
    return e;
  },
  add(e: CachedBox): void {
    if (e.box.byteLength > this.maxBytes) return;
    this.entries.push(e);
    this.bytes += e.box.byteLength;
    while (this.bytes > this.maxBytes) this.bytes -= this.entries.shift()!.box.byteLength;
  },
  clear(): void {
    this.entries = [];
    this.bytes = 0;
  },
};
