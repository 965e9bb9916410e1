// The plan (`/.xpartition/plan.json`: ranks and dims, recorded by `init`) and the per-rank completion records
// the writer leaves (`/.xpartition/ranks/<rank>.json`): what `status`, `write` and `resume` read. Reading one
// record per rank, never a listing of chunks (nor the ranks' chunk manifests), keeps this fast on stores with
// millions of chunks.

import { resolveStore, StoreOps, type StoreLike } from "../store/index.js";

/** The part of zarrita's store shape used here. */
export interface KeyStore {
  get(key: string): Promise<Uint8Array | undefined> | Uint8Array | undefined;
  set?(key: string, value: Uint8Array): Promise<void> | void;
}

export const PLAN_KEY = "/.xpartition/plan.json";
export const SCHEMA_KEY = "/.xpartition/schema.json";
export const rankKey = (rank: number) => `/.xpartition/ranks/${rank}.json`;

export class PlanError extends Error {
  override name = "PlanError";
}

export interface RecordedPlan {
  ranks: number;
  dims: string[];
  /** How to rebuild the dataset (a SourceSpec: a module, or data sources and options), when init recorded it. */
  source?: Record<string, unknown>;
}

export async function readJson(store: KeyStore, key: string): Promise<unknown> {
  const bytes = await store.get(key);
  if (bytes === undefined) return undefined;
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    return { __invalid: (e as Error).message };
  }
}

export function validatePlan(ranks: unknown, dims: unknown, what = "plan"): RecordedPlan {
  if (typeof ranks !== "number" || !Number.isSafeInteger(ranks) || ranks < 1) throw new PlanError(`${what}: ranks ${JSON.stringify(ranks)} is not valid: expected an integer >= 1`);
  if (!Array.isArray(dims) || dims.length === 0 || dims.some((d) => typeof d !== "string" || d === "")) {
    throw new PlanError(`${what}: dims ${JSON.stringify(dims)} is not valid: expected a non-empty list of dimension names`);
  }
  return { ranks, dims: [...dims] as string[] };
}

/** Record the plan; `store` is any store argument initializeStore accepts (a path, a file: URL, a store). */
export async function writePlan(storeArg: KeyStore | StoreLike, plan: RecordedPlan): Promise<void> {
  const store = (typeof storeArg === "string" || storeArg instanceof URL ? new StoreOps(resolveStore(storeArg)) : storeArg) as KeyStore;
  if (!store.set) throw new PlanError("the store cannot be written (it has no set method)");
  const body = JSON.stringify({ ranks: plan.ranks, dims: plan.dims, ...(plan.source ? { source: plan.source } : {}) }, null, 2) + "\n";
  await store.set(PLAN_KEY, new TextEncoder().encode(body));
}

/** The recorded plan, or undefined when the store has none. */
export async function readPlan(store: KeyStore, where: string): Promise<RecordedPlan | undefined> {
  const j = (await readJson(store, PLAN_KEY)) as Record<string, unknown> | undefined;
  if (j === undefined) return undefined;
  if ("__invalid" in j) throw new PlanError(`${where}${PLAN_KEY} is not valid JSON (${String(j.__invalid)})`);
  const p = validatePlan(j.ranks, j.dims, `${where}${PLAN_KEY}`);
  if (j.source !== undefined) {
    if (typeof j.source !== "object" || j.source === null || Array.isArray(j.source)) throw new PlanError(`${where}${PLAN_KEY}: source ${JSON.stringify(j.source)} is not valid: expected an object`);
    p.source = j.source as Record<string, unknown>;
  }
  return p;
}

/** The plan a caller asked for must be the recorded one. */
export function checkPlan(recorded: RecordedPlan, asked: Partial<RecordedPlan>, where: string): void {
  if (asked.ranks !== undefined && asked.ranks !== recorded.ranks) {
    throw new PlanError(`ranks ${asked.ranks} does not match the plan recorded in ${where}: ${recorded.ranks} ranks over ${recorded.dims.join(",")}`);
  }
  if (asked.dims !== undefined && asked.dims.join(",") !== recorded.dims.join(",")) {
    throw new PlanError(`dims ${asked.dims.join(",")} does not match the plan recorded in ${where}: ${recorded.ranks} ranks over ${recorded.dims.join(",")}`);
  }
}

export type RankState = "complete" | "missing" | "stale" | "invalid";

export interface RankStatus {
  rank: number;
  state: RankState;
  /** Why a present record does not count. */
  reason?: string;
  record?: Record<string, unknown>;
}

/**
 * Classify one record: complete when it is for this rank and plan and carries the expected fingerprint
 * (when one is known) and the store's generation (when given); a record for another schema or plan, or
 * written into an earlier initialisation of the store, is "stale" and counts as missing.
 */
export function classifyRecord(rank: number, plan: RecordedPlan, raw: unknown, fingerprint: string | undefined, generation?: string): RankStatus {
  if (raw === undefined) return { rank, state: "missing" };
  const r = raw as Record<string, unknown>;
  if (typeof r !== "object" || r === null || "__invalid" in r) return { rank, state: "invalid", reason: "not valid JSON" };
  if (r.rank !== rank) return { rank, state: "invalid", reason: `records rank ${JSON.stringify(r.rank)}` };
  if (r.ranks !== undefined && r.ranks !== plan.ranks) return { rank, state: "stale", reason: `written for ${String(r.ranks)} ranks`, record: r };
  if (Array.isArray(r.dims) && r.dims.join(",") !== plan.dims.join(",")) return { rank, state: "stale", reason: `written for dims ${r.dims.join(",")}`, record: r };
  if (fingerprint !== undefined && r.fingerprint !== fingerprint) return { rank, state: "stale", reason: "fingerprint does not match the store's schema and plan", record: r };
  if (generation !== undefined && r.generation !== generation) {
    const reason = typeof r.generation === "string"
      ? `written into an earlier initialisation of the store (generation ${r.generation}; the store's is ${generation})`
      : "written without the store's generation (by an older xpartition)";
    return { rank, state: "stale", reason, record: r };
  }
  return { rank, state: "complete", record: r };
}

export async function readRankStatuses(
  store: KeyStore, plan: RecordedPlan, fingerprint: string | undefined, concurrency = 32, generation?: string,
): Promise<RankStatus[]> {
  const out: RankStatus[] = new Array(plan.ranks);
  let next = 0;
  const worker = async () => {
    for (let r = next++; r < plan.ranks; r = next++) out[r] = classifyRecord(r, plan, await readJson(store, rankKey(r)), fingerprint, generation);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, plan.ranks) }, worker));
  return out;
}
