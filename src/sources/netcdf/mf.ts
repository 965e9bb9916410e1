// openMfDataset: many netCDF files joined along one dimension, as xarray's
// `open_mfdataset(paths, combine="nested", concat_dim=DIM, data_vars="minimal", coords="minimal", compat="override")`:
// variables with DIM are concatenated (lazily: a region reads only the files it overlaps), variables without it
// and the global attributes come from the first file — after checking that every file has the same variables
// with the same dims, dtypes and (but for DIM) shapes, so that a file that does not fit is an error naming it.
import { existsSync } from "node:fs";
import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import { concat } from "../../model/concat.js";
import { DataArray } from "../../model/dataarray.js";
import { LazyArray, lazy } from "../../model/lazy.js";
import { Dataset } from "../../model/dataset.js";
import { globPaths, hasGlob } from "../detect.js";
import { SourceError } from "../errors.js";
import type { TypedArray } from "../../kernels/arena.js";
import type { IndexRange } from "../../model/region.js";
import { buildDataset, computeInto, type NcGroup, type OpenNetCDFOptions } from "./build.js";
import { fingerprintOf } from "./fingerprint.js";
import { fastReader, recordedReader } from "./hdf5.js";
import { decodeGroup, encodeGroup, objectsOf, type DirectRecord } from "./record.js";
import { describeNetCDF } from "./open.js";

export interface OpenMfDatasetOptions extends OpenNetCDFOptions {
  /** The dimension the files are joined along (each file must have it). */
  concatDim: string;
  /** Files whose metadata is read at once (default 8). */
  openConcurrency?: number;
}

const q = JSON.stringify;

/** The files: a glob's matches sorted lexicographically, a path as is, a list in its order. */
export function mfPaths(paths: string | readonly string[]): string[] {
  if (typeof paths === "string") {
    const abs = resolve(paths);
    if (existsSync(abs) || !hasGlob(paths)) return [abs];
    const found = globPaths(abs);
    if (!found.length) throw new SourceError(`openMfDataset: no file matches ${q(paths)}`);
    return found;
  }
  if (!Array.isArray(paths) || paths.length === 0 || paths.some((p) => typeof p !== "string" || p === "")) {
    throw new SourceError(`openMfDataset: expected a glob, a path or a non-empty list of paths, got ${q(paths)}`);
  }
  return paths.map((p) => resolve(p));
}

/** Why file `ds` cannot be joined to `first` along `dim`: a SourceError naming the file and the variable. */
function checkFile(first: Dataset, firstFile: string, ds: Dataset, file: string, dim: string): void {
  if (!(dim in ds.sizes)) throw new SourceError(`${file}: has no dimension ${q(dim)} (the files are joined along it; ${firstFile} has it)`);
  for (const k of Object.keys(ds.variables)) {
    if (!first.get(k)) throw new SourceError(`${file}: variable ${q(k)} is not in the first file, ${firstFile}`);
  }
  for (const k of Object.keys(first.variables)) {
    const a = first.get(k)!, b = ds.get(k);
    if (!b) throw new SourceError(`${file}: has no variable ${q(k)}, which the first file (${firstFile}) has`);
    const why = a.dims.join() !== b.dims.join() ? `dims (${b.dims.join(", ")}) instead of (${a.dims.join(", ")})`
      : a.dtype !== b.dtype ? `dtype ${b.dtype} instead of ${a.dtype}`
      : a.shape.some((s, d) => a.dims[d] !== dim && s !== b.shape[d]) ? `shape [${b.shape.join(", ")}] instead of [${a.shape.join(", ")}] (dimensions other than ${q(dim)} must agree)`
      : !!first.coords[k] !== !!ds.coords[k] ? `${ds.coords[k] ? "a coordinate" : "a data variable"}, but a ${first.coords[k] ? "coordinate" : "data variable"} in the first file` : "";
    if (why) throw new SourceError(`${file}: variable ${q(k)} has ${why} (the first file is ${firstFile})`);
  }
}

/** Open many netCDF files as one lazy Dataset joined along `options.concatDim`. */
export async function openMfDataset(paths: string | readonly string[], options: OpenMfDatasetOptions): Promise<Dataset> {
  const dim = options?.concatDim;
  if (typeof dim !== "string" || dim === "") throw new SourceError(`openMfDataset: concatDim must name the dimension to join the files along, got ${q(dim)}`);
  const files = mfPaths(paths);
  const batch = Math.max(1, options.openConcurrency ?? 8);
  const dss: Dataset[] = [];
  for (let i = 0; i < files.length; i += batch) {
    dss.push(...(await Promise.all(files.slice(i, i + batch).map(async (f) => buildDataset(await describeNetCDF(f, options.group), options)))));
  }
  const first = dss[0]!;
  if (!(dim in first.sizes)) {
    throw new SourceError(`${files[0]}: has no dimension ${q(dim)} to join the files along (its dimensions: ${Object.keys(first.sizes).join(", ") || "none"})`);
  }
  dss.forEach((ds, i) => {
    if (i > 0) checkFile(first, files[0]!, ds, files[i]!, dim);
  });
  return join(dss, dim);
}

/** data_vars="minimal", coords="minimal", compat="override": only variables with `dim` are joined; the rest are the first's. */
function join(dss: readonly Dataset[], dim: string): Dataset {
  const first = dss[0]!;
  const along = (ds: Dataset): Dataset => {
    const pick = (vars: Readonly<Record<string, DataArray>>) => Object.fromEntries(Object.entries(vars).filter(([, v]) => v.dims.includes(dim)));
    return new Dataset({ coords: pick(ds.coords), dataVars: pick(ds.dataVars), attrs: ds.attrs });
  };
  const joined = dss.length === 1 ? first : concat(dss.map(along), dim);
  const coords: Record<string, DataArray> = {}, dataVars: Record<string, DataArray> = {};
  for (const k of Object.keys(first.variables)) {
    const v = first.get(k)!.dims.includes(dim) ? regular(joined.get(k)!, dim) : first.get(k)!;
    (first.coords[k] ? coords : dataVars)[k] = v;
  }
  return new Dataset({ coords, dataVars, attrs: first.attrs });
}

/**
 * A joined variable whose chunks along `dim` are not regular (files whose length is not a multiple of their
 * chunks leave partial chunks inside: [3, 2, 3, 2]), which zarr cannot store, rechunked to its first chunk length.
 */
function regular(v: DataArray, dim: string): DataArray {
  if (!(v.data instanceof LazyArray)) return v;
  const c = v.data.chunks[v.dims.indexOf(dim)]!;
  if (c.every((x, i) => i === c.length - 1 ? x <= c[0]! : x === c[0])) return v;
  return v.chunk({ [dim]: c[0]! });
}

/** What `init` records per file, so that ranks can build the dataset without opening every file. */
export interface MfFileRecord {
  /** Absolute path. */
  path: string;
  size: number;
  mtimeMs: number;
  /** Length along the concat dimension. */
  length: number;
  /** Digest of the file's metadata (fingerprint.ts). */
  fingerprint: string;
  /** netCDF-4: what direct reads need (record.ts), so that ranks need no HDF5. */
  direct?: DirectRecord;
}

async function statRecord(path: string): Promise<{ size: number; mtimeMs: number }> {
  try {
    const st = await stat(path);
    return { size: st.size, mtimeMs: st.mtimeMs };
  } catch (e) {
    throw new SourceError(`${path}: cannot open: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message}`, { cause: e });
  }
}

/** The per-file records of `paths` (each file's metadata read and checked as openMfDataset does). */
export async function mfRecords(paths: string | readonly string[], options: OpenMfDatasetOptions): Promise<MfFileRecord[]> {
  const files = mfPaths(paths);
  const out: MfFileRecord[] = [];
  let first: Dataset | undefined;
  for (const path of files) {
    const st = await statRecord(path);
    const g = await describeNetCDF(path, options.group);
    const ds = await buildDataset(g, options);
    if (!first) {
      first = ds;
      if (!(options.concatDim in ds.sizes)) throw new SourceError(`${path}: has no dimension ${q(options.concatDim)} to join the files along`);
    } else {
      checkFile(first, files[0]!, ds, path, options.concatDim);
      checkEncoding(first, files[0]!, ds, path, options.concatDim);
    }
    const objects = objectsOf(g);
    // The first file's description too: a rank builds the dataset from it (the others take the first's).
    const direct = objects ? { objects, ...(out.length === 0 ? { group: encodeGroup(g) } : {}) } : undefined;
    out.push({ path, ...st, length: ds.sizes[options.concatDim]!, fingerprint: fingerprintOf(g), ...(direct ? { direct } : {}) });
  }
  return out;
}

/** Attributes that decide how stored values decode (records mode passes the first file's through). */
const DECODING_ATTRS = ["scale_factor", "add_offset", "_FillValue", "missing_value", "calendar", "units"];

/**
 * Records mode takes every joined variable's attributes from the first file without reading the others, so
 * their decoding attributes must agree: else a SourceError naming the file, variable and attribute, marked
 * `encodingDiffers` (openSource then joins the files the general way, re-encoding time units if it can).
 */
function checkEncoding(first: Dataset, firstFile: string, ds: Dataset, file: string, dim: string): void {
  for (const [k, v] of Object.entries(ds.variables)) {
    const a = first.get(k);
    if (!a || !v.dims.includes(dim)) continue;
    for (const key of DECODING_ATTRS) {
      if (JSON.stringify(a.attrs[key]) !== JSON.stringify(v.attrs[key])) {
        throw Object.assign(new SourceError(`${file}: variable ${q(k)} has ${key} ${q(v.attrs[key]) ?? "(none)"}, but the first file (${firstFile}) has ${q(a.attrs[key]) ?? "(none)"}: values pass through encoded, so the files must encode them alike`), { encodingDiffers: true });
      }
    }
  }
}

/** Files this thread opened in records mode (a rank's open-file count: figures and tests). */
export function mfOpenedFiles(): number {
  return touched.size;
}

function changed(rec: MfFileRecord, st: { size: number; mtimeMs: number }): SourceError {
  return new SourceError(`${rec.path}: changed since init (size ${st.size} bytes, modified ${new Date(st.mtimeMs).toISOString()}; init saw ${rec.size} bytes, modified ${new Date(rec.mtimeMs).toISOString()}): initialise the store again`);
}

/** Opened files of records mode, per thread (metadata only; descriptors live in the handle LRUs). */
const opened = new Map<string, Promise<{ g: NcGroup; ds: Dataset }>>();
/** Paths of the files this thread opened in records mode, described in full or read through recordedReader. */
const touched = new Set<string>();

/** `rec`'s file opened after checking that it is the file `init` saw (size, mtime, metadata). */
function openRecorded(rec: MfFileRecord, options: OpenMfDatasetOptions): Promise<{ g: NcGroup; ds: Dataset }> {
  const key = `${rec.path}\0${options.group ?? ""}\0${rec.fingerprint}`;
  let p = opened.get(key);
  if (!p) {
    touched.add(rec.path);
    p = (async () => {
      const st = await statRecord(rec.path);
      if (st.size !== rec.size || st.mtimeMs !== rec.mtimeMs) throw changed(rec, st);
      // Described by init: no HDF5 needed (values read directly, or through h5wasm if they must).
      const recorded = rec.direct?.group;
      const g = recorded !== undefined
        ? decodeGroup(recorded, rec.path, rec.fingerprint, (v) => fastReader(rec.path, v.hdf5Path!, v.h5Address, v.dtype!, v.shape))
        : await describeNetCDF(rec.path, options.group);
      if (fingerprintOf(g) !== rec.fingerprint) throw new SourceError(`${rec.path}: its metadata changed since init (fingerprint ${fingerprintOf(g)}, init recorded ${rec.fingerprint})`);
      return { g, ds: await buildDataset(g, options) };
    })();
    p.catch(() => opened.delete(key));
    opened.set(key, p);
  }
  return p;
}

type Compute = (region: readonly IndexRange[], out?: TypedArray) => Promise<TypedArray>;

/**
 * Variable `name` of recorded file `rec` read directly (netCDF-4): `init` described and checked the file and
 * every file was stat'ed unchanged when the rank opened the dataset, so only this dataset's own metadata is
 * read (recordedReader) instead of the whole file's. undefined when that does not apply: described in full.
 */
function directCompute(rec: MfFileRecord, name: string, hdf5Path: string | undefined, v: DataArray, shape: readonly number[], options: OpenMfDatasetOptions): Compute | undefined {
  if (hdf5Path === undefined || v.dtype === undefined) return undefined;
  const address = rec.direct?.objects[name];
  const read = address !== undefined ? fastReader(rec.path, hdf5Path, address, v.dtype, shape) : recordedReader(rec.path, hdf5Path, v.dtype, shape);
  if (!read) return undefined;
  touched.add(rec.path);
  return computeInto(v.dtype, async (region, into) => {
    options.onRead?.(name, region);
    try {
      return await read(region, into);
    } catch (e) {
      throw new SourceError(`${rec.path}: variable ${q(name)}: reading its values failed: ${(e as Error).message}`, { cause: e });
    }
  });
}

/**
 * openMfDataset from `init`'s records: only the first file is opened now; every other file's variables are
 * lazy stand-ins (shapes from the record's length, the rest from the first file) that open the file — checking
 * its size, mtime and metadata against the record — when a region first needs it. A rank thus opens only the
 * files its regions overlap.
 */
export async function openMfRecords(records: readonly MfFileRecord[], options: OpenMfDatasetOptions): Promise<Dataset> {
  const dim = options?.concatDim;
  if (typeof dim !== "string" || dim === "") throw new SourceError(`openMfDataset: concatDim must name the dimension to join the files along, got ${q(dim)}`);
  if (!Array.isArray(records) || records.length === 0) throw new SourceError("openMfDataset: expected a non-empty list of file records");
  // Every file stat'ed up front (cheap, no open): a file changed since init fails the rank before it writes.
  for (let i = 0; i < records.length; i += 64) {
    await Promise.all(records.slice(i, i + 64).map(async (rec) => {
      const st = await statRecord(rec.path);
      if (st.size !== rec.size || st.mtimeMs !== rec.mtimeMs) throw changed(rec, st);
    }));
  }
  const { g: firstGroup, ds: first } = await openRecorded(records[0]!, options);
  const hdf5Paths = new Map(firstGroup.vars.map((v) => [v.name, v.hdf5Path]));
  if (!(dim in first.sizes)) throw new SourceError(`${records[0]!.path}: has no dimension ${q(dim)} to join the files along`);
  if (first.sizes[dim] !== records[0]!.length) throw new SourceError(`${records[0]!.path}: has ${first.sizes[dim]} along ${q(dim)}, init recorded ${records[0]!.length}`);
  const standIn = (rec: MfFileRecord): Dataset => {
    const vars = (src: Readonly<Record<string, DataArray>>) => Object.fromEntries(Object.entries(src).filter(([, v]) => v.dims.includes(dim)).map(([name, v]) => {
      const axis = v.dims.indexOf(dim);
      const shape = v.shape.map((s, d) => (d === axis ? rec.length : s));
      // Our netCDF variables are all LazyArrays: the stand-in takes the first file's chunk lengths.
      const src = v.data as LazyArray;
      const chunks = src.chunks.map((c, d) => (d === axis ? Math.max(1, Math.min(c[0] ?? 1, rec.length)) : Math.max(1, c[0] ?? 1)));
      // Tried at the first compute, synchronously: `out` (a view of WASM memory) is still valid when read into.
      let direct: Compute | null | undefined;
      const data = lazy({
        shape, dtype: v.dtype, chunks, name,
        compute: async (region, out, cache) => {
          if (direct === undefined) direct = directCompute(rec, name, hdf5Paths.get(name), v, shape, options) ?? null;
          if (direct) return direct(region, out);
          const { ds } = await openRecorded(rec, options);
          checkFile(first, records[0]!.path, ds, rec.path, dim);
          if (ds.sizes[dim] !== rec.length) throw new SourceError(`${rec.path}: has ${ds.sizes[dim]} along ${q(dim)}, init recorded ${rec.length}`);
          return (ds.get(name)!.data as LazyArray).compute(region, out, cache);
        },
      });
      return [name, new DataArray({ name, dims: v.dims, data, attrs: v.attrs, encoding: v.encoding })];
    }));
    return new Dataset({ coords: vars(first.coords), dataVars: vars(first.dataVars), attrs: first.attrs });
  };
  return join([first, ...records.slice(1).map(standIn)], dim);
}
