// A store's initialisation state: `initializeStore` claims the store with `/.xpartition/init.json` (created
// only if absent) and marks it complete LAST with `/.xpartition/complete.json`, both carrying one random
// generation. Writers, `status`, `run --resume` and `verify` require both with the same generation: a store
// whose initialisation failed or was killed is refused instead of being written into and reported complete.
// The generation also fences writers: a rank that sees it change stops, with no completion record.
import { randomBytes } from "node:crypto";
import os from "node:os";
import process from "node:process";
import type { MaybePromise } from "../store/types.js";

export const INIT_KEY = "/.xpartition/init.json";
export const COMPLETE_KEY = "/.xpartition/complete.json";
/** Before it replaces a stale claim, an init creates this key (only if absent): one takeover per claim. */
export const takeoverKey = (generation: string): string => `/.xpartition/takeover-${generation}.json`;
export const manifestKey = (rank: number): string => `/.xpartition/ranks/${rank}.chunks`;

/** Claims not completed within this long may be taken over by an init of the same dataset (10 minutes). */
export const DEFAULT_STALE_AFTER_MS = 10 * 60 * 1000;

export interface InitClaim {
  generation: string;
  startedAt: string;
  host: string;
  pid: number;
  /** sha256 of the dataset's schema: only an init of the same dataset takes over a stale claim. */
  schemaFingerprint: string;
}

/** The store's initialisation did not complete (killed, failed, or still running). */
export class IncompleteInitError extends Error {
  override readonly name = "IncompleteInitError";
}

/** Nothing of an initialisation is in the store. */
export class NotInitialisedError extends Error {
  override name = "NotInitialisedError";
}

/** The store was removed or initialised again while a rank was writing it. */
export class GenerationChangedError extends Error {
  override readonly name = "GenerationChangedError";
}

interface Gettable {
  get(key: string): MaybePromise<Uint8Array | undefined | null>;
}

export function newGeneration(): string {
  return randomBytes(12).toString("hex");
}

let host: string | undefined;
/**
 * This host's name; where it cannot be read (Deno without --allow-sys) a name of this process's own, so that
 * no other process's claim is taken for this host's (only staleAfter then makes a claim stale).
 */
function hostName(): string {
  if (host === undefined) {
    try {
      host = os.hostname();
    } catch {
      host = `unknown-host-${newGeneration()}`;
    }
  }
  return host;
}

export function newClaim(schemaFingerprint: string): InitClaim {
  return { generation: newGeneration(), startedAt: new Date().toISOString(), host: hostName(), pid: process.pid, schemaFingerprint };
}

async function readObject(store: Gettable, key: string): Promise<Record<string, unknown> | "invalid" | undefined> {
  const b = await store.get(key);
  if (b === undefined || b === null) return undefined;
  try {
    const j = JSON.parse(new TextDecoder().decode(b)) as unknown;
    return typeof j === "object" && j !== null && !Array.isArray(j) ? (j as Record<string, unknown>) : "invalid";
  } catch {
    return "invalid";
  }
}

export interface InitState {
  /** The claim, "invalid" when unreadable, undefined when absent. */
  claim: InitClaim | "invalid" | undefined;
  /** complete.json's generation, "invalid" when unreadable, undefined when absent. */
  completed: string | "invalid" | undefined;
}

export async function readInitState(store: Gettable): Promise<InitState> {
  const [claim, d] = await Promise.all([readClaim(store), readObject(store, COMPLETE_KEY)]);
  const completed = d === undefined || d === "invalid" ? d : typeof d.generation === "string" ? d.generation : "invalid";
  return { claim, completed };
}

/** The init claim alone (absent, unreadable, or a claim with its generation). */
async function readClaim(store: Gettable): Promise<InitState["claim"]> {
  const c = await readObject(store, INIT_KEY);
  return c === undefined || c === "invalid" ? c : typeof c.generation === "string" ? (c as unknown as InitClaim) : "invalid";
}

/** "host h, pid 123, started 2026-12-05T14:00:00.000Z" */
export function describeClaim(claim: InitClaim): string {
  return `host ${claim.host}, pid ${claim.pid}, started ${claim.startedAt}`;
}

/** Whether the state is a completed initialisation, and its generation. */
export function completedGeneration(st: InitState): string | undefined {
  return typeof st.claim === "object" && st.claim.generation === st.completed ? st.completed : undefined;
}

/** Why a store is not completely initialised, as the end of "initialisation of this store did not complete (...)". */
export function incompleteReason(st: InitState): string {
  if (st.claim === undefined) return `no ${INIT_KEY}: it was initialised by an older xpartition, or its initialisation was cut short`;
  if (st.claim === "invalid") return `${INIT_KEY} is unreadable`;
  const by = `claimed by ${describeClaim(st.claim)}`;
  if (st.completed === undefined) return `${by}; no ${COMPLETE_KEY}`;
  if (st.completed === "invalid") return `${by}; ${COMPLETE_KEY} is unreadable`;
  return `${by}; ${COMPLETE_KEY} is for generation ${st.completed}, the claim's is ${st.claim.generation}`;
}

const REPLACE = 'replace the store with mode "w" (--mode w)';
const RETAKE = `run the same init again (it takes over the claim once stale: its process dead, or older than staleAfter, --stale-after), or ${REPLACE}`;

/**
 * The generation of a completely initialised store; otherwise an error: NotInitialisedError when the store
 * holds nothing of an initialisation, IncompleteInitError ("initialisation of this store did not complete
 * (...)") naming the claim's host, pid and start time when it was started but not completed.
 * `where` names the store in messages.
 */
export async function requireCompleteInit(store: Gettable, where: string): Promise<string> {
  const st = await readInitState(store);
  const gen = completedGeneration(st);
  if (gen !== undefined) return gen;
  if (st.claim === undefined && st.completed === undefined && (await store.get("/.xpartition/schema.json")) == null) {
    throw new NotInitialisedError(`${where} is not an initialised xpartition store (no ${INIT_KEY}): initialise it first (initializeStore, or 'xpartition init')`);
  }
  const advice = typeof st.claim === "object" ? RETAKE : REPLACE;
  throw new IncompleteInitError(`${where}: initialisation of this store did not complete (${incompleteReason(st)}): ${advice}`);
}

/** Throws when the store's claim is no longer `generation` (the store was removed or initialised again). */
export async function checkGeneration(
  store: Gettable, generation: string, where: string, what = "this rank stopped without a completion record",
): Promise<void> {
  // The claim alone decides: a re-initialisation always makes a new one (complete.json is not re-read: one
  // small read per check, which matters on object stores).
  const st = { claim: await readClaim(store) };
  if (typeof st.claim === "object" && st.claim.generation === generation) return;
  const now = st.claim === undefined ? "it has no init claim now (removed?)"
    : st.claim === "invalid" ? `${INIT_KEY} is unreadable now`
    : `it was initialised again (generation ${st.claim.generation}, ${describeClaim(st.claim)})`;
  throw new GenerationChangedError(`${where} changed while it was being written: ${now}; ${what}`);
}

/** Claims made by inits running in this process (a claim of this pid not among them is a failed one). */
export const activeClaims = new Set<string>();

/** Whether a claim can be taken over: its process is dead (on this host), or it is older than `staleAfterMs`. */
export function claimStaleness(claim: InitClaim, staleAfterMs: number, now = Date.now()): string | undefined {
  const age = now - Date.parse(claim.startedAt);
  if (!(age <= staleAfterMs)) return `started ${Number.isFinite(age) ? `${Math.round(age / 1000)} s` : "an unknown time"} ago, more than the stale-after of ${staleAfterMs / 1000} s`;
  if (claim.host !== hostName()) return undefined;
  if (claim.pid === process.pid) return activeClaims.has(claim.generation) ? undefined : "its init in this process failed";
  try {
    process.kill(claim.pid, 0);
  } catch (e) {
    if ((e as { code?: string }).code === "ESRCH") return `process ${claim.pid} is no longer running`;
  }
  return undefined;
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000 };

/** A duration such as "10m", "90s", "1h", "500ms" or a bare number of seconds, in milliseconds. */
export function parseDuration(text: string, what = "--stale-after"): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|min|h|d)?\s*$/.exec(text);
  if (!m) throw new RangeError(`${what} ${JSON.stringify(text)} is not a duration: expected a number with a unit (ms, s, m, h, d), e.g. 10m`);
  return Number(m[1]) * UNITS[m[2] ?? "s"]!;
}
