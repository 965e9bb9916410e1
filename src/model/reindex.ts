// assignCoords and reindex (to new labels along dims with a coordinate), as the PartitionMapper needs them to
// extend the output of its first region to the full extent of the partition dims. Both lazy for chunked
// variables. Unlike xarray's reindex, dtypes are kept: missing labels get `fillValue` (default NaN for floats,
// 0 / false otherwise) instead of promoting integers to float.
import type { TypedArray } from "../kernels/arena.js";
import { UnknownDimensionError } from "../plan/errors.js";
import { DataArray, type VariableSpec } from "./dataarray.js";
import { Dataset } from "./dataset.js";
import { dtypeInfo, type DType } from "./dtypes.js";
import { DimensionConflictError, ShapeError } from "./errors.js";
import { EagerArray, LazyArray } from "./lazy.js";
import { regionSize, type IndexRange } from "./region.js";

const q = JSON.stringify;
const own = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

/** A coordinate as given: a DataArray, `{ dims, data }`, or a 1-d TypedArray along the dim of its name. */
export type CoordValue = DataArray | VariableSpec | TypedArray;

function asVariable(name: string, v: CoordValue): DataArray | VariableSpec {
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return { dims: [name], data: v as TypedArray };
  return v as DataArray | VariableSpec;
}

/** With coordinates added or replaced (a data variable of that name is an error: drop it first). */
export function assignCoords(ds: Dataset, coords: Record<string, CoordValue>): Dataset {
  if (typeof coords !== "object" || coords === null || Array.isArray(coords)) {
    throw new TypeError(`assignCoords: expected an object of name: coordinate, got ${String(coords)}`);
  }
  for (const k of Object.keys(coords)) {
    if (own(ds.dataVars, k)) throw new DimensionConflictError(`assignCoords: ${q(k)} is a data variable of the dataset; drop it (dropVars) before making it a coordinate`);
  }
  const all: Record<string, DataArray | VariableSpec> = { ...ds.coords };
  for (const [k, v] of Object.entries(coords)) all[k] = asVariable(k, v);
  return new Dataset({ coords: all, dataVars: ds.dataVars, attrs: ds.attrs });
}

export interface ReindexOptions {
  /** The value where a label is missing (default NaN for floats, 0 / false otherwise). */
  fillValue?: number | bigint | boolean;
}

function defaultFill(dtype: DType): number | bigint | boolean {
  if (dtype === "bool") return false;
  if (dtype === "int64" || dtype === "uint64") return 0n;
  return dtypeInfo(dtype).kind === "f" ? NaN : 0;
}

/** Labels of a 1-d in-memory array as numbers (bigint and bool too), for matching. */
function labels(a: TypedArray): number[] {
  return Array.from(a as ArrayLike<number | bigint>, (x) => Number(x));
}

/**
 * Gather `src` (C order, `srcShape`) into `out` (C order, `outShape`): along each axis, output index i takes
 * source index `maps[axis][i]` (-1: `fill`). `maps[axis]` undefined: the identity.
 */
function gather(src: TypedArray, srcShape: readonly number[], maps: (Int32Array | undefined)[], outShape: readonly number[], out: TypedArray, fill: unknown): TypedArray {
  const nd = outShape.length;
  const strides = new Array<number>(nd);
  let s = 1;
  for (let a = nd - 1; a >= 0; a--) {
    strides[a] = s;
    s *= srcShape[a]!;
  }
  let o = 0;
  const w = out as unknown as unknown[];
  const r = src as unknown as unknown[];
  const walk = (axis: number, base: number, missing: boolean): void => {
    const n = outShape[axis]!, m = maps[axis];
    for (let i = 0; i < n; i++) {
      const j = m ? m[i]! : i;
      const miss = missing || j < 0;
      const at = miss ? 0 : base + j * strides[axis]!;
      if (axis === nd - 1) w[o++] = miss ? fill : r[at];
      else walk(axis + 1, at, miss);
    }
  };
  if (nd === 0) w[0] = r[0];
  else walk(0, 0, false);
  return out;
}

/**
 * Reindex along each dim of `indexers` to its new labels: the dim's coordinate becomes the new labels, and
 * every variable along it takes the values at matching labels (the fill value elsewhere). The dim's
 * coordinate must be 1-d and in memory. Chunked variables stay lazy, chunked along the dim as before (their
 * first chunk length); a region computes only the source range its labels cover.
 */
export function reindex(ds: Dataset, indexers: Record<string, CoordValue>, options: ReindexOptions = {}): Dataset {
  if (typeof indexers !== "object" || indexers === null || Array.isArray(indexers)) {
    throw new TypeError(`reindex: expected an object of dim: new labels, got ${String(indexers)}`);
  }
  const sizes = ds.sizes;
  const newCoords: Record<string, DataArray> = {};
  const maps: Record<string, Int32Array> = {};
  for (const [dim, value] of Object.entries(indexers)) {
    if (!own(sizes, dim)) throw new UnknownDimensionError(dim, Object.keys(sizes), undefined, "reindex: dimension", "the dataset");
    const old = ds.coords[dim];
    if (!old || old.dims.length !== 1 || old.dims[0] !== dim) {
      throw new DimensionConflictError(`reindex: dimension ${q(dim)} has no coordinate to match labels against; assign one first (assignCoords)`);
    }
    if (old.data instanceof LazyArray) throw new DimensionConflictError(`reindex: the coordinate ${q(dim)} is chunked (lazy); reindex needs its labels in memory`);
    const next = value instanceof DataArray ? value.rename(dim) : new DataArray({ name: dim, ...asVariable(dim, value) });
    if (next.dims.length !== 1 || next.dims[0] !== dim || next.data instanceof LazyArray) {
      throw new ShapeError(`reindex: the new labels of ${q(dim)} must be a 1-d in-memory array along ${q(dim)}, got dims [${next.dims.join(", ")}]`);
    }
    const at = new Map<number, number>();
    labels(old.data).forEach((x, i) => { if (!at.has(x)) at.set(x, i); });
    maps[dim] = Int32Array.from(labels(next.data as TypedArray), (x) => at.get(x) ?? -1);
    newCoords[dim] = new DataArray({ name: dim, dims: [dim], data: next.data as TypedArray, attrs: old.attrs, encoding: old.encoding, dtype: next.dtype });
  }
  const convert = (v: DataArray): DataArray => {
    if (own(newCoords, v.name!) && v.dims.length === 1 && v.dims[0] === v.name) return newCoords[v.name!]!;
    const axisMaps = v.dims.map((d) => maps[d]);
    if (axisMaps.every((m) => !m)) return v;
    const shape = v.dims.map((d, a) => axisMaps[a]?.length ?? v.shape[a]!);
    const fill = options.fillValue ?? defaultFill(v.dtype);
    const ctor = dtypeInfo(v.dtype).ctor;
    const value = v.dtype === "bool" ? Number(fill) : fill;
    // The source range an output range needs along each axis (the bounding range of the labels found).
    const compute = async (region: readonly IndexRange[], out?: TypedArray): Promise<TypedArray> => {
      const src: IndexRange[] = [];
      const local: (Int32Array | undefined)[] = [];
      for (let a = 0; a < shape.length; a++) {
        const m = axisMaps[a], r = region[a]!;
        if (!m) {
          src.push(r);
          local.push(undefined);
          continue;
        }
        const part = m.subarray(r.start, r.stop);
        let lo = Infinity, hi = -1;
        for (const j of part) if (j >= 0) { lo = Math.min(lo, j); hi = Math.max(hi, j); }
        if (hi < 0) { lo = 0; hi = -1; }
        src.push({ start: lo, stop: hi + 1 });
        local.push(Int32Array.from(part, (j) => (j >= 0 ? j - lo : -1)));
      }
      const dst = out ?? new ctor(regionSize(region));
      const any = src.every((r) => r.stop > r.start);
      const data = any ? await v.compute(src) : new ctor(0);
      return gather(data, src.map((r) => r.stop - r.start), local, region.map((r) => r.stop - r.start), dst, value);
    };
    const spec = { name: v.name, dims: v.dims, attrs: v.attrs, encoding: v.encoding, dtype: v.dtype };
    if (v.data instanceof LazyArray) {
      const chunks = v.chunks!.map((c, a) => (axisMaps[a] ? Math.max(c[0] ?? 1, 1) : c));
      return new DataArray({ ...spec, data: new LazyArray({ shape, dtype: v.dtype, chunks, name: v.name, compute }) });
    }
    // In memory: gathered now (synchronously, from the data itself).
    const full = shape.map((s) => ({ start: 0, stop: s }));
    const out = new ctor(regionSize(full));
    gather(v.data, v.shape, axisMaps.map((m) => m), shape, out, value);
    return new DataArray({ ...spec, data: new EagerArray(out, shape, v.dtype) });
  };
  const m = (vars: Readonly<Record<string, DataArray>>) => Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, convert(v)]));
  return new Dataset({ coords: m(ds.coords), dataVars: m(ds.dataVars), attrs: ds.attrs });
}
