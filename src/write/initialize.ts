// initializeStore: validate first, claim exclusively, mark complete last. Everything is computed before the
// store is touched (the plan, the schema, every metadata document, the plan record and the encoded data of
// unchunked variables), so a dataset that cannot be written leaves nothing behind. Then the store is claimed
// with `/.xpartition/init.json` (created only if absent: of two inits at once exactly one proceeds), the
// schema, plan, metadata, data and consolidated metadata are written, and LAST `/.xpartition/complete.json`
// marks it complete. A store without it is refused by writers, `status`, `run --resume` and `verify`
// (./state.ts); a later init of the same dataset takes it over once its claim is stale.
import { createHash } from "node:crypto";
import type { Dataset } from "../model/dataset.js";
import { dtypeInfo } from "../model/dtypes.js";
import { requireOps, resolveStore, FileSystemStore, StoreOps, type StoreLike } from "../store/index.js";
import { startWriterThread } from "../store/io-thread.js";
import { metadataEntries } from "../zarr/metadata.js";
import { jsonBytes } from "../zarr/json.js";
import type { ZarrFormat } from "../zarr/keys.js";
import { PLAN_KEY, validatePlan } from "../run/records.js";
import type { VariableEncoding } from "./encoding.js";
import { StoreStateError, WriteSpecError } from "./errors.js";
import { engine, writeBlock, WritePool } from "./chunks.js";
import { innerChunksEncoding, type InnerChunks } from "./inner-chunks.js";
import { planDataset, type VariablePlan } from "./plan.js";
import { SCHEMA_KEY, schemaBytes, schemaOf, type Schema } from "./schema.js";
import {
  activeClaims, checkGeneration, claimStaleness, completedGeneration, COMPLETE_KEY, DEFAULT_STALE_AFTER_MS, describeClaim,
  INIT_KEY, newClaim, readInitState, takeoverKey, type InitClaim,
} from "./state.js";

export interface InitializeOptions {
  /** 2 or 3 (default 3). */
  zarrFormat?: ZarrFormat;
  /** "w-" (default): fail if a zarr node exists there; "w": replace it. */
  mode?: "w-" | "w";
  /** Write consolidated metadata (default true). */
  consolidated?: boolean;
  /** Per-variable encoding overrides. */
  encoding?: Record<string, VariableEncoding>;
  /** fsync files and directories (filesystem stores; default false). */
  durable?: boolean;
  /** Concurrent store writes (default 8). */
  storeConcurrency?: number;
  /**
   * Mode "w-": an unfinished initialisation of the same dataset is taken over once its claim is older than
   * this many milliseconds (default 10 minutes), or at once when its process is dead (on this host).
   */
  staleAfter?: number;
  /** The plan (ranks, dims) to record in `/.xpartition/plan.json` before the store is marked complete. */
  plan?: { ranks: number; dims: readonly string[]; source?: unknown };
  /**
   * zarr v3: shard every chunked variable, its chunks becoming the shards and these the inner chunks
   * (`{ dim: n | -1 }`; -1 or a dim not named: the whole shard along it). See ./inner-chunks.ts.
   */
  innerChunks?: InnerChunks;
}

const TAKEOVER_PREFIX = takeoverKey("").replace(/\.json$/, "");
const MARKERS = ["/zarr.json", "/.zgroup", "/.zarray", "/.zmetadata", SCHEMA_KEY];
/** Encoded unchunked data held in memory before the claim; variables beyond it are computed after it. */
const STAGE_LIMIT = 256 * 1024 * 1024;

/** Open a store argument with the durability asked for. */
export function openStore(store: StoreLike, durable: boolean | undefined): StoreOps {
  const s = resolveStore(store, { durable });
  if (durable !== undefined && s instanceof FileSystemStore) s.durable = durable;
  return new StoreOps(s);
}

/**
 * A store about to be written: a filesystem store's writer thread is started now, beside the reads and the
 * planning before the first write, which would otherwise wait ~0.1 s for it to boot (the D1 rechunk's init).
 */
export function startWrites(ops: StoreOps): void {
  if (ops.store instanceof FileSystemStore && ops.store.ioThread) startWriterThread();
}

/** How messages name a store argument. */
export function storeName(store: StoreLike): string {
  return typeof store === "string" ? store : store instanceof URL ? store.href : "the store";
}

/** sha256 of a schema: what an init's claim records, so that only the same dataset takes it over. */
export function schemaFingerprint(schema: Schema): string {
  // Attributes left out (as in planFingerprint): a new version of a dataset's attributes is the same dataset.
  const { attrs: _attrs, ...rest } = schema as Schema & { attrs?: unknown };
  return createHash("sha256").update(schemaBytes(rest as Schema)).digest("hex");
}

const fullRegion = (v: VariablePlan) => v.shape.map((s) => ({ start: 0, stop: s }));

export async function initializeStore(ds: Dataset, store: StoreLike, options: InitializeOptions = {}): Promise<Schema> {
  // 1. Everything that can fail without the store, before touching it.
  const mode = options.mode ?? "w-";
  if (mode !== "w-" && mode !== "w") throw new WriteSpecError(`mode must be "w-" or "w", got ${JSON.stringify(mode)}`);
  const staleAfter = options.staleAfter ?? DEFAULT_STALE_AFTER_MS;
  if (typeof staleAfter !== "number" || !(staleAfter >= 0)) throw new WriteSpecError(`staleAfter must be a number of milliseconds >= 0, got ${String(staleAfter)}`);
  const encoding = options.innerChunks === undefined ? options.encoding : innerChunksEncoding(ds, options.innerChunks, options.zarrFormat ?? 3, options.encoding);
  const plan = planDataset(ds, { zarrFormat: options.zarrFormat ?? 3, consolidated: options.consolidated ?? true, encoding });
  const schema = schemaOf(plan);
  const entries = metadataEntries(plan.format, plan.attrs, plan.variables.map((v) => v.spec), plan.consolidated);
  const planBytes = options.plan ? planRecord(options.plan) : undefined;
  const ops = openStore(store, options.durable);
  const where = storeName(store);
  requireOps(ops, { setIfAbsent: true }, "initialising a store (its exclusive claim, /.xpartition/init.json)");
  if (mode === "w") requireOps(ops, { delete: true, list: true }, 'mode "w" (replacing a store)');
  startWrites(ops);
  const staged = await stageUnchunked(plan.variables, plan.format);
  const claim = newClaim(schemaFingerprint(schema));

  // 2. Claim the store: "w" removes everything first; "w-" refuses a store in use and takes over a stale one.
  activeClaims.add(claim.generation);
  try {
    let tookOver = false;
    if (mode === "w") await ops.deletePrefix("/");
    else tookOver = await makeRoomFor(ops, claim, staleAfter);
    await ops.createRoot();
    const claimBytes = jsonBytes(claim, 2);
    const claimed = await ops.setIfAbsent(INIT_KEY, claimBytes).catch(async (e: unknown) => {
      // A store without conditional writes (an S3 server ignoring If-None-Match) cannot claim exclusively:
      // mode "w" replaces the store whoever else is there, so it writes its claim; "w-" fails (the store says why).
      if (mode !== "w" || (e as { code?: string })?.code !== "XP_NO_CONDITIONAL_WRITES") throw e;
      await ops.set(INIT_KEY, claimBytes);
      return true;
    });
    if (!claimed) {
      const st = await readInitState(ops);
      const by = typeof st.claim === "object" ? ` (${describeClaim(st.claim)})` : "";
      throw new StoreStateError(`${where}: another initialisation claimed this store first${by}; nothing was written`);
    }
    // Takeover keys are not needed once claimed: a late taker finds the claim changed and gives up.
    if (tookOver) for (const k of await ops.list("/.xpartition/")) if (k.startsWith(TAKEOVER_PREFIX)) await ops.delete(k);
    const fence = () => checkGeneration(ops, claim.generation, where, "this initialisation stopped before marking it complete");

    // 3. Schema, plan, arrays' metadata, data; the root group and consolidated metadata; then complete.
    await ops.set(SCHEMA_KEY, schemaBytes(schema));
    if (planBytes) await ops.set(PLAN_KEY, planBytes);
    const isRoot = (k: string): boolean => /^\/(zarr\.json|\.zgroup|\.zattrs|\.zmetadata)$/.test(k);
    const pool = new WritePool(options.storeConcurrency ?? 8, STAGE_LIMIT / 4);
    for (const [k, b] of entries) if (!isRoot(k)) await pool.add(() => ops.set(k, b), b.length);
    for (const [k, b] of staged.chunks) await pool.add(() => ops.set(k, b), b.length);
    await pool.drain();
    if (staged.deferred.length) {
      await fence();
      const ctx = engine(ops, plan.format, options.storeConcurrency ?? 8, true);
      for (const v of staged.deferred) await writeBlock(ctx, v, fullRegion(v));
      await ctx.pool.drain();
    }
    await fence();
    // The root group (and consolidated metadata) last: readers see a complete hierarchy or none.
    for (const [k, b] of entries) if (isRoot(k)) await ops.set(k, b);
    await fence();
    await ops.set(COMPLETE_KEY, jsonBytes({ generation: claim.generation }, 2));
  } finally {
    activeClaims.delete(claim.generation);
  }
  return schema;
}

function planRecord(p: { ranks: number; dims: readonly string[]; source?: unknown }): Uint8Array {
  const { ranks, dims } = validatePlan(p.ranks, Array.isArray(p.dims) ? [...p.dims] : p.dims, "initializeStore: plan");
  // source: how to rebuild the dataset (a SourceSpec), so that `xpartition write STORE` needs nothing else.
  return new TextEncoder().encode(JSON.stringify({ ranks, dims, ...(p.source !== undefined ? { source: p.source } : {}) }, null, 2) + "\n");
}

/**
 * Compute and encode unchunked variables (one chunk each) into memory, up to STAGE_LIMIT bytes of data: a
 * compute or encode failure then happens before the store is touched. Larger ones are computed after the claim.
 */
async function stageUnchunked(vs: readonly VariablePlan[], format: ZarrFormat): Promise<{ chunks: [string, Uint8Array][]; deferred: VariablePlan[] }> {
  const map = new Map<string, Uint8Array>();
  const ctx = engine(new StoreOps(map), format, 1, true);
  const deferred: VariablePlan[] = [];
  let held = 0;
  for (const v of vs) {
    if (v.chunks !== null || v.shape.some((s) => s === 0)) continue;
    const bytes = v.shape.reduce((p, s) => p * s, dtypeInfo(v.dtype).size);
    if (held + bytes > STAGE_LIMIT) {
      deferred.push(v);
      continue;
    }
    held += bytes;
    await writeBlock(ctx, v, fullRegion(v));
  }
  await ctx.pool.drain();
  return { chunks: [...map], deferred };
}

/**
 * Mode "w-": a store holding a zarr node or a completed initialisation is refused; an unfinished one is taken
 * over only when it is for the same dataset and its claim is stale, and only by one init (the first to create
 * the takeover key named after the claim); everything but takeover keys is then removed.
 */
async function makeRoomFor(ops: StoreOps, claim: InitClaim, staleAfter: number): Promise<boolean> {
  const st = await readInitState(ops);
  const found = async (): Promise<string | undefined> => {
    for (const key of MARKERS) if (await ops.get(key)) return key;
    return undefined;
  };
  if (st.claim === undefined || completedGeneration(st) !== undefined) {
    const key = (await found()) ?? (st.claim ? COMPLETE_KEY : undefined);
    if (key) throw new StoreStateError(`the store already holds a zarr node (found ${key}); pass mode "w" to replace it`);
    return false; // a new store (or only files of no initialisation)
  }
  if (st.claim === "invalid") {
    throw new StoreStateError(`the store holds an unfinished initialisation whose claim (${INIT_KEY}) is unreadable; pass mode "w" to replace it`);
  }
  let old = st.claim;
  const by = describeClaim(old);
  // A live init is never taken over; a stale one only by an init of the same dataset.
  if (old.schemaFingerprint !== claim.schemaFingerprint && claimStaleness(old, staleAfter)) {
    throw new StoreStateError(
      `the store holds an unfinished initialisation of another dataset (its schema differs), claimed by ${by}; pass mode "w" to replace it`,
    );
  }
  requireOps(ops, { delete: true, list: true }, "taking over an unfinished initialisation");
  // Take over the claim, or (when a previous taker died) its taker's, and so on.
  for (;;) {
    if (!claimStaleness(old, staleAfter)) {
      throw new StoreStateError(
        `the store is being initialised by ${describeClaim(old)} (not complete yet, and not stale: that process is alive and the ` +
          `claim is younger than staleAfter ${staleAfter / 1000} s); wait for it, or pass mode "w" to replace it`,
      );
    }
    if (await ops.setIfAbsent(takeoverKey(old.generation), jsonBytes(claim, 2))) break;
    const holder = await readInitState({ get: (k) => ops.get(k === INIT_KEY ? takeoverKey(old.generation) : k) });
    if (typeof holder.claim !== "object") throw new StoreStateError(`another initialisation is taking over the store's unfinished one (claimed by ${by})`);
    old = holder.claim;
  }
  // Won: the claim must still be the one taken over (no other init has claimed the store since).
  const now = await readInitState(ops);
  if (typeof now.claim === "object" && now.claim.generation !== st.claim.generation) {
    throw new StoreStateError(`another initialisation claimed this store meanwhile (${describeClaim(now.claim)}); nothing was written`);
  }
  for (const key of await ops.list("/")) if (!key.startsWith(TAKEOVER_PREFIX)) await ops.delete(key);
  return true;
}
