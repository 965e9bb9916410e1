// The common half of the netCDF backends: variables described by a backend (name, dims, shape, dtype, attrs,
// a region reader) become a lazy Dataset with openZarr's pass-through rules — values stay encoded, _FillValue
// moves to encoding.fillValue, `coordinates` attributes become coords, every other attribute is kept verbatim —
// so that xarray decodes the written store to the values it decodes from the netCDF file.
import type { TypedArray } from "../../kernels/arena.js";
import { kernels } from "../../kernels/instance.js";
import { DataArray, type Encoding } from "../../model/dataarray.js";
import { Dataset } from "../../model/dataset.js";
import { dtypeInfo, type DType } from "../../model/dtypes.js";
import { fromArray, lazy } from "../../model/lazy.js";
import type { IndexRange } from "../../model/region.js";
import { SourceError } from "../errors.js";

const q = JSON.stringify;

export interface OpenNetCDFOptions {
  /** The group to open (netCDF-4; default the root group), e.g. "forecast" or "a/b". */
  group?: string;
  /** Variables to leave out (e.g. string or char variables, which cannot be read). */
  dropVariables?: readonly string[];
  /** Called once per region read from the file, with the variable's name and the region (for tests). */
  onRead?: (variable: string, region: readonly IndexRange[]) => void;
}

export interface NcVar {
  name: string;
  dims: string[];
  shape: number[];
  /** undefined with `refusal` set: a variable that cannot be read (strings, chars, compounds...). */
  dtype: DType | undefined;
  /** Why the variable cannot be read, after "<file>: variable <name> " (an error unless it is dropped). */
  refusal?: string;
  attrs: Record<string, unknown>;
  /** netCDF-4: the HDF5 dataset's path (records mode reads it in files of the same structure). */
  hdf5Path?: string;
  /** netCDF-4: the dataset's object header address (relative to the file's base address), for direct reads. */
  h5Address?: number;
  /** The source's chunk shape (netCDF-4 chunked) or undefined (contiguous, netCDF-3). */
  chunks: number[] | undefined;
  /**
   * The C-order values of `region`, exactly its size: in `into` when the backend can write there (it returns
   * `into` then), else in a new array of the dtype.
   */
  read: (region: readonly IndexRange[], into?: TypedArray) => Promise<TypedArray>;
}

export interface NcGroup {
  /** The file's path (for messages). */
  path: string;
  format: string;
  attrs: Record<string, unknown>;
  vars: NcVar[];
}

/** A numeric attribute holding one value becomes that value (netCDF stores every attribute as an array). */
export function unwrap(v: unknown): unknown {
  if (ArrayBuffer.isView(v) && !(v instanceof DataView) && (v as TypedArray).length === 1) return (v as TypedArray)[0];
  if (Array.isArray(v) && v.length === 1) return v[0];
  return v;
}

function fillOf(file: string, name: string, dtype: DType, v: unknown): number | bigint {
  const x = unwrap(v);
  const info = dtypeInfo(dtype);
  if (typeof x === "bigint") return info.size === 8 && info.kind !== "f" ? x : Number(x);
  if (typeof x === "number") return info.size === 8 && info.kind !== "f" ? BigInt(x) : x;
  throw new SourceError(`${file}: variable ${q(name)}: _FillValue ${String(v)} is not a single number`);
}

/** The refusal of a variable whose type cannot be read (NcVar.refusal). */
export function typeRefusal(name: string, kind: string): string {
  return `has type ${kind}: xpartition reads numeric variables only; leave it out with dropVariables: [${q(name)}] (--drop ${name} on the command line)`;
}

/** The Dataset of a group's variables (dimension coordinates read now, as xarray loads its indexes). */
export async function buildDataset(g: NcGroup, options: OpenNetCDFOptions): Promise<Dataset> {
  const drop = new Set(options.dropVariables ?? []);
  const names = new Set(g.vars.map((v) => v.name));
  for (const d of drop) {
    if (!names.has(d)) throw new SourceError(`${g.path}: dropVariables names ${q(d)}, which the file does not have (it has ${[...names].join(", ") || "no variables"})`);
  }
  const vars = g.vars.filter((v) => !drop.has(v.name));
  for (const v of vars) if (v.refusal !== undefined) throw new SourceError(`${g.path}: variable ${q(v.name)} ${v.refusal}`);

  const coordNames = new Set<string>();
  const groupAttrs = { ...g.attrs };
  if (typeof groupAttrs.coordinates === "string") for (const c of groupAttrs.coordinates.split(/\s+/)) if (c) coordNames.add(c);
  delete groupAttrs.coordinates;
  const prepared = vars.map((v) => {
    const { _FillValue: fill, coordinates, ...attrs } = v.attrs;
    if (typeof coordinates === "string") for (const c of coordinates.split(/\s+/)) if (c && names.has(c) && !drop.has(c)) coordNames.add(c);
    const dtype = v.dtype!;
    const encoding: Encoding = { chunks: [...(v.chunks ?? v.shape)] };
    if (fill !== undefined) encoding.fillValue = fillOf(g.path, v.name, dtype, fill);
    if (v.dims.length === 1 && v.dims[0] === v.name) coordNames.add(v.name);
    return { v, dtype, attrs, encoding };
  });

  const coords: Record<string, DataArray> = {};
  const dataVars: Record<string, DataArray> = {};
  for (const { v, dtype, attrs, encoding } of prepared) {
    const name = v.name;
    // The source's chunks (each read is a whole number of them) or, unchunked, the whole variable (as xarray).
    const chunks = (v.chunks ?? v.shape).map((s) => Math.max(s, 1));
    const read = async (region: readonly IndexRange[], into?: TypedArray): Promise<TypedArray> => {
      options.onRead?.(name, region);
      try {
        return await v.read(region, into);
      } catch (e) {
        if (e instanceof SourceError) throw e;
        throw new SourceError(`${g.path}: variable ${q(name)}: reading its values failed: ${(e as Error).message}`, { cause: e });
      }
    };
    const isDimCoord = v.dims.length === 1 && v.dims[0] === name;
    const data = isDimCoord
      ? fromArray(await read(v.shape.map((s) => ({ start: 0, stop: s }))), v.shape, { chunks, dtype, name })
      : lazy({ shape: v.shape, dtype, chunks, name, compute: computeInto(dtype, read) });
    (coordNames.has(name) ? coords : dataVars)[name] = new DataArray({ name, dims: v.dims, data, attrs, encoding });
  }
  return new Dataset({ coords, dataVars, attrs: groupAttrs });
}

/**
 * A compute function reading into `out` when the reader can (else copying its result there). A view of WASM
 * memory stays addressed by pointer: if the memory grew while the read awaited, the values go to a fresh view.
 */
export function computeInto(dtype: DType, read: (r: readonly IndexRange[], into?: TypedArray) => Promise<TypedArray>) {
  const info = dtypeInfo(dtype);
  return async (region: readonly IndexRange[], out?: TypedArray): Promise<TypedArray> => {
    if (!out) return read(region);
    const k = kernels();
    const ptr = k.owns(out) ? out.byteOffset : -1;
    const n = out.length;
    const data = await read(region, out);
    if (data === out && out.byteLength === n * info.size) return out;
    const dst = ptr >= 0 ? new info.ctor(k.memory.buffer, ptr, n) : out;
    // Written in place before the memory grew: its bytes are in the new buffer at the same address.
    if (data !== out) dst.set(data as never);
    return dst;
  };
}
