// The worker thread's side of runTaskPool (./threads.ts): set up once from workerData, then process the items
// the parent hands out, one at a time (the next may start while a released one finishes: ItemContext.release),
// reporting events, results and failures.
import { parentPort, workerData } from "node:worker_threads";

export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
}
export type ParentMessage = { t: "run"; item: number } | { t: "abort" } | { t: "setup"; data: unknown };
/**
 * The workerData of a thread started ahead of its pool (threads.ts prestartWorkers): it loads its modules (and
 * what `warm` names) while the parent still prepares, and gets its setup data in a "setup" message.
 */
export interface DeferredSetup {
  deferredSetup: true;
  warm: string[];
}
export type WorkerMessage =
  | { t: "ready" }
  | { t: "free"; item: number }
  | { t: "fatal"; error: SerializedError }
  | { t: "event"; item: number; data: unknown }
  | { t: "done"; item: number; result: unknown }
  | { t: "failed"; item: number; error: SerializedError };

export interface ItemContext {
  /** Aborted when the pool's signal aborts while this item runs. */
  signal: AbortSignal;
  /** Sends progress to the parent's onEvent. */
  emit(data: unknown): void;
  /**
   * Says that the rest of this item only waits (e.g. for its store writes to finish): the pool may hand this
   * thread its next item now, which then runs beside this one's end. At most once; optional for the caller.
   */
  release?(): void;
}
export type ItemHandler = (item: number, ctx: ItemContext) => Promise<unknown>;

export function serializeError(e: unknown): SerializedError {
  if (e instanceof Error) return { name: e.name, message: e.message, stack: e.stack };
  return { name: "Error", message: String(e) };
}

/**
 * Run in a worker thread's module: `serveItems(async (data) => async (item, ctx) => result)`. `warm(hints)` runs
 * at once in a thread started ahead of its pool (e.g. to load a WebAssembly module before the setup data come).
 */
export function serveItems(setup: (data: unknown) => Promise<ItemHandler> | ItemHandler, warm?: (hints: string[]) => void): void {
  const port = parentPort;
  if (!port) throw new Error("serveItems must run in a worker thread");
  const post = (m: WorkerMessage) => port.postMessage(m);
  let handler: ItemHandler | undefined;
  // Items in flight: one, plus those that released this thread and are finishing (ItemContext.release).
  const running = new Set<AbortController>();
  const deferred = (workerData as Partial<DeferredSetup> | undefined)?.deferredSetup === true;
  const start = (data: unknown) =>
    Promise.resolve()
      .then(() => setup(data))
      .then(
        (h) => {
          handler = h;
          post({ t: "ready" });
        },
        (e) => post({ t: "fatal", error: serializeError(e) }),
      );
  port.on("message", (m: ParentMessage) => {
    if (m.t === "setup") return deferred && !handler ? void start(m.data) : undefined;
    if (m.t === "abort") return void running.forEach((ac) => ac.abort());
    if (m.t !== "run" || !handler) return;
    const item = m.item;
    const ac = new AbortController();
    running.add(ac);
    let released = false;
    const ctx: ItemContext = {
      signal: ac.signal,
      emit: (data) => post({ t: "event", item, data }),
      release: () => {
        if (released) return;
        released = true;
        post({ t: "free", item });
      },
    };
    Promise.resolve()
      .then(() => handler!(item, ctx))
      .then(
        (result) => post({ t: "done", item, result }),
        (e) => post({ t: "failed", item, error: serializeError(e) }),
      )
      .finally(() => running.delete(ac));
  });
  if (!deferred) return void start(workerData);
  try {
    warm?.((workerData as DeferredSetup).warm ?? []);
  } catch {
    // Warming is only ahead of time: the setup does the same work and reports its errors.
  }
}
