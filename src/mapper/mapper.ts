// PartitionMapper: the original's `da.partition.map(store, ranks, dims, func, data)`. The partition is `da`'s
// (its chunks along `dims` are the output's chunks); rank r computes `func(data.isel(region r))` and writes it
// into that region of the store. The store is initialised from the output of rank 0's region, reindexed to
// the full extent of `dims` and turned into a lazy zeros template: nothing but metadata (and the unchunked
// dimension coordinates) is written by the initialisation.
import { DataArray } from "../model/dataarray.js";
import { Dataset } from "../model/dataset.js";
import { LazyArray } from "../model/lazy.js";
import { zerosLike } from "../model/zeros.js";
import type { Chunked, Region } from "../plan/blocks.js";
import { partitionIndexers } from "../plan/partition.js";
import type { StoreLike } from "../store/index.js";
import type { EngineHooks } from "../write/chunks.js";
import { WriteSpecError } from "../write/errors.js";
import { initializeStore, type InitializeOptions } from "../write/initialize.js";
import { writeRegion } from "../write/region.js";
import type { Schema } from "../write/schema.js";
import type { CompletionRecord, WriteOptions } from "../write/write.js";

const q = JSON.stringify;
const own = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

/** Takes a region of the input, returns the output for that region (possibly asynchronously). */
export type MapFunction = (data: Dataset) => Dataset | Promise<Dataset>;

/** initializeStore's options (the plan is the mapper's). */
export type MapperOptions = Omit<InitializeOptions, "plan">;

export class PartitionMapperError extends Error {
  override name = "PartitionMapperError";
}

const isDimCoord = (v: DataArray): boolean => v.dims.length === 1 && v.dims[0] === v.name;

/** The original's check: names of unchunked non-dimension coordinates, then unchunked data variables. */
export function unchunkedOutputNames(ds: Dataset): string[] {
  const sizes = ds.sizes;
  const coords = Object.values(ds.coords).filter((c) => !c.chunked && !own(sizes, c.name!)).map((c) => c.name!);
  const vars = Object.values(ds.dataVars).filter((v) => !v.chunked).map((v) => v.name!);
  return [...coords, ...vars];
}

function validateOutput(ds: Dataset): void {
  const bad = unchunkedOutputNames(ds);
  if (bad.length) {
    throw new PartitionMapperError(
      `The PartitionMapper approach does not support writing datasets that contain unchunked non-dimension coordinates or ` +
        `data variables: func's output has ${bad.map((b) => q(b)).join(", ")}. Chunk or drop them in func, or write with ` +
        `initializeStore and write instead.`,
    );
  }
}

const arange = (start: number, n: number): Float64Array => Float64Array.from({ length: n }, (_, i) => start + i);

export class PartitionMapper {
  readonly store: StoreLike;
  /** Number of ranks (`mapper.ranks` lists them). */
  readonly rankCount: number;
  readonly dims: readonly string[];
  readonly func: MapFunction;
  readonly data: Dataset;
  readonly options: MapperOptions;
  readonly #partitioner: Chunked;
  #initialized: Promise<Schema> | undefined;

  constructor(partitioner: Chunked, store: StoreLike, ranks: number, dims: readonly string[], func: MapFunction, data: Dataset, options: MapperOptions = {}) {
    if (typeof func !== "function") throw new TypeError(`PartitionMapper: func must be a function taking and returning a Dataset, got ${typeof func}`);
    if (!(data instanceof Dataset)) throw new TypeError(`PartitionMapper: data must be a Dataset, got ${String(data)}`);
    if (!Array.isArray(dims) || dims.length === 0) throw new TypeError(`PartitionMapper: dims must be a non-empty list of dimension names, got ${q(dims)}`);
    for (const d of dims) {
      if (!partitioner.dims.includes(d)) throw new PartitionMapperError(`PartitionMapper: partition dimension ${q(d)} is not a dimension of the partitioned array (${partitioner.dims.join(", ")})`);
    }
    if (partitioner.chunks === null) throw new PartitionMapperError(`PartitionMapper: the partitioned array ${q(partitioner.name)} is not chunked`);
    this.#partitioner = partitioner;
    this.store = store;
    this.rankCount = ranks;
    this.dims = Object.freeze([...dims]);
    this.func = func;
    this.data = data;
    this.options = options;
    partitionIndexers(partitioner, ranks, 0, dims); // ranks and dims checked now
  }

  /** 0, 1, ..., ranks - 1. */
  get ranks(): number[] {
    return Array.from({ length: this.rankCount }, (_, i) => i);
  }

  /** The output chunks along the partition dims: the partitioned array's. */
  get outputChunks(): Record<string, number[]> {
    const p = this.#partitioner;
    return Object.fromEntries(this.dims.map((d) => [d, [...p.chunks![p.dims.indexOf(d)]!]]));
  }

  /** The input region of `rank` (every dim of the partitioned array), or null when it has nothing to do. */
  region(rank: number): Region | null {
    return partitionIndexers(this.#partitioner, this.rankCount, rank, this.dims);
  }

  async #apply(region: Region): Promise<Dataset> {
    const sizes = this.data.sizes;
    const input = this.data.isel(Object.fromEntries(Object.entries(region).filter(([d]) => own(sizes, d))));
    const out = await this.func(input);
    if (!(out instanceof Dataset)) throw new PartitionMapperError(`PartitionMapper: func must return a Dataset, it returned ${out === null ? "null" : typeof out}`);
    return out;
  }

  /** The store's template: func's output for rank 0, over the full extent of the partition dims, as zeros. */
  async template(): Promise<Dataset> {
    const region = this.region(0);
    if (!region) throw new PartitionMapperError("PartitionMapper: rank 0 has no region (the partitioned array is empty)");
    let out = await this.#apply(region);
    validateOutput(out);
    const sizes = out.sizes;
    const dims = this.dims.filter((d) => own(sizes, d));
    // Dims without a coordinate get one for the reindex (as the original does), dropped after.
    const temporary = dims.filter((d) => !out.coords[d]);
    out = out.assignCoords(Object.fromEntries(temporary.map((d) => [d, arange(region[d]?.start ?? 0, sizes[d]!)])));
    const full = Object.fromEntries(dims.map((d) => {
      const c = this.data.coords[d];
      return [d, !temporary.includes(d) && c && isDimCoord(c) && !c.chunked ? c : arange(0, this.data.sizes[d] ?? 0)];
    }));
    const chunks = Object.fromEntries(dims.map((d) => [d, this.outputChunks[d]!]));
    let schema = zerosLike(out.reindex(full), chunks);
    // Chunked coordinates take the output chunks too (their regions are written by the ranks).
    const coords = Object.fromEntries(Object.entries(schema.coords).map(([k, c]) => {
      const spec = Object.fromEntries(Object.entries(chunks).filter(([d]) => c.dims.includes(d)));
      return [k, c.chunked && Object.keys(spec).length ? c.chunk(spec) : c];
    }));
    schema = new Dataset({ coords, dataVars: schema.dataVars, attrs: schema.attrs });
    return temporary.length ? schema.dropVars(temporary) : schema;
  }

  /**
   * Initialise the store from the template (once; later calls return the same promise). `overrides` (e.g. the
   * CLI's mode, or the plan's recorded source) go over the mapper's options; its plan's ranks and dims are its own.
   */
  initialize(overrides: InitializeOptions = {}): Promise<Schema> {
    const plan = { ...(overrides.plan ?? {}), ranks: this.rankCount, dims: this.dims };
    return (this.#initialized ??= (async () => initializeStore(await this.template(), this.store, { ...this.options, ...overrides, plan }))());
  }

  /** A dataset of one lazy zeros variable chunked as the partitioned array: what plan reports describe. */
  partitionDataset(): Dataset {
    const p = this.#partitioner;
    const shape = p.chunks!.map((c) => c.reduce((a, b) => a + b, 0));
    const data = new LazyArray({ shape, dtype: "uint8", chunks: p.chunks!, compute: () => { throw new PartitionMapperError("the partition template is not computed"); } });
    return new Dataset({ dataVars: { partition: { dims: p.dims, data } } });
  }

  /**
   * Compute func over `rank`'s region and write its chunked variables there, with the rank's completion
   * record; a rank with no region writes an idle record. The store must be initialised.
   */
  async write(rank: number, options: WriteOptions & EngineHooks = {}): Promise<CompletionRecord> {
    const region = this.region(rank);
    const base = { ...options, rank, ranks: this.rankCount, dims: this.dims };
    if (!region) return (await writeRegion(new Dataset(), this.store, {}, base))!;
    const out = await this.#apply(region);
    const drop = Object.values(out.variables).filter((v) => !v.chunked).map((v) => v.name!);
    const written = drop.length ? out.dropVars(drop) : out;
    const sizes = written.sizes;
    const reg = Object.fromEntries(Object.entries(region).filter(([d]) => own(sizes, d)));
    return (await writeRegion(written, this.store, reg, base))!;
  }

  /** Initialises the store, then yields each rank. */
  async *[Symbol.asyncIterator](): AsyncGenerator<number> {
    await this.initialize();
    for (const r of this.ranks) yield r;
  }
}

/** A Dataset's chunks along `dims` as one Chunked (every chunked variable along a dim must agree). */
export function datasetPartitioner(ds: Dataset, dims: readonly string[]): Chunked {
  const chunks: number[][] = [];
  for (const d of dims) {
    let found: { name: string; c: readonly number[] } | undefined;
    for (const v of Object.values(ds.variables)) {
      const axis = v.dims.indexOf(d);
      if (axis < 0 || !v.chunks) continue;
      const c = v.chunks[axis]!;
      if (found && q(found.c) !== q(c)) {
        throw new WriteSpecError(`partition.map: variables ${q(found.name)} and ${q(v.name)} are chunked differently along ${q(d)} (${q(found.c)} and ${q(c)}): map over one of them (da.partition.map)`);
      }
      found ??= { name: v.name!, c };
    }
    if (!found) throw new WriteSpecError(`partition.map: no chunked variable of the dataset has dimension ${q(d)}`);
    chunks.push([...found.c]);
  }
  return { dims, chunks, name: "the dataset" };
}
