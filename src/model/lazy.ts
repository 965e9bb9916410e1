// LazyArray: a shape, a dtype, dask-style chunks and a function computing any region on demand. Nothing is
// computed before a region is asked for. Derived arrays (map, mapBlocks, derive) compute their inputs through
// an optional ComputeCache, so that within one collected write a shared input is computed once per block.
import type { TypedArray } from "../kernels/arena.js";
import { fill } from "../kernels/fill.js";
import { dtypeInfo, dtypeOf, matchesDType, type DType } from "./dtypes.js";
import { ComputeError, ShapeError, label } from "./errors.js";
import { normalizeChunks, sameChunks, subsetChunks, type ChunksSpec } from "./chunks.js";
import { checkRegion, checkShape, copyRegion, formatRegion, product, regionKey, regionSize, type IndexRange } from "./region.js";

/**
 * Computes a region (one `{ start, stop }` per axis, in axis order) as a C-order TypedArray of exactly the
 * region's size and the array's dtype. It may fill and return `out` (right type and length, possibly a view
 * of WASM memory) or return an array of its own. `cache` is for functions that compute other LazyArrays:
 * pass it on to their `compute` (user functions may ignore it).
 */
export type ComputeFn = (
  region: readonly IndexRange[],
  out?: TypedArray,
  cache?: ComputeCache,
) => TypedArray | Promise<TypedArray>;

export interface LazyOptions {
  shape: readonly number[];
  dtype: DType;
  /** A plain chunk shape (expanded dask-style, last chunk shorter) or per-dimension chunk length lists. */
  chunks: ChunksSpec;
  compute: ComputeFn;
  name?: string;
}

/**
 * Results of LazyArray computations within one unit of work (e.g. one collected write of a partition),
 * keyed by (array identity, region). Only arrays that are inputs of derived arrays are cached — those are
 * the ones another computation can ask for again. Cached arrays are shared: do not mutate them.
 */
export class ComputeCache {
  readonly #m = new Map<LazyArray, Map<string, Promise<TypedArray>>>();

  get(array: LazyArray, region: readonly IndexRange[]): Promise<TypedArray> | undefined {
    return this.#m.get(array)?.get(regionKey(region));
  }

  set(array: LazyArray, region: readonly IndexRange[], result: Promise<TypedArray>): void {
    let m = this.#m.get(array);
    if (!m) this.#m.set(array, (m = new Map()));
    m.set(regionKey(region), result);
  }

  /** Number of cached (array, region) results. */
  get size(): number {
    let n = 0;
    for (const m of this.#m.values()) n += m.size;
    return n;
  }

  clear(): void {
    this.#m.clear();
  }
}

export class LazyArray {
  readonly shape: readonly number[];
  readonly dtype: DType;
  /** Per dimension, the chunk lengths (dask's `.chunks`). */
  readonly chunks: readonly (readonly number[])[];
  /** The variable's name, for error messages; set by the first DataArray holding this array if unset. */
  name: string | undefined;
  readonly #fn: ComputeFn;
  /** How many derived arrays compute this one: only then is caching its results worth anything. */
  #dependents = 0;

  constructor(opts: LazyOptions) {
    if (typeof opts !== "object" || opts === null) throw new TypeError("LazyArray needs { shape, dtype, chunks, compute }");
    this.name = opts.name;
    this.shape = Object.freeze(checkShape(opts.shape, opts.name));
    dtypeInfo(opts.dtype);
    this.dtype = opts.dtype;
    this.chunks = Object.freeze(normalizeChunks(this.shape, opts.chunks, opts.name).map((c) => Object.freeze(c)));
    if (typeof opts.compute !== "function") throw new TypeError(`compute of ${label(opts.name)}must be a function, got ${typeof opts.compute}`);
    this.#fn = opts.compute;
  }

  get ndim(): number {
    return this.shape.length;
  }

  /** Number of elements. */
  get size(): number {
    return product(this.shape);
  }

  /**
   * Compute `region` (one `{ start, stop }` per axis). With `out` (a TypedArray of this dtype and the region's
   * length), the function may fill it and return it; if it returns an array of its own instead, that array is
   * returned as is — never silently copied into `out`: the caller (the writer) decides whether to copy.
   * With `cache`, derived arrays compute their inputs through it; a cached result may be returned instead of
   * `out` and is shared (do not mutate it). The result is checked: wrong length or type is a ComputeError.
   */
  async compute(region: readonly IndexRange[], out?: TypedArray, cache?: ComputeCache): Promise<TypedArray> {
    const r = checkRegion(region, this.shape, this.name);
    const n = regionSize(r);
    if (out !== undefined && out !== null) this.#check(out, r, n, "out");
    else out = undefined;
    if (!cache || this.#dependents === 0) return this.#run(r, n, out, cache);
    const hit = cache.get(this, r);
    if (hit) return hit;
    const result = this.#run(r, n, out, cache);
    // A result living in the caller's `out` may be overwritten once returned: the cache keeps its own copy.
    const kept = out ? result.then((a) => (a.buffer === out!.buffer ? a.slice() : a)) : result;
    kept.catch(() => undefined);
    cache.set(this, r, kept);
    return result;
  }

  async #run(r: IndexRange[], n: number, out: TypedArray | undefined, cache: ComputeCache | undefined): Promise<TypedArray> {
    const res = await this.#fn(r, out, cache);
    this.#check(res, r, n, "result");
    return res;
  }

  #check(a: unknown, r: readonly IndexRange[], n: number, what: "out" | "result"): void {
    const ok = matchesDType(a, this.dtype) && (a as TypedArray).length === n;
    if (ok) return;
    const want = `a ${dtypeInfo(this.dtype).ctor.name} of ${n} elements (dtype ${this.dtype})`;
    const got = ArrayBuffer.isView(a) && !(a instanceof DataView)
      ? `${a.constructor.name}(${(a as TypedArray).length})`
      : a === null ? "null" : typeof a;
    const msg = what === "out"
      ? `out for ${label(this.name)}region ${formatRegion(r)} is ${got}: expected ${want}`
      : `compute function of ${label(this.name)}returned ${got} for region ${formatRegion(r)}: expected ${want}`;
    throw what === "out" ? new ShapeError(msg) : new ComputeError(msg);
  }

  /** Registered by derive(): this array is an input of a derived array. */
  static addDependent(a: LazyArray): void {
    a.#dependents++;
  }

  /**
   * Elementwise map: `fn` gets each element as stored (numbers; bigint for int64/uint64; 0/1 for bool) and
   * returns the new element (number, bigint or boolean; converted to `dtype`, default this dtype).
   */
  map(fn: (value: any) => number | bigint | boolean, opts: { dtype?: DType; name?: string } = {}): LazyArray {
    const dtype = opts.dtype ?? this.dtype;
    const conv = converter(dtype);
    const ctor = dtypeInfo(dtype).ctor;
    return derive([this], ([src], _region, out) => {
      const s = src as unknown as ArrayLike<number | bigint>;
      const dst = (out ?? new ctor(s.length)) as unknown as { [i: number]: number | bigint };
      for (let i = 0; i < s.length; i++) dst[i] = conv(fn(s[i]!));
      return dst as unknown as TypedArray;
    }, { dtype, ...(opts.name !== undefined ? { name: opts.name } : {}) });
  }

  /** Blockwise map: `fn` gets the computed region of this array (do not mutate it) and returns the new one. */
  mapBlocks(fn: (block: TypedArray, region: readonly IndexRange[], out?: TypedArray) => TypedArray | Promise<TypedArray>, opts: { dtype?: DType; name?: string } = {}): LazyArray {
    return derive([this], (blocks, region, out) => fn(blocks[0]!, region, out), opts);
  }

  /** The sub-array over `region` (one range per axis): its compute offsets regions into this array. */
  subset(region: readonly IndexRange[]): LazyArray {
    const r = checkRegion(region, this.shape, this.name);
    LazyArray.addDependent(this);
    return new LazyArray({
      shape: r.map((x) => x.stop - x.start),
      dtype: this.dtype,
      chunks: r.map((x, axis) => subsetChunks(this.chunks[axis]!, x.start, x.stop)),
      ...(this.name !== undefined ? { name: this.name } : {}),
      compute: (sub, out, cache) =>
        this.compute(sub.map((x, axis) => ({ start: x.start + r[axis]!.start, stop: x.stop + r[axis]!.start })), out, cache),
    });
  }
}

function converter(dtype: DType): (v: number | bigint | boolean) => number | bigint {
  const info = dtypeInfo(dtype);
  if (dtype === "bool") return (v) => (v ? 1 : 0);
  if (info.size === 8 && info.kind !== "f") return (v) => (typeof v === "bigint" ? v : BigInt(v));
  return (v) => (typeof v === "bigint" ? Number(v) : +v);
}

/** A lazily computed array: `lazy({ shape, dtype, chunks, compute })`. */
export function lazy(opts: LazyOptions): LazyArray {
  return new LazyArray(opts);
}

/**
 * A blockwise derived array over aligned inputs (same shape and chunks): for any region, `fn` receives the
 * inputs' computed arrays for that region (shared when cached: do not mutate them) and returns the result
 * (it may fill and return `out`). `shape` and `chunks` are needed only when there are no inputs.
 */
export function derive(
  inputs: readonly LazyArray[],
  fn: (blocks: TypedArray[], region: readonly IndexRange[], out?: TypedArray) => TypedArray | Promise<TypedArray>,
  opts: { dtype?: DType; shape?: readonly number[]; chunks?: ChunksSpec; name?: string } = {},
): LazyArray {
  const first = inputs[0];
  if (!first && (!opts.shape || !opts.chunks || !opts.dtype)) {
    throw new TypeError("derive() with no inputs needs { dtype, shape, chunks }");
  }
  const shape = first ? first.shape : checkShape(opts.shape);
  const chunks = first ? first.chunks : normalizeChunks(shape, opts.chunks, opts.name);
  if (first && opts.shape && (opts.shape.length !== shape.length || opts.shape.some((s, i) => s !== shape[i]))) {
    throw new ShapeError(`derive: shape ${JSON.stringify(opts.shape)} does not match the inputs' shape ${JSON.stringify(shape)}`);
  }
  if (first && opts.chunks && !sameChunks(normalizeChunks(shape, opts.chunks, opts.name), chunks)) {
    throw new ShapeError(`derive: chunks ${JSON.stringify(opts.chunks)} do not match the inputs' chunks ${JSON.stringify(chunks)}`);
  }
  inputs.forEach((a, i) => {
    if (!(a instanceof LazyArray)) throw new TypeError(`derive: input ${i} is not a LazyArray`);
    const who = `input ${i}${a.name !== undefined ? ` (${JSON.stringify(a.name)})` : ""}`;
    if (a.shape.length !== shape.length || a.shape.some((s, k) => s !== shape[k])) {
      throw new ShapeError(`derive: ${who} has shape ${JSON.stringify(a.shape)}, input 0 has ${JSON.stringify(shape)}: inputs must be aligned`);
    }
    const axis = a.chunks.findIndex((c, k) => !sameChunks([c], [chunks[k]!]));
    if (axis >= 0) {
      throw new ShapeError(
        `derive: ${who} has chunks ${JSON.stringify(a.chunks[axis])} on axis ${axis}, input 0 has ${JSON.stringify(chunks[axis])}: inputs must be aligned`,
      );
    }
  });
  for (const a of inputs) LazyArray.addDependent(a);
  return new LazyArray({
    shape,
    chunks,
    dtype: opts.dtype ?? first!.dtype,
    ...(opts.name !== undefined ? { name: opts.name } : {}),
    compute: async (region, out, cache) => {
      const blocks = await Promise.all(inputs.map((a) => a.compute(region, undefined, cache)));
      return fn(blocks, region, out);
    },
  });
}

/** An eager, unchunked n-d array: `fromArray(data, shape)` without chunks. */
export class EagerArray {
  readonly shape: readonly number[];
  constructor(readonly data: TypedArray, shape: readonly number[], readonly dtype: DType = dtypeOf(data)) {
    this.shape = Object.freeze(checkShape(shape));
    if (!matchesDType(data, dtype)) throw new TypeError(`data is ${data.constructor.name}, which cannot hold dtype ${dtype}`);
    if (data.length !== product(this.shape)) {
      throw new ShapeError(`data has ${data.length} elements but shape ${JSON.stringify(shape)} needs ${product(this.shape)}`);
    }
  }

  get ndim(): number {
    return this.shape.length;
  }
}

export interface FromArrayOptions {
  chunks?: ChunksSpec;
  /** Needed only to say "bool" for Uint8Array data; otherwise the TypedArray's own dtype. */
  dtype?: DType;
  name?: string;
}

/**
 * Wrap C-order `data` of `shape`. With `chunks`: a LazyArray whose compute copies the region out of `data`
 * (into `out` when given). Without: an eager, unchunked EagerArray.
 */
export function fromArray(data: TypedArray, shape: readonly number[], opts: FromArrayOptions & { chunks: ChunksSpec }): LazyArray;
export function fromArray(data: TypedArray, shape: readonly number[], opts?: FromArrayOptions): EagerArray | LazyArray;
export function fromArray(data: TypedArray, shape: readonly number[], opts: FromArrayOptions = {}): EagerArray | LazyArray {
  if (!ArrayBuffer.isView(data) || data instanceof DataView) throw new TypeError(`fromArray: data must be a TypedArray`);
  const eager = new EagerArray(data, shape, opts.dtype ?? dtypeOf(data));
  if (opts.chunks === undefined) return eager;
  const ctor = dtypeInfo(eager.dtype).ctor;
  return new LazyArray({
    shape: eager.shape,
    dtype: eager.dtype,
    chunks: opts.chunks,
    ...(opts.name !== undefined ? { name: opts.name } : {}),
    compute: (region, out) => copyRegion(data, eager.shape, region, out ?? new ctor(regionSize(region))),
  });
}

/**
 * An array of `shape` full of `value`, filled by the WASM fill kernel (bitwise: -0.0 and NaN kept). With
 * `chunks`: a LazyArray filling each region on demand; without: an EagerArray.
 */
export function full(shape: readonly number[], dtype: DType, value: number | bigint | boolean, opts: { chunks: ChunksSpec; name?: string }): LazyArray;
export function full(shape: readonly number[], dtype: DType, value: number | bigint | boolean, opts?: { chunks?: ChunksSpec; name?: string }): LazyArray | EagerArray;
export function full(shape: readonly number[], dtype: DType, value: number | bigint | boolean, opts: { chunks?: ChunksSpec; name?: string } = {}): LazyArray | EagerArray {
  const ctor = dtypeInfo(dtype).ctor;
  const s = checkShape(shape, opts.name);
  if (opts.chunks === undefined) return new EagerArray(fill(new ctor(product(s)), value, dtype), s, dtype);
  return new LazyArray({
    shape: s,
    dtype,
    chunks: opts.chunks,
    ...(opts.name !== undefined ? { name: opts.name } : {}),
    compute: (region, out) => fill(out ?? new ctor(regionSize(region)), value, dtype),
  });
}
