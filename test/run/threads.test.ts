// The worker-thread pool's mechanics with a stub task (the writer is not involved): every item once, 1..N
// workers, per-item failures, a crashing worker replaced, setup failures, abort.
import { describe, expect, it } from "vitest";
import { runTaskPool, WorkerSetupError } from "../../dist/run/threads.js";

const workerUrl = new URL("../fixtures/stub-worker.mjs", import.meta.url);
const items = Array.from({ length: 12 }, (_, i) => i);

describe("runTaskPool", () => {
  it.each([1, 2, 3, 5])("processes every item exactly once with %i workers", async (workers) => {
    const events: number[] = [];
    const res = await runTaskPool({ workerUrl, workerData: { delayMs: 2 }, items, workers, onEvent: (i) => events.push(i) });
    expect([...res.done.keys()].sort((a, b) => a - b)).toEqual(items);
    expect(events.sort((a, b) => a - b)).toEqual(items);
    for (const [i, r] of res.done) expect(r).toMatchObject({ item: i, square: i * i });
    const threads = new Set([...res.done.values()].map((r) => (r as { thread: number }).thread));
    expect(threads.size).toBeLessThanOrEqual(workers);
    expect(res.failed.size).toBe(0);
    expect(res.aborted).toBe(false);
  });

  it("reports failing items and goes on with the others", async () => {
    const res = await runTaskPool({ workerUrl, workerData: { fail: [3, 7] }, items, workers: 2 });
    expect([...res.failed.keys()].sort()).toEqual([3, 7]);
    expect(res.failed.get(3)!.message).toBe("item 3 failed");
    expect(res.failed.get(3)!.name).toBe("RangeError");
    expect(res.done.size).toBe(10);
  });

  it("replaces a worker that dies and fails only its item", async () => {
    const res = await runTaskPool({ workerUrl, workerData: { crash: [4] }, items, workers: 2 });
    expect([...res.failed.keys()]).toEqual([4]);
    expect(res.failed.get(4)!.message).toBe("its worker thread exited (code 3) without a result");
    expect(res.done.size).toBe(11);
  });

  it("threads that keep exiting before they are ready: every item fails, none is dropped", async () => {
    const res = await runTaskPool({ workerUrl, workerData: { exitSetup: true }, items: [0, 1, 2], workers: 1 });
    expect([...res.failed.keys()].sort()).toEqual([0, 1, 2]);
    expect(res.failed.get(0)!.message).toBe("never started: the worker threads kept exiting without a result");
    expect(res.done.size).toBe(0);
  });

  it("rejects when the workers cannot set up", async () => {
    await expect(runTaskPool({ workerUrl, workerData: { failSetup: "bad module" }, items, workers: 2 })).rejects.toThrow(WorkerSetupError);
    await expect(runTaskPool({ workerUrl, workerData: { failSetup: "bad module" }, items, workers: 2 })).rejects.toThrow("setup failed: bad module");
  });

  it("an abort stops handing out items; in-flight ones finish", async () => {
    const ac = new AbortController();
    const res = await runTaskPool({
      workerUrl, workerData: { delayMs: 30 }, items, workers: 2, signal: ac.signal,
      onDone: (i) => i === 0 && ac.abort(),
    });
    expect(res.aborted).toBe(true);
    expect(res.done.size + res.notStarted.length + res.failed.size).toBe(items.length);
    expect(res.done.size).toBeLessThan(items.length);
    expect(res.notStarted.length).toBeGreaterThan(0);
  });

  it("an already aborted signal starts nothing; no items is a no-op", async () => {
    const res = await runTaskPool({ workerUrl, workerData: {}, items, workers: 2, signal: AbortSignal.abort() });
    expect(res.notStarted).toEqual(items);
    expect((await runTaskPool({ workerUrl, workerData: {}, items: [], workers: 4 })).done.size).toBe(0);
  });
});
