// zerosLike: the original's `zeros_like(ds, override_chunks)`, a cheap lazy template. Each data variable
// becomes zeros of its dims, dtype, attrs and encoding, chunked as it is except along the dims named in
// `overrideChunks` (dims a variable lacks are ignored); coordinates are kept as they are (xarray's
// Dataset.map). A region of a zeros array is filled straight into its output: nothing else is allocated.
import { fill } from "../kernels/fill.js";
import { DataArray } from "./dataarray.js";
import { Dataset } from "./dataset.js";
import { dtypeInfo } from "./dtypes.js";
import { normalizeChunks } from "./chunks.js";
import { ChunksError } from "./errors.js";
import { EagerArray, LazyArray } from "./lazy.js";
import { regionSize } from "./region.js";

/** Per dim, a chunk length (-1: the whole dim) or explicit chunk lengths. */
export type OverrideChunks = Record<string, number | readonly number[]>;

function zerosOf(v: DataArray, override: OverrideChunks): DataArray {
  const name = v.name!;
  const ctor = dtypeInfo(v.dtype).ctor;
  const zero = v.dtype === "bool" ? false : v.dtype === "int64" || v.dtype === "uint64" ? 0n : 0;
  const own = v.chunks;
  // Normalised here so that a bad override is an error naming the variable and the dimension.
  const spec = normalizeChunks(v.shape, v.dims.map((d, axis) => (Object.prototype.hasOwnProperty.call(override, d) ? override[d]! : own ? own[axis]! : -1)), name, v.dims);
  // Unchunked and not rechunked: zeros in memory, as the variable was.
  const data = !own && v.dims.every((d) => !Object.prototype.hasOwnProperty.call(override, d))
    ? new EagerArray(fill(new ctor(v.size), zero, v.dtype), v.shape, v.dtype)
    : new LazyArray({
      shape: v.shape, dtype: v.dtype, chunks: spec, name,
      compute: (region, out) => fill(out ?? new ctor(regionSize(region)), zero, v.dtype),
    });
  return new DataArray({ name, dims: v.dims, data, attrs: v.attrs, encoding: v.encoding, dtype: v.dtype });
}

/**
 * A lazy Dataset of zeros shaped like `ds` (see the file comment). `overrideChunks` are `{ dim: n | -1 |
 * [lengths] }`; a length list must sum to the dim's size.
 */
export function zerosLike(ds: Dataset, overrideChunks: OverrideChunks = {}): Dataset {
  if (!(ds instanceof Dataset)) throw new TypeError(`zerosLike: expected a Dataset, got ${String(ds)}`);
  if (typeof overrideChunks !== "object" || overrideChunks === null || Array.isArray(overrideChunks)) {
    throw new ChunksError(`zerosLike: overrideChunks must be an object of dim: chunk length(s), got ${JSON.stringify(overrideChunks)}`);
  }
  const dataVars = Object.fromEntries(Object.entries(ds.dataVars).map(([k, v]) => [k, zerosOf(v, overrideChunks)]));
  return new Dataset({ coords: ds.coords, dataVars, attrs: ds.attrs });
}
