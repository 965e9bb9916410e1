// A small pool of worker threads that each set themselves up once (e.g. import a dataset module) and then
// process integer items (ranks) handed out one at a time, so that fast workers take more; an item that says
// it only waits now (ItemContext.release: a rank's last store writes) lets its thread take the next meanwhile,
// so the two overlap (two per thread at most: one running, one released and finishing). Generic: the
// worker's side is `serveItems` (./serve.ts); writeAll (./pool.ts) is one user. node:worker_threads runs in
// Node and in Deno.
import { Worker } from "node:worker_threads";
import type { DeferredSetup, ItemHandler, ParentMessage, WorkerMessage, SerializedError } from "./serve.js";

export interface TaskPoolOptions {
  /** The worker's module (it calls serveItems). */
  workerUrl: URL;
  /** Passed to the worker's setup (structured-cloned). */
  workerData: unknown;
  items: readonly number[];
  workers: number;
  /** Stops handing out items; in-flight items are asked to stop at their next safe point (their own signal). */
  signal?: AbortSignal;
  onEvent?: (item: number, data: unknown) => void;
  onDone?: (item: number, result: unknown) => void;
  onFailed?: (item: number, error: Error) => void;
  /**
   * The calling thread works as one of the `workers`, taking items from the same queue with this handler (one
   * thread fewer to start: its bootstrap, imports and setup). For work of our own only: a user's compute that
   * never settles or exits the process could not be retired with a thread.
   */
  inline?: ItemHandler;
}

export interface TaskPoolResult {
  done: Map<number, unknown>;
  failed: Map<number, Error>;
  /** Items never started (only after an abort). */
  notStarted: number[];
  aborted: boolean;
}

/** Items in flight on one thread: the running one and one released, finishing (ItemContext.release). */
const MAX_ITEMS_PER_THREAD = 2;

/** An item failure after which its thread is not reused (a compute that never settled: src/run/hang.ts). */
const RETIRE_ERROR = "ComputeHangError";

/** A setup failure in a worker (the same in every worker, so the pool stops). */
export class WorkerSetupError extends Error {
  override name = "WorkerSetupError";
}

export function deserializeError(e: SerializedError): Error {
  const err = new Error(e.message);
  err.name = e.name;
  if (e.stack) err.stack = e.stack;
  return err;
}

/** Threads started ahead of their pool, by worker URL (prestartWorkers). */
interface Reserve {
  w: Worker;
  dead: boolean;
  /** The setup data sent ahead of the pool (setupPrestarted), and the messages it answered before adoption. */
  setup?: unknown;
  early: WorkerMessage[];
}
const prestarted = new Map<string, Reserve[]>();

/**
 * Have `n` worker threads of `workerUrl` started ahead of the pool that will use them (runTaskPool adopts them):
 * starts those missing from the reserve, so that a second call with the same `n` starts none. Their start-up
 * (Node's thread bootstrap, importing modules, `warm`: e.g. compiling WebAssembly) overlaps the caller's own
 * preparation (e.g. reading the sources' metadata). They do not keep the process alive; those not adopted by
 * the next pool are terminated by it.
 */
export function prestartWorkers(workerUrl: URL, n: number, warm: string[] = []): void {
  const list = prestarted.get(workerUrl.href) ?? [];
  prestarted.set(workerUrl.href, list);
  for (let i = list.filter((e) => !e.dead).length; i < n; i++) {
    const w = new Worker(workerUrl, { workerData: { deferredSetup: true, warm } satisfies DeferredSetup });
    const e: Reserve = { w, dead: false, early: [] };
    // Until adopted: an error or exit only marks it unusable (the pool then starts a fresh thread).
    w.on("error", () => (e.dead = true));
    w.on("exit", () => (e.dead = true));
    w.unref?.();
    list.push(e);
  }
}

/** How many threads of `url` are started ahead and not adopted yet (live ones). */
export function prestartedCount(url: URL): number {
  return (prestarted.get(url.href) ?? []).filter((e) => !e.dead).length;
}

/**
 * Send the prestarted threads of `url` their setup data now, before their pool exists (e.g. while the caller
 * initialises the store): their setup (opening the dataset) overlaps the caller's. What they answer is kept
 * for the pool that adopts them with the same data.
 */
export function setupPrestarted(url: URL, data: unknown): void {
  for (const e of prestarted.get(url.href) ?? []) {
    if (e.dead || e.setup !== undefined) continue;
    e.setup = data;
    e.w.on("message", (m: WorkerMessage) => e.early.push(m));
    // A 'message' listener refs the thread again: a reserve never keeps the process alive.
    e.w.unref?.();
    e.w.postMessage({ t: "setup", data } satisfies ParentMessage);
  }
}

/**
 * A prestarted, still running thread of `url` for a pool of `data`, taken out of the reserve, with the messages
 * it sent so far (when set up ahead: setupPrestarted). One set up with other data is terminated.
 */
function adopt(url: URL, data: unknown): { w: Worker; early: WorkerMessage[] } | undefined {
  const list = prestarted.get(url.href);
  while (list?.length) {
    const e = list.shift()!;
    if (e.dead) continue;
    if (e.setup !== undefined && e.setup !== data) {
      void e.w.terminate();
      continue;
    }
    for (const ev of ["error", "exit", "message"]) e.w.removeAllListeners(ev);
    e.w.ref?.();
    if (e.setup === undefined) e.w.postMessage({ t: "setup", data } satisfies ParentMessage);
    return { w: e.w, early: e.early };
  }
  return undefined;
}

/** Terminate the prestarted threads of `url` no pool took. */
export function discardPrestarted(url: URL): void {
  for (const e of prestarted.get(url.href)?.splice(0) ?? []) void e.w.terminate();
}

export function runTaskPool(o: TaskPoolOptions): Promise<TaskPoolResult> {
  const queue = [...o.items];
  const res: TaskPoolResult = { done: new Map(), failed: new Map(), notStarted: [], aborted: false };
  const live = new Set<Worker>();
  // worker -> its items in flight: the running one (at most one) and released ones finishing.
  const current = new Map<Worker, { items: Set<number>; running: number | undefined }>();
  const inFlight = (): number => [...current.values()].reduce((n, c) => n + c.items.size, 0);
  let fatal: Error | undefined;
  let spawned = 0;
  const maxSpawn = Math.max(1, o.workers) + o.items.length; // replacements after crashes are bounded

  return new Promise<TaskPoolResult>((resolve, reject) => {
    let settled = false;
    // The calling thread's own item in flight (options.inline), and its abort controller.
    let inlineBusy = false;
    let inlineAc: AbortController | undefined;
    const finish = () => {
      if (settled) return;
      if (inlineBusy) {
        if (fatal) inlineAc?.abort();
        return;
      }
      if ((live.size > 0 || o.inline) && !fatal) {
        // Done only when no item is in flight and none can be handed out.
        if (inFlight() > 0) return;
        if (queue.length > 0 && !res.aborted) return;
      }
      settled = true;
      o.signal?.removeEventListener("abort", onAbort);
      if (res.aborted) res.notStarted = queue.splice(0);
      else if (!fatal) {
        // Every thread exited (and no more may be started): what is left fails, never silently dropped.
        for (const item of queue.splice(0)) {
          const err = new Error("never started: the worker threads kept exiting without a result");
          res.failed.set(item, err);
          o.onFailed?.(item, err);
        }
      }
      const all = [...live];
      live.clear();
      Promise.all(all.map((w) => w.terminate())).then(
        () => (fatal ? reject(fatal) : resolve(res)),
        () => (fatal ? reject(fatal) : resolve(res)),
      );
    };

    const slot = (w: Worker) => {
      let c = current.get(w);
      if (!c) current.set(w, (c = { items: new Set(), running: undefined }));
      return c;
    };
    // Hand `w` an item when it runs none, and at most one released item is still finishing on it (a released
    // rank holds its writes in flight: two per thread at most).
    const next = (w: Worker) => {
      const c = slot(w);
      const item = res.aborted || fatal || c.running !== undefined || c.items.size >= MAX_ITEMS_PER_THREAD ? undefined : queue.shift();
      if (item === undefined) return finish();
      c.items.add(item);
      c.running = item;
      w.postMessage({ t: "run", item } satisfies ParentMessage);
    };
    /** `item` no longer runs on `w` (released, or ended). */
    const free = (w: Worker, item: number) => {
      const c = slot(w);
      if (c.running === item) c.running = undefined;
      return c;
    };
    /** `item` left `w`. */
    const leave = (w: Worker, item: number): void => void free(w, item).items.delete(item);

    const spawn = () => {
      spawned++;
      const warm = adopt(o.workerUrl, o.workerData);
      const w = warm?.w ?? new Worker(o.workerUrl, { workerData: o.workerData });
      live.add(w);
      let crash: Error | undefined;
      w.on("message", (m: WorkerMessage) => {
        switch (m.t) {
          case "ready":
            return next(w);
          case "free":
            free(w, m.item);
            return next(w);
          case "fatal":
            fatal ??= new WorkerSetupError(deserializeError(m.error).message);
            return finish();
          case "event":
            o.onEvent?.(m.item, m.data);
            return;
          case "done":
            leave(w, m.item);
            res.done.set(m.item, m.result);
            o.onDone?.(m.item, m.result);
            return next(w);
          case "failed": {
            leave(w, m.item);
            const err = deserializeError(m.error);
            res.failed.set(m.item, err);
            o.onFailed?.(m.item, err);
            if (err.name === RETIRE_ERROR) {
              // Its stuck work would block the next item: a fresh thread takes over (and any item still
              // finishing on it fails with it).
              live.delete(w);
              void w.terminate();
              for (const item of slot(w).items) {
                const e = new Error(`its worker thread was retired (item ${m.item}: ${err.message}) before it finished`);
                res.failed.set(item, e);
                o.onFailed?.(item, e);
              }
              current.delete(w);
              if (!fatal && !res.aborted && queue.length > 0 && spawned < maxSpawn) spawn();
              return finish();
            }
            return next(w);
          }
        }
      });
      w.on("error", (e) => (crash = e instanceof Error ? e : new Error(String(e))));
      w.on("exit", (code) => {
        if (!live.delete(w)) return; // terminated by us
        const items = [...(current.get(w)?.items ?? [])];
        current.delete(w);
        const err = crash ?? new Error(`its worker thread exited (code ${code}) without a result`);
        for (const item of items) {
          res.failed.set(item, err);
          o.onFailed?.(item, err);
        }
        if (items.length === 0 && !fatal && crash) {
          fatal = new WorkerSetupError(err.message); // died before it was ready
        }
        if (!fatal && !res.aborted && queue.length > 0 && spawned < maxSpawn) spawn();
        finish();
      });
      // A thread set up ahead of the pool may be ready (or have failed its setup) already.
      for (const m of warm?.early ?? []) w.emit("message", m);
    };

    const runInline = (): void => {
      const item = res.aborted || fatal || settled ? undefined : queue.shift();
      if (item === undefined) return finish();
      inlineBusy = true;
      const ac = (inlineAc = new AbortController());
      const ctx = { signal: ac.signal, emit: (data: unknown) => o.onEvent?.(item, data) };
      Promise.resolve()
        .then(() => o.inline!(item, ctx))
        .then(
          (result) => {
            inlineBusy = false;
            res.done.set(item, result);
            o.onDone?.(item, result);
          },
          (e: unknown) => {
            inlineBusy = false;
            const err = e instanceof Error ? e : new Error(String(e));
            res.failed.set(item, err);
            o.onFailed?.(item, err);
          },
        )
        .then(runInline);
    };

    const onAbort = () => {
      res.aborted = true;
      inlineAc?.abort();
      for (const [w, c] of current) if (c.items.size > 0) w.postMessage({ t: "abort" } satisfies ParentMessage);
      finish();
    };
    if (o.signal?.aborted) {
      res.aborted = true;
      res.notStarted = queue.splice(0);
      settled = true;
      discardPrestarted(o.workerUrl);
      return resolve(res);
    }
    o.signal?.addEventListener("abort", onAbort, { once: true });
    const n = Math.max(1, Math.min(o.workers, queue.length));
    if (queue.length === 0) {
      settled = true;
      discardPrestarted(o.workerUrl);
      return resolve(res);
    }
    for (let i = o.inline ? 1 : 0; i < n; i++) spawn();
    discardPrestarted(o.workerUrl);
    if (o.inline) runInline();
  });
}
