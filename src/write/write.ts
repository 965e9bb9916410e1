// write: one rank's part of every chunked variable, streamed in blocks of whole chunks under a memory budget,
// then its manifest (every chunk's key, length and XXH64) and its completion record — last, atomically. The
// store's generation (./state.ts) is read first and checked after each block and before the record: a store
// removed or initialised again meanwhile stops the rank, with no record.
import type { Dataset } from "../model/dataset.js";
import { ComputeCache } from "../model/lazy.js";
import { dtypeInfo } from "../model/dtypes.js";
import { datasetPartitionIndexers } from "../plan/partition.js";
import { regionToRanges, type IndexRange } from "../plan/blocks.js";
import { requireOps, StoreOps, type StoreLike } from "../store/index.js";
import { jsonBytes } from "../zarr/json.js";
import type { VariableEncoding } from "./encoding.js";
import { StoreStateError, WriteSpecError } from "./errors.js";
import { blocksOf } from "./blocks.js";
import { engine, fmtRegion, writeBlock, type EngineHooks } from "./chunks.js";
import { openStore, startWrites, storeName } from "./initialize.js";
import { RankOffload } from "../run/encode-pool.js";
import { planDataset, type DatasetPlan, type VariablePlan } from "./plan.js";
import { adoptRecordedShards } from "./inner-chunks.js";
import { setSourceCacheBudget } from "../sources/chunk-cache.js";
import { amplificationWarning } from "./amplification.js";
import { planningCollection } from "./sharding.js";
import { assertSchemaMatches, attrsWarning, planFingerprint, readSchema, recordKey, schemaOf, type Schema } from "./schema.js";
import { xxh64Hex } from "../kernels/xxh64.js";
import { checkGeneration, GenerationChangedError, manifestKey, requireCompleteInit } from "./state.js";

export const DEFAULT_MEMORY_BUDGET = 256 * 1024 * 1024;

export interface WriteOptions {
  /** Bytes of computed data held at once (default 256 MiB); raised to one chunk if a chunk is larger. */
  memoryBudget?: number;
  /** Concurrent store writes (default: the store's `preferredConcurrency` if it has one, else 8). */
  storeConcurrency?: number;
  /** Threads slicing and encoding chunks, pipelined with the compute on this thread (default 1: none). */
  concurrency?: number;
  /** Compute variables with identical regions together, sharing inputs (default false). */
  collectVariableWrites?: boolean;
  /** Write chunks equal to the fill value everywhere (default true); false skips them and deletes stale ones. */
  writeEmptyChunks?: boolean;
  /** fsync each chunk file before its rename and the directory after (default false). */
  durable?: boolean;
  /** The encoding overrides given to initializeStore, if any. */
  encoding?: Record<string, VariableEncoding>;
  /** Receives warnings (default: console.warn). */
  onWarning?: (message: string) => void;
}

export interface PartitionOptions extends WriteOptions, EngineHooks {
  ranks: number;
  dims: readonly string[];
  rank: number;
}

export interface CompletionRecord {
  rank: number;
  ranks: number;
  dims: string[];
  /** sha256 of the schema and the plan (ranks, dims): the record is valid only for these. */
  fingerprint: string;
  idle: boolean;
  chunks: number;
  skippedEmptyChunks: number;
  bytesIn: number;
  bytesOut: number;
  /** Order-independent digest of every written chunk's key and bytes. */
  digest: string;
  /** XXH64 (hex) of the rank's manifest, `/.xpartition/ranks/<rank>.chunks`. */
  manifest: string;
  /** The store's initialisation this rank wrote into (`/.xpartition/init.json`'s generation). */
  generation: string;
  variables: Record<string, { region: [number, number][]; chunks: number }>;
  timings: { startedAt: string; finishedAt: string; seconds: number; computeSeconds: number; encodeSeconds: number; storeSeconds: number };
}

function checkPositive(name: string, v: number | undefined, def: number): number {
  if (v === undefined) return def;
  if (typeof v !== "number" || !Number.isFinite(v) || v < 1) throw new WriteSpecError(`${name} must be a positive number, got ${String(v)}`);
  return Math.floor(v);
}

export async function writePartition(ds: Dataset, store: StoreLike, options: PartitionOptions): Promise<CompletionRecord> {
  const started = new Date();
  const t0 = performance.now();
  const { ranks, dims, rank } = options ?? ({} as PartitionOptions);
  // Plan first: bad ranks/rank/dims are errors before the store is even read.
  // On each variable's zarr chunk grid: for sharded variables the SHARD grid, so no two ranks share a shard.
  const regions = datasetPartitionIndexers(planningCollection(ds, options.encoding), ranks, rank, dims);
  const settings = writeSettings(options);
  const { ops, where, generation, checkedAt, recorded } = await openForWrite(store, options, settings.writeEmptyChunks);
  // A variable chunked as the store's shards adopts the recorded inner chunks (initializeStore's innerChunks).
  const encoding = adoptRecordedShards(ds, recorded, options.encoding);
  const plan = planDataset(ds, { zarrFormat: recorded.zarrFormat, consolidated: recorded.consolidated, encoding });
  const schema = schemaOf(plan);
  assertSchemaMatches(recorded, schema);
  const attrsChanged = attrsWarning(recorded, schema);
  if (attrsChanged) settings.warn(attrsChanged);
  const fingerprint = planFingerprint(schema, ranks, dims);

  // Variables in name order, each with its region (array ranges), skipping idle ones.
  const work: WorkItem[] = [];
  for (const v of [...plan.variables].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const r = regions[v.name];
    if (!r || v.chunks === null) continue;
    const ranges = regionToRanges(v.source, r);
    if (ranges.some((x) => x.stop <= x.start)) continue;
    work.push({ v, region: ranges });
  }
  return (await writeWork({ ops, where, generation, checkedAt, format: plan.format, work, settings, options, started, t0, record: { rank, ranks, dims, fingerprint } }))!;
}

/** The writer's settings, checked (before the store is read). */
export interface WriteSettings {
  budget0: number;
  storeConcurrency: number;
  threads: number;
  writeEmptyChunks: boolean;
  warn: (m: string) => void;
}

export function writeSettings(options: WriteOptions): WriteSettings {
  return {
    budget0: checkPositive("memoryBudget", options.memoryBudget, DEFAULT_MEMORY_BUDGET),
    storeConcurrency: checkPositive("storeConcurrency", options.storeConcurrency, 8),
    threads: checkPositive("concurrency", options.concurrency, 1),
    writeEmptyChunks: options.writeEmptyChunks ?? true,
    warn: options.onWarning ?? ((m: string) => console.warn(m)),
  };
}

/** The store opened for writing: its initialisation must be complete; its generation and recorded schema. */
export async function openForWrite(
  store: StoreLike, options: WriteOptions, writeEmptyChunks: boolean,
): Promise<{ ops: StoreOps; where: string; generation: string; checkedAt: number; recorded: Schema }> {
  const ops = openStore(store, options.durable);
  if (!writeEmptyChunks) requireOps(ops, { delete: true }, "writeEmptyChunks: false (deleting stale empty chunks)");
  startWrites(ops);
  const where = storeName(store);
  // The schema is read beside the init state (on an object store: one round trip, not two); the state's error
  // (not initialised, incomplete) comes first.
  const schema = readSchema(ops);
  schema.catch(() => {});
  const generation = await requireCompleteInit(ops, where);
  const checkedAt = performance.now();
  const recorded = await schema;
  if (!recorded) throw new StoreStateError(`${where}: its initialisation is complete but it has no /.xpartition/schema.json: re-initialise it with mode "w"`);
  return { ops, where, generation, checkedAt, recorded };
}

/** A variable and the array ranges of it to write (whole chunks of its grid, or up to the array's end). */
export interface WorkItem {
  v: VariablePlan;
  region: IndexRange[];
}

/**
 * Write the work items under the budget, with encode threads, fenced on the generation; then, when `record`
 * is given, the rank's manifest and completion record (last). Shared by writePartition and writeRegion.
 */
export async function writeWork(args: {
  ops: StoreOps; where: string; generation: string; format: DatasetPlan["format"];
  /** When the generation was last read (performance.now()): the fence's window starts there. */
  checkedAt?: number; work: WorkItem[]; settings: WriteSettings;
  options: WriteOptions & EngineHooks; started: Date; t0: number;
  record?: { rank: number; ranks: number; dims: readonly string[]; fingerprint: string };
}): Promise<CompletionRecord | undefined> {
  const { ops, where, generation, work, options, started, t0 } = args;
  const { budget0, threads, writeEmptyChunks, warn } = args.settings;
  // No storeConcurrency given: the store's own preference (an S3Store wants more writes in flight than a disk).
  const preferred = ops.store.preferredConcurrency;
  const storeConcurrency = options.storeConcurrency === undefined && Number.isSafeInteger(preferred) && preferred! >= 1 ? preferred! : args.settings.storeConcurrency;
  const fence = () => checkGeneration(ops, generation, where);
  // Chunk writes are fenced too (encoded chunks can reach the store long after their block was computed).
  const fenced = new FencedOps(ops.store, fence, args.checkedAt);
  const ctx = engine(fenced, args.format, storeConcurrency, writeEmptyChunks);
  // Encoded shards waiting for the store are held to half the budget (always at least one), so that a sharded
  // rank's peak stays near a chunked one's (chunks are small: the pool bounds them by number).
  ctx.pool.maxBytes = budget0 / 2;
  // Staged copies (the writer thread's reused buffers) count against the budget too: at most a quarter of it
  // in flight (one value is always let through).
  if (ctx.stageInFlight !== undefined) ctx.stageInFlight = Math.min(ctx.stageInFlight, Math.max(1 << 20, Math.floor(budget0 / 4)));
  // Source chunks a block reads in part are kept for the next block, within the same budget (issue 11).
  setSourceCacheBudget(budget0);
  const amplified = amplificationWarning(work, budget0);
  if (amplified) warn(amplified);
  // Hooks for src/run: progress, cancellation, and encode threads.
  // After each block's compute: a check of its own, or, on a store that declares a window (fenceIntervalMs),
  // the writes' (on S3 a read per block was 71 of the 252 requests of a D1 write, each a round trip the
  // block's encoding waited for).
  const blockFence = ops.store.fenceIntervalMs === undefined ? fence : () => fenced.fence();
  ctx.hooks = { onChunk: options.onChunk, signal: options.signal, offload: threads > 1 ? new RankOffload(threads) : undefined, fence: blockFence };
  options.signal?.throwIfAborted();
  const perVar: CompletionRecord["variables"] = {};
  let computed = false;
  const budgetFor = (vs: VariablePlan[]): number => {
    const chunk = Math.max(...vs.map((v) => v.chunkShape.reduce((p, c) => p * c, dtypeInfo(v.dtype).size)));
    if (chunk > budget0) {
      const what = vs.some((v) => v.shard) ? "shard" : "chunk";
      warn(`xpartition: a ${what} of ${vs.map((v) => v.name).join(", ")} is ${chunk} bytes, more than memoryBudget ${budget0}: using one ${what} per block`);
      return chunk;
    }
    return budget0;
  };
  const elemSize = (vs: VariablePlan[]): number => Math.max(...vs.map((v) => dtypeInfo(v.dtype).size));
  try {
    if (options.collectVariableWrites) {
      // Variables with the same region and chunk shape go through the same blocks; a cache per block lets
      // inputs they share be computed once.
      const groups = new Map<string, WorkItem[]>();
      for (const w of work) {
        const key = JSON.stringify([w.v.dims, w.region, w.v.chunkShape]);
        groups.set(key, [...(groups.get(key) ?? []), w]);
      }
      for (const group of groups.values()) {
        const vs = group.map((g) => g.v);
        for (const g of group) perVar[g.v.name] = { region: g.region.map((r) => [r.start, r.stop]), chunks: 0 };
        for (const block of blocksOf(group[0]!.region, vs[0]!.chunkShape, elemSize(vs), budgetFor(vs))) {
          const cache = new ComputeCache();
          for (const v of vs) perVar[v.name]!.chunks += await writeBlock(ctx, v, block, cache);
        }
      }
    } else {
      for (const { v, region } of work) {
        perVar[v.name] = { region: region.map((r) => [r.start, r.stop]), chunks: 0 };
        for (const block of blocksOf(region, v.chunkShape, dtypeInfo(v.dtype).size, budgetFor([v]))) {
          perVar[v.name]!.chunks += await writeBlock(ctx, v, block);
        }
      }
    }
    await ctx.hooks.offload?.drain();
    // Everything is computed: the source cache is not needed any more (it is the thread's: cleared now, not
    // after the drain, when a next rank may be using it), and the caller may start its next rank meanwhile.
    computed = true;
    setSourceCacheBudget(0);
    options.onComputed?.();
    await ctx.pool.drain();
  } catch (e) {
    // Chunks already handed to the store finish (each is atomic); no completion record is written.
    await ctx.hooks.offload?.settle();
    await ctx.pool.settle();
    throw e instanceof Error && e.cause instanceof GenerationChangedError ? e.cause : e;
  } finally {
    if (!computed) setSourceCacheBudget(0);
  }
  if (!args.record) {
    await fence();
    return undefined;
  }
  const { rank, ranks, dims, fingerprint } = args.record;
  // The manifest, then the record, each only while the store is still the one this rank started on.
  const manifest = ctx.tally.manifest();
  await fence();
  await ops.set(manifestKey(rank), manifest);
  const t = ctx.tally;
  const record: CompletionRecord = {
    rank, ranks, dims: [...dims], fingerprint, idle: work.length === 0,
    chunks: t.chunks, skippedEmptyChunks: t.skippedEmpty, bytesIn: t.bytesIn, bytesOut: t.bytesOut, digest: t.digest,
    manifest: xxh64Hex(manifest), generation, variables: perVar,
    timings: {
      startedAt: started.toISOString(), finishedAt: new Date().toISOString(), seconds: (performance.now() - t0) / 1000,
      computeSeconds: t.computeSeconds, encodeSeconds: t.encodeSeconds, storeSeconds: ctx.pool.storeSeconds,
    },
  };
  await fence();
  await ops.set(recordKey(rank), jsonBytes(record, 2));
  return record;
}

/**
 * Store operations that first check the store's generation: one check serves every operation started within
 * the fence window of its end (FENCE_MS, or the store's own `fenceIntervalMs`: an object store, whose reads
 * cost a round trip that the writes behind it would wait for, checks about once a second), so a writer left
 * over from before a re-initialisation writes at most for that long plus the writes in flight.
 */
const FENCE_MS = 5;
class FencedOps extends StoreOps {
  private checking: Promise<void> | undefined;
  constructor(store: StoreOps["store"], private readonly check: () => Promise<void>, private checkedAt = -Infinity) {
    super(store);
  }

  /** A check, unless one ended within the window. */
  fence(): Promise<void> {
    if (performance.now() - this.checkedAt < (this.store.fenceIntervalMs ?? FENCE_MS)) return Promise.resolve();
    return (this.checking ??= this.check().then(
      () => { this.checkedAt = performance.now(); this.checking = undefined; },
      (e) => { this.checking = undefined; throw e; },
    ));
  }

  override async set(key: string, value: Uint8Array, owned = false): Promise<void> {
    await this.fence();
    return super.set(key, value, owned);
  }

  override async delete(key: string): Promise<void> {
    await this.fence();
    return super.delete(key);
  }
}

/** A rank's completion record, or undefined if it has none. */
export async function readCompletionRecord(store: StoreLike, rank: number): Promise<CompletionRecord | undefined> {
  const b = await openStore(store, undefined).get(recordKey(rank));
  return b ? (JSON.parse(new TextDecoder().decode(b)) as CompletionRecord) : undefined;
}

export { fmtRegion };
