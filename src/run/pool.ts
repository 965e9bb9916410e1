// writeAll: every rank of a partitioned write on a pool of worker threads on this machine — the TypeScript
// form of the original's mappable_write over a process pool. Each worker imports the dataset module itself,
// builds the dataset lazily and writes the ranks it is handed, one at a time (a rank's last store writes and
// its record overlap the next rank's compute: threads.ts); the calling thread initialises
// the store, hands out ranks and aggregates progress. Node (worker_threads) and Deno (its node:worker_threads).
import type { Dataset } from "../model/dataset.js";
import { discardPrestarted, runTaskPool, setupPrestarted } from "./threads.js";
import { availableCores, prestartPoolWorkers, WORKER_URL } from "./prestart.js";
export { availableCores } from "./prestart.js";
import { loadDatasetExport, moduleUrl } from "./load.js";
import { checkPlan, PlanError, readPlan, readRankStatuses, SCHEMA_KEY, validatePlan, writePlan, type KeyStore } from "./records.js";
import { readInitState, requireCompleteInit } from "../write/state.js";
import { describePlan, expectedFingerprint, initializeStore, isDataset, resolveStore } from "./backend.js";
import { describeStore, openStoreFromOptions, resolveStore as resolveStoreArg, storeOptions, StoreError, type Store, type StoreOptions } from "../store/index.js";
import { writeRank } from "./rank-runner.js";
import type { ItemContext } from "./serve.js";
import type { WorkerData, ChunkProgress } from "./worker.js";
import { mapperDefaults } from "../mapper/run.js";
import { openSource, sourceSpecDifference, sourceZarrFormat, type SourceSpec } from "../sources/source-spec.js";
import { sourceFormat } from "../sources/detect.js";

/** Options of initializeStore (the rest of the options go to each rank's write). */
const INIT_OPTIONS = ["zarrFormat", "consolidated", "encoding", "staleAfter", "innerChunks"] as const;

export interface WriteAllProgress {
  /** What just happened. */
  event: "start" | "chunks" | "rank" | "failed" | "end";
  /** The rank the event is about ("chunks", "rank", "failed"). */
  rank?: number;
  ranks: number;
  /** Ranks written in this call. */
  ranksDone: number;
  /** Ranks skipped because a valid completion record exists (resume). */
  ranksSkipped: number;
  ranksFailed: number;
  /** Chunks of the ranks completed in this call (a failed rank's chunks are never added). */
  chunksDone: number;
  /** Chunks the ranks of this call write (from the plan). */
  chunksTotal: number;
  /** Bytes (uncompressed, encoded) of the chunks of completed ranks. */
  bytesIn: number;
  bytesOut: number;
  /** Chunks and bytes in of ranks still running: added to chunksDone and bytesIn when the rank completes. */
  chunksInFlight: number;
  bytesInFlight: number;
  /** Seconds since writeAll started. */
  elapsed: number;
}

export interface WriteAllOptions {
  /** Path (resolved against `cwd`) or URL of a module whose export is a Dataset or a function returning one. */
  dataset?: string | URL;
  /**
   * Instead of `dataset`: how to rebuild the dataset (openSource's spec: a module, or data sources and their
   * options). Each worker rebuilds it; the store records it (`xpartition write STORE` needs nothing else).
   */
  source?: SourceSpec;
  /** A named export of the module instead of the default. */
  exportName?: string;
  /**
   * A path, a file: URL or a FileSystemStore: each worker thread reopens the store itself (from its plain
   * options, `storeOptions`), so a Map or another in-memory store cannot be used.
   */
  /** store, ranks and dims may be left out when the dataset module exports a PartitionMapper (its own are used). */
  store?: string | URL | Store;
  ranks?: number;
  dims?: readonly string[];
  /** Worker threads (default: the available cores, at most one per rank). */
  workers?: number;
  /** Initialise the store first with this mode ("w-", the default, or "w"), or not at all (false). */
  init?: "w-" | "w" | false;
  /** Skip ranks whose completion record is valid for this schema and plan; initialise only a new store. */
  resume?: boolean;
  onProgress?: (p: WriteAllProgress) => void;
  /** Stops handing out ranks; ranks in flight stop after their in-flight chunk writes (each atomic). */
  signal?: AbortSignal;
  /** Base directory for a relative `dataset` path (default: the current directory). */
  cwd?: string;
  zarrFormat?: 2 | 3;
  consolidated?: boolean;
  encoding?: unknown;
  /** Anything else is passed to each rank's write (memoryBudget, durable, writeEmptyChunks, concurrency, ...). */
  [writeOption: string]: unknown;
}

export interface WriteAllResult {
  ranks: number;
  dims: string[];
  written: number[];
  skipped: number[];
  chunks: number;
  bytesIn: number;
  bytesOut: number;
  seconds: number;
  workers: number;
  /** Completion records of the ranks written in this call. */
  records: Map<number, unknown>;
}

export class WriteAllError extends Error {
  override name = "WriteAllError";
  constructor(
    message: string,
    readonly result: WriteAllResult,
    readonly failed: Map<number, Error>,
    readonly aborted: boolean,
  ) {
    super(message);
  }
}

export async function writeAll(options: WriteAllOptions): Promise<WriteAllResult> {
  try {
    return await writeAllThreads(options);
  } catch (e) {
    // Threads started for this call that no pool took (it failed before: bad input, init refused) end now.
    discardPrestarted(WORKER_URL);
    throw e;
  }
}

async function writeAllThreads(options: WriteAllOptions): Promise<WriteAllResult> {
  const t0 = performance.now();
  const { dataset, source, exportName, init = "w-", resume = false, onProgress, signal, cwd, workers: w, ...rest } = options;
  for (const k of ["store", "ranks", "dims"]) delete rest[k];
  if ((dataset === undefined) === (source === undefined)) throw new TypeError("writeAll: give either dataset (a module) or source (a source spec)");
  // A module exporting a PartitionMapper brings its store, ranks and dims when they are left out.
  const { store, ranks, dims } = (await mapperDefaults({ ...options, dataset })) as { store: NonNullable<WriteAllOptions["store"]>; ranks: number; dims: readonly string[] };
  if (store === undefined) throw new TypeError("writeAll: store is required (unless the dataset module exports a PartitionMapper, whose store is used)");
  // A data source's recorded output options apply unless given here.
  if (source?.kind === "sources") {
    if (rest.encoding === undefined && source.options?.encoding !== undefined) rest.encoding = source.options.encoding;
    if (rest.zarrFormat === undefined && source.options?.zarrFormat !== undefined) rest.zarrFormat = source.options.zarrFormat;
  }
  const plan = validatePlan(ranks, dims ? [...dims] : dims, "writeAll");
  const opened = resolveStoreArg(store); // an unknown or unsupported scheme fails here, as itself
  let storeOpts: StoreOptions;
  try {
    storeOpts = storeOptions(opened);
  } catch (e) {
    if (!(e instanceof StoreError)) throw e;
    throw new TypeError(`writeAll: store must be a path or a file: URL (or a FileSystemStore), since every worker thread reopens it: ${e.message}`);
  }
  if (init !== false && init !== "w-" && init !== "w") throw new TypeError(`writeAll: init ${JSON.stringify(init)} is not valid: expected "w-", "w" or false`);
  if (w !== undefined && (!Number.isSafeInteger(w) || w < 1)) throw new TypeError(`writeAll: workers ${JSON.stringify(w)} is not valid: expected an integer >= 1`);
  const initOptions: Record<string, unknown> = {};
  const writeOptions: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(rest)) {
    if (v === undefined) continue;
    if ((INIT_OPTIONS as readonly string[]).includes(k)) {
      initOptions[k] = v;
      // Encoding overrides shape the schema and the plan (sharding): every rank needs them too.
      if (k === "encoding") writeOptions[k] = v;
    } else if (typeof v === "function") throw new TypeError(`writeAll: option ${k} is a function, which cannot be sent to worker threads`);
    else writeOptions[k] = v;
  }
  // An output format given here shapes how the sources' encodings are adapted: part of the spec, recorded.
  const src = source?.kind === "sources" && rest.zarrFormat !== undefined && source.options?.zarrFormat === undefined
    ? { ...source, options: { ...source.options, zarrFormat: rest.zarrFormat as 2 | 3 } }
    : source;
  // Each source's metadata fingerprint is recorded, so that a later write refuses a source changed since.
  const withPrints = src?.kind === "sources" && src.sources.some((x) => x.fingerprint === undefined)
    ? { ...src, sources: await Promise.all(src.sources.map(async (x) => ({ ...x, fingerprint: x.fingerprint ?? (await sourceFormat(x.format).fingerprint(x.location)) }))) }
    : src;
  const spec: SourceSpec = withPrints ?? { kind: "module", url: moduleUrl(dataset!, cwd), ...(exportName !== undefined ? { export: exportName } : {}) };

  const workerData: WorkerData = { source: spec, store: storeOpts, ranks: plan.ranks, dims: plan.dims, writeOptions };
  // The pool's threads start now (those not started ahead, e.g. by the CLI), so that their start-up (~0.3 s of
  // a core: Node's bootstrap, importing the package) overlaps building the dataset and init, not follows them;
  // they open the dataset while this thread initialises the store. (Resuming: the ranks left are known later.)
  if (!resume) prestartPoolWorkers(w, plan.ranks, spec.kind === "sources", spec.kind === "sources" && spec.sources.some((x) => x.format === "netcdf"));
  setupPrestarted(WORKER_URL, workerData);

  // Build the dataset here too: bad modules or sources fail before any thread starts, and init needs it.
  const ds = spec.kind === "module"
    ? ((await loadDatasetExport(spec.url, { exportName: spec.export, check: isDataset })) as Dataset)
    : await openSource(spec);
  // A copy keeps its sources' zarr format unless one is asked for.
  if (spec.kind === "sources" && initOptions.zarrFormat === undefined) {
    const f = sourceZarrFormat(ds);
    if (f) initOptions.zarrFormat = f;
  }
  // The plan is checked against the dataset (dims exist...) before anything is written.
  const perRank = describePlan(ds, plan.ranks, plan.dims, initOptions.encoding as never).perRank;
  const kv: KeyStore = resolveStore(store);
  const where = describeStore(store);
  // A store with any trace of an initialisation is written into (init false, or resume) only once that
  // initialisation completed: a killed or failed one is refused (requireCompleteInit), never written over.
  const st = await readInitState(kv);
  const begun = st.claim !== undefined || st.completed !== undefined || (await kv.get(SCHEMA_KEY)) !== undefined;
  let generation: string | undefined;
  if (init === false || (resume && begun)) {
    generation = await requireCompleteInit(kv, where);
    const recorded = await readPlan(kv, where);
    if (recorded) checkPlan(recorded, plan, where);
    else await writePlan(kv, plan);
    const differs = recorded?.source && sourceSpecDifference(recorded.source as unknown as SourceSpec, spec);
    if (differs) throw new PlanError(`${where} was initialised from another source: ${differs}`);
  } else {
    // The plan is recorded by the init itself, before the store is marked complete.
    await initializeStore(ds, store, { ...initOptions, mode: init, plan: { ...plan, source: spec } });
  }

  let todo = Array.from({ length: plan.ranks }, (_, r) => r);
  const skipped: number[] = [];
  if (resume) {
    const statuses = await readRankStatuses(kv, plan, await expectedFingerprint(kv, plan), 32, generation);
    todo = statuses.filter((s) => s.state !== "complete").map((s) => s.rank);
    for (const s of statuses) if (s.state === "complete") skipped.push(s.rank);
  }

  const result: WriteAllResult = {
    ranks: plan.ranks, dims: plan.dims, written: [], skipped, chunks: 0, bytesIn: 0, bytesOut: 0, seconds: 0,
    workers: Math.max(0, Math.min(w ?? availableCores(), todo.length)), records: new Map(),
  };
  let failedCount = 0;
  const chunksTotal = todo.reduce((s, r) => s + perRank[r]!.chunks, 0);
  // What running ranks wrote so far: counted in the result only once the rank completes.
  const running = new Map<number, ChunkProgress>();
  const inFlight = () => {
    let chunks = 0, bytes = 0;
    for (const c of running.values()) (chunks += c.chunks), (bytes += c.bytesIn);
    return { chunksInFlight: chunks, bytesInFlight: bytes };
  };
  const progress = (event: WriteAllProgress["event"], rank?: number) =>
    onProgress?.({
      event, rank, ranks: plan.ranks, ranksDone: result.written.length, ranksSkipped: skipped.length, ranksFailed: failedCount,
      chunksDone: result.chunks, chunksTotal, bytesIn: result.bytesIn, bytesOut: result.bytesOut, ...inFlight(), elapsed: (performance.now() - t0) / 1000,
    });
  progress("start");

  // Data sources are read by our own code (no user compute to isolate in a thread): this thread, which holds
  // the dataset already, writes ranks too, as one of the workers (one thread fewer to start and set up).
  let inlineStore: Store | undefined;
  const inline = spec.kind === "sources" && result.workers >= 2
    ? (rank: number, ctx: ItemContext) =>
      writeRank(ds, (inlineStore ??= openStoreFromOptions(storeOpts)), workerData, rank, ctx).catch((e: unknown) => {
        // Stopped by the pool's signal: not a failure of the rank (as in a worker thread).
        if (ctx.signal.aborted) throw Object.assign(new Error(`rank ${rank} interrupted`), { name: "AbortError" });
        throw e;
      })
    : undefined;
  const pool = await runTaskPool({
    workerUrl: WORKER_URL,
    workerData,
    items: todo,
    workers: result.workers,
    ...(inline ? { inline } : {}),
    signal,
    onEvent: (rank, data) => {
      const c = data as ChunkProgress;
      const t = running.get(rank) ?? { chunks: 0, bytesIn: 0, bytesOut: 0 };
      running.set(rank, { chunks: t.chunks + c.chunks, bytesIn: t.bytesIn + c.bytesIn, bytesOut: t.bytesOut + c.bytesOut });
      progress("chunks", rank);
    },
    onDone: (rank, record) => {
      const t = running.get(rank);
      running.delete(rank);
      if (t) (result.chunks += t.chunks), (result.bytesIn += t.bytesIn), (result.bytesOut += t.bytesOut);
      result.written.push(rank);
      result.records.set(rank, record);
      progress("rank", rank);
    },
    onFailed: (rank, err) => {
      running.delete(rank); // its chunks are not counted: the rank will be written again
      if (err.name === "AbortError") return;
      failedCount++;
      progress("failed", rank);
    },
  });
  result.written.sort((a, b) => a - b);
  result.seconds = (performance.now() - t0) / 1000;
  progress("end");
  if (pool.failed.size > 0 || pool.aborted) {
    const failed = [...pool.failed].filter(([, e]) => e.name !== "AbortError").map(([r]) => r).sort((a, b) => a - b);
    const parts: string[] = [];
    if (failed.length) {
      const first = pool.failed.get(failed[0]!)!;
      parts.push(`${failed.length} of ${todo.length} ranks failed (${failed.join(", ")}); rank ${failed[0]}: ${first.message}`);
    }
    if (pool.aborted) parts.push(`aborted after ${result.written.length} of ${todo.length} ranks`);
    const failures = new Map(failed.map((r) => [r, pool.failed.get(r)!]));
    throw new WriteAllError(`writeAll: ${parts.join("; ")}; run again with resume: true to write only the missing ranks`, result, failures, pool.aborted);
  }
  return result;
}
