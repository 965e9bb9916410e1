// DataArray: a named variable with dims, data (a LazyArray when chunked, a TypedArray when not), attrs and
// an encoding the writer interprets. Shaped like xarray's, with xpartition's `blocks` and `partition` accessors.
import type { TypedArray } from "../kernels/arena.js";
import { regionToRanges, type Region } from "../plan/blocks.js";
import { BlocksAccessor, PartitionDataArrayAccessor } from "./accessors.js";
import { dtypeInfo, dtypeOf, matchesDType, type DType } from "./dtypes.js";
import { ShapeError, label } from "./errors.js";
import { EagerArray, LazyArray, type ComputeCache } from "./lazy.js";
import { chunkArray, iselArray, renameDims, type ChunkOptions, type ChunkSpec, type Indexers } from "./ops.js";
import { checkRegion, copyRegion, regionSize, type IndexRange } from "./region.js";

/** How the writer stores a variable. Stored as given; the writer interprets and validates it. */
export interface Encoding {
  compressor?: unknown;
  filters?: unknown;
  codecs?: unknown;
  fillValue?: number | bigint | boolean | null;
  [key: string]: unknown;
}

/** A variable as given to a Dataset or the DataArray constructor. */
export interface VariableSpec {
  dims: readonly string[];
  /** Chunked: a LazyArray. Unchunked: a 1-d TypedArray, or `fromArray(data, shape)` (an EagerArray) for n-d. */
  data: LazyArray | TypedArray | EagerArray;
  attrs?: Record<string, unknown>;
  encoding?: Encoding;
  /** Only to say "bool" for unchunked Uint8Array data. */
  dtype?: DType;
}

export interface DataArrayInit extends VariableSpec {
  name?: string;
}

export class DataArray {
  readonly name: string | undefined;
  readonly dims: readonly string[];
  /** A LazyArray when chunked; a C-order TypedArray of `shape` when unchunked. */
  readonly data: LazyArray | TypedArray;
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly attrs: Record<string, unknown>;
  readonly encoding: Encoding;

  constructor(init: DataArrayInit) {
    if (typeof init !== "object" || init === null) throw new TypeError("DataArray needs { dims, data, attrs?, encoding? }");
    const name = init.name;
    this.name = name;
    const dims = init.dims;
    if (!Array.isArray(dims) || dims.some((d) => typeof d !== "string")) {
      throw new TypeError(`dims of ${label(name)}must be an array of dimension names, got ${JSON.stringify(dims)}`);
    }
    const dup = dims.find((d, i) => dims.indexOf(d) !== i);
    if (dup !== undefined) throw new ShapeError(`dims of ${label(name)}repeat dimension ${JSON.stringify(dup)}: [${dims.join(", ")}]`);
    this.dims = Object.freeze([...dims]);
    const data = init.data;
    if (data instanceof LazyArray) {
      if (data.name === undefined && name !== undefined) data.name = name;
      this.data = data;
      this.shape = data.shape;
      this.dtype = data.dtype;
    } else if (data instanceof EagerArray) {
      this.data = data.data;
      this.shape = data.shape;
      this.dtype = data.dtype;
    } else if (ArrayBuffer.isView(data) && !(data instanceof DataView)) {
      if (dims.length !== 1) {
        throw new ShapeError(
          `variable ${label(name)}has dims [${dims.join(", ")}] but its data is a plain TypedArray (1-d): ` +
            `use fromArray(data, shape) for n-d unchunked data`,
        );
      }
      this.data = data;
      this.shape = Object.freeze([data.length]);
      this.dtype = dtypeOf(data);
    } else {
      throw new TypeError(`data of ${label(name)}must be a LazyArray, a TypedArray or fromArray(...), got ${String(data)}`);
    }
    if (init.dtype !== undefined && init.dtype !== this.dtype) {
      if (this.data instanceof LazyArray || !matchesDType(this.data, init.dtype)) {
        throw new TypeError(`variable ${label(name)}: dtype ${init.dtype} given but its data has dtype ${this.dtype}`);
      }
      this.dtype = init.dtype;
    }
    if (this.dims.length !== this.shape.length) {
      throw new ShapeError(
        `variable ${label(name)}has ${this.dims.length} dims [${this.dims.join(", ")}] but its data has ` +
          `${this.shape.length} axes, shape [${this.shape.join(", ")}]`,
      );
    }
    this.attrs = { ...(init.attrs ?? {}) };
    this.encoding = { ...(init.encoding ?? {}) };
  }

  get ndim(): number {
    return this.shape.length;
  }

  /** Per dimension, the chunk lengths; null when unchunked. */
  get chunks(): readonly (readonly number[])[] | null {
    return this.data instanceof LazyArray ? this.data.chunks : null;
  }

  get chunked(): boolean {
    return this.data instanceof LazyArray;
  }

  get sizes(): Record<string, number> {
    const s: Record<string, number> = {};
    this.dims.forEach((d, i) => (s[d] = this.shape[i]!));
    return s;
  }

  /** Number of elements. */
  get size(): number {
    return this.shape.reduce((p, x) => p * x, 1);
  }

  /** xpartition's `da.blocks`: block-space indexing. */
  get blocks(): BlocksAccessor {
    return new BlocksAccessor(this);
  }

  /** xpartition's `da.partition`: plans (and, with the writer, writes) rank-sized regions. */
  get partition(): PartitionDataArrayAccessor {
    return new PartitionDataArrayAccessor(this);
  }

  /** A copy with another name (a string), or with dims renamed (`{ dim: newDim }`); the same data, attrs and encoding. */
  rename(name: string | Record<string, string>): DataArray {
    if (typeof name === "object" && name !== null) return renameDims(this, name);
    // Compute errors should name the variable as the Dataset knows it.
    if (this.data instanceof LazyArray && (this.data.name === undefined || this.data.name === this.name)) this.data.name = name;
    return new DataArray({ name, dims: this.dims, data: this.#spec(), attrs: this.attrs, encoding: this.encoding, dtype: this.dtype });
  }

  #spec(): LazyArray | EagerArray {
    return this.data instanceof LazyArray ? this.data : new EagerArray(this.data, this.shape, this.dtype);
  }

  /**
   * Compute a region (by dim name, or one range per axis; default: everything) as a C-order TypedArray.
   * Chunked: LazyArray.compute (see there for `out` and `cache`). Unchunked: the data itself for the full
   * region, else the region copied (into `out` when given).
   */
  async compute(region?: Region | readonly IndexRange[], out?: TypedArray, cache?: ComputeCache): Promise<TypedArray> {
    const ranges = this.#ranges(region);
    if (this.data instanceof LazyArray) return this.data.compute(ranges, out, cache);
    const full = ranges.every((r, i) => r.start === 0 && r.stop === this.shape[i]);
    if (full && !out) return this.data;
    const n = regionSize(ranges);
    const dst = out ?? new (dtypeInfo(this.dtype).ctor)(n);
    if (!matchesDType(dst, this.dtype) || dst.length !== n) {
      throw new ShapeError(`out for ${label(this.name)}has ${dst.length} elements of ${dst.constructor.name}: expected ${n} of dtype ${this.dtype}`);
    }
    return copyRegion(this.data, this.shape, ranges, dst);
  }

  #ranges(region?: Region | readonly IndexRange[]): IndexRange[] {
    if (region === undefined) return this.shape.map((s) => ({ start: 0, stop: s }));
    if (Array.isArray(region)) return checkRegion(region, this.shape, this.name);
    return checkRegion(regionToRanges(this, region as Region), this.shape, this.name);
  }

  /**
   * Select by dim name (lazy): `{ dim: { start?, stop? } }` keeps a range (Python slice semantics: negatives
   * from the end, clamped; a reversed range selects nothing), `{ dim: i }` keeps index i and drops the dim
   * (negative from the end; out of range is an error). Unlisted dims stay whole. Chunked: a view computing
   * only the regions asked for (chunks intersected). Unchunked: copied now. Encoding entries per axis
   * (shards, chunks) lose the dropped dims.
   */
  isel(indexers: Indexers): DataArray {
    return iselArray(this, indexers);
  }

  /**
   * Rechunk (lazy): `{ dim: n | -1 | [lengths] }`, unlisted dims keep their chunks; a dim the array lacks is
   * an error. A region of the result computes only the parts of the input chunks it overlaps. An unchunked
   * array becomes chunked. An `encoding.shards` that no longer holds whole chunks is dropped with a warning.
   */
  chunk(spec: ChunkSpec, opts: ChunkOptions = {}): DataArray {
    return chunkArray(this, spec, opts);
  }
}
