// writeRegion: xarray's `to_zarr(region=...)`. `ds` holds exactly the region of an initialised store (each
// dim of `region` has the region's length in `ds`; every other dim is whole); its variables' names, dims,
// dtypes, fill values and codecs must be the recorded schema's, and the region must fall on each variable's
// chunk grid (its shard grid when sharded). Written by the writer's machinery (./write.ts: memory budget,
// encode threads, atomic chunk sets, the generation fence) and, when `rank` is given, with that rank's
// manifest and completion record, so that `status`, `verify` and `--resume` see it like any rank.
import { DataArray } from "../model/dataarray.js";
import { Dataset } from "../model/dataset.js";
import { LazyArray } from "../model/lazy.js";
import type { IndexRange } from "../plan/blocks.js";
import { readPlan } from "../run/records.js";
import type { StoreLike } from "../store/index.js";
import type { EngineHooks } from "./chunks.js";
import type { VariableEncoding } from "./encoding.js";
import { WriteSpecError } from "./errors.js";
import { adoptRecordedShards } from "./inner-chunks.js";
import { planDataset } from "./plan.js";
import { assertSchemaMatches, planFingerprint, schemaOf, type Schema } from "./schema.js";
import { openForWrite, writeSettings, writeWork, type CompletionRecord, type WorkItem, type WriteOptions } from "./write.js";

const q = JSON.stringify;
const own = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

export interface RegionWriteOptions extends WriteOptions, EngineHooks {
  /** Write this rank's manifest and completion record (of `ranks` over `dims`, default: the store's plan). */
  rank?: number;
  ranks?: number;
  dims?: readonly string[];
}

function checkRegionArg(region: unknown): Record<string, IndexRange> {
  if (typeof region !== "object" || region === null || Array.isArray(region)) {
    throw new WriteSpecError(`writeRegion: region must be an object of dim: { start, stop }, got ${q(region)}`);
  }
  const out: Record<string, IndexRange> = {};
  for (const [dim, r] of Object.entries(region as Record<string, unknown>)) {
    const { start, stop } = (r ?? {}) as { start?: unknown; stop?: unknown };
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(stop) || (start as number) < 0 || (stop as number) < (start as number)) {
      throw new WriteSpecError(`writeRegion: the region along dimension ${q(dim)} must be { start, stop } with integers 0 <= start <= stop, got ${q(r)}`);
    }
    out[dim] = { start: start as number, stop: stop as number };
  }
  return out;
}

/**
 * Write `ds` into `region` of `store` (see the file comment). Returns the completion record when `rank` is
 * given. Everything is checked before any chunk is written.
 */
export async function writeRegion(
  ds: Dataset, store: StoreLike, region: Record<string, IndexRange>, options: RegionWriteOptions = {},
): Promise<CompletionRecord | undefined> {
  const started = new Date();
  const t0 = performance.now();
  if (!(ds instanceof Dataset)) throw new WriteSpecError(`writeRegion: expected a Dataset, got ${String(ds)}`);
  const reg = checkRegionArg(region);
  const sizes = ds.sizes;
  for (const [dim, r] of Object.entries(reg)) {
    if (!own(sizes, dim)) {
      throw new WriteSpecError(`writeRegion: region names dimension ${q(dim)}, which the dataset does not have; its dimensions: ${Object.keys(sizes).map((d) => q(d)).join(", ") || "none"}`);
    }
    if (sizes[dim] !== r.stop - r.start) {
      throw new WriteSpecError(`writeRegion: dimension ${q(dim)} has size ${sizes[dim]} in the dataset, but the region ${r.start}:${r.stop} along it has ${r.stop - r.start}: the dataset must hold exactly the region`);
    }
  }
  const { rank } = options;
  if (rank !== undefined && (!Number.isSafeInteger(rank) || rank < 0)) throw new WriteSpecError(`writeRegion: rank must be an integer >= 0, got ${q(rank)}`);
  const settings = writeSettings(options);
  const { ops, where, generation, checkedAt, recorded } = await openForWrite(store, options, settings.writeEmptyChunks);

  // Each variable as a full-size array on the store's grid, computing (only inside the region) from ds's.
  const virtual = (v: DataArray): DataArray => {
    const name = v.name!;
    // As xarray: every writer of a region would write such a variable whole, into the same chunks.
    const regionDims = Object.keys(reg);
    if (regionDims.length && !v.dims.some((d) => own(reg, d))) {
      throw new WriteSpecError(`writeRegion: variable ${q(name)} (dims [${v.dims.join(", ")}]) has none of the region's dimensions (${regionDims.join(", ")}); drop it from the dataset`);
    }
    const rec = recorded.variables[name];
    if (!rec) {
      throw new WriteSpecError(`writeRegion: variable ${q(name)} is not in the store's schema; its variables: ${Object.keys(recorded.variables).map((k) => q(k)).join(", ")}`);
    }
    if (rec.chunks === null) {
      throw new WriteSpecError(`writeRegion: variable ${q(name)} was written whole by initializeStore (it is unchunked there); drop it from the dataset to write a region`);
    }
    if (q(rec.dims) !== q(v.dims)) throw new WriteSpecError(`writeRegion: variable ${q(name)} has dims [${v.dims.join(", ")}], the store's has [${rec.dims.join(", ")}]`);
    const offset: number[] = [];
    v.dims.forEach((d, axis) => {
      const full = rec.shape[axis]!, grid = rec.chunks![axis]!;
      const r = reg[d];
      if (!r) {
        if (v.shape[axis] !== full) {
          throw new WriteSpecError(`writeRegion: variable ${q(name)}: dimension ${q(d)} is not in the region, so the dataset must hold all of it (${full} in the store), but it has ${v.shape[axis]}`);
        }
        offset.push(0);
        return;
      }
      if (r.stop > full) throw new WriteSpecError(`writeRegion: variable ${q(name)}: the region ${r.start}:${r.stop} along dimension ${q(d)} goes past its length ${full} in the store`);
      if (r.start < r.stop && (r.start % grid !== 0 || (r.stop % grid !== 0 && r.stop !== full))) {
        const what = rec.shards ? "shard" : "chunk";
        throw new WriteSpecError(
          `writeRegion: variable ${q(name)}: the region ${r.start}:${r.stop} along dimension ${q(d)} is not aligned to its ${what}s of length ${grid} ` +
            `(a region must start at a multiple of ${grid} and stop at one or at the end, ${full}): two writers could share a ${what}`,
        );
      }
      offset.push(r.start);
    });
    const enc = v.encoding as VariableEncoding;
    // encoding.shards names the inner chunks as the variable's chunks; otherwise the chunks are the grid's.
    const chunks = enc.shards !== undefined && rec.shards ? rec.shards.chunks : rec.chunks;
    const data = new LazyArray({
      shape: rec.shape, dtype: v.dtype, chunks, name,
      compute: (r, out, cache) => v.compute(r.map((x, a) => ({ start: x.start - offset[a]!, stop: x.stop - offset[a]! })), out, cache),
    });
    return new DataArray({ name, dims: v.dims, data, attrs: v.attrs, encoding: v.encoding, dtype: v.dtype });
  };
  const m = (vars: Readonly<Record<string, DataArray>>) => Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, virtual(v)]));
  const full = new Dataset({ coords: m(ds.coords), dataVars: m(ds.dataVars), attrs: ds.attrs });
  const plan = planDataset(full, { zarrFormat: recorded.zarrFormat, consolidated: recorded.consolidated, encoding: adoptRecordedShards(full, recorded, options.encoding) });
  const schema = schemaOf(plan);
  // Only the variables written are compared (a region write may hold a subset); attributes are init's.
  const names = new Set(Object.keys(schema.variables));
  const subset: Schema = { ...recorded, variables: Object.fromEntries(Object.entries(recorded.variables).filter(([k]) => names.has(k))) };
  assertSchemaMatches(subset, schema);

  const work: WorkItem[] = [];
  for (const v of [...plan.variables].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const ranges = v.dims.map((d, axis) => reg[d] ?? { start: 0, stop: v.shape[axis]! });
    if (ranges.some((x) => x.stop <= x.start)) continue;
    work.push({ v, region: ranges });
  }
  let record: Parameters<typeof writeWork>[0]["record"];
  if (rank !== undefined) {
    const recordedPlan = await readPlan(ops, `${where}: `);
    const ranks = options.ranks ?? recordedPlan?.ranks;
    const dims = options.dims ?? recordedPlan?.dims;
    if (ranks === undefined || dims === undefined) {
      throw new WriteSpecError(`writeRegion: rank ${rank} given, but neither ranks and dims nor a plan recorded in the store (/.xpartition/plan.json) say what it is a rank of`);
    }
    if (!(rank < ranks)) throw new WriteSpecError(`writeRegion: rank ${rank} is not below ranks ${ranks}`);
    record = { rank, ranks, dims, fingerprint: planFingerprint(recorded, ranks, dims) };
  }
  return writeWork({ ops, where, generation, checkedAt, format: plan.format, work, settings, options, started, t0, record });
}
