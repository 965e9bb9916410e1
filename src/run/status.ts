// storeStatus: which ranks of a store are complete, from its recorded plan and one completion record per rank
// (never a listing of chunks nor the chunk manifests, so it is fast on millions of chunks). A store whose
// initialisation did not complete is refused. `xpartition status` prints it.
import { formatRankList } from "../cli/args.js";
import { expectedFingerprint, resolveStore, type StoreArg } from "./backend.js";
import { PlanError, readPlan, readRankStatuses, type RankStatus } from "./records.js";
import { requireCompleteInit } from "../write/state.js";

export { NotInitialisedError, IncompleteInitError } from "../write/state.js";

export interface StoreStatus {
  ranks: number;
  dims: string[];
  complete: number[];
  /** Ranks without a valid record: absent, unreadable, or for another schema or plan. */
  missing: number[];
  /** Per rank, its state and (for present but invalid records) why it does not count. */
  details: RankStatus[];
  /** SLURM's form of the missing ranks, e.g. `--array=3,7` (null when complete). */
  resubmit: string | null;
  chunks: number;
  bytesIn: number;
  bytesOut: number;
}

export async function storeStatus(store: StoreArg): Promise<StoreStatus> {
  const kv = resolveStore(store);
  const where = typeof store === "string" ? store : store instanceof URL ? store.href : "the store";
  // Not initialised (NotInitialisedError), or initialised only in part (IncompleteInitError): refused.
  const generation = await requireCompleteInit(kv, where);
  const plan = await readPlan(kv, where);
  if (!plan) throw new PlanError(`${where} has no recorded plan (/.xpartition/plan.json): it was not initialised by 'xpartition init' or 'xpartition run'`);
  const details = await readRankStatuses(kv, plan, await expectedFingerprint(kv, plan), 32, generation);
  const complete = details.filter((s) => s.state === "complete");
  const missing = details.filter((s) => s.state !== "complete").map((s) => s.rank);
  const sum = (k: string) => complete.reduce((a, s) => a + Number(s.record?.[k] ?? 0), 0);
  return {
    ranks: plan.ranks, dims: plan.dims, complete: complete.map((s) => s.rank), missing, details,
    resubmit: missing.length ? `--array=${formatRankList(missing)}` : null,
    chunks: sum("chunks"), bytesIn: sum("bytesIn"), bytesOut: sum("bytesOut"),
  };
}
