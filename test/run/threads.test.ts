// The worker-thread pool's mechanics with a stub task (the writer is not involved): every item once, 1..N
// workers, per-item failures, a crashing worker replaced, setup failures, abort.
import { describe, expect, it } from "vitest";
import { threadId } from "node:worker_threads";
import { execFileSync } from "node:child_process";
import { prestartedCount, prestartWorkers, runTaskPool, WorkerSetupError } from "../../dist/run/threads.js";

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

  it("inline: the calling thread is one of the workers; its failures are per item; an abort reaches it", async () => {
    const inline = async (item: number, ctx: { signal: AbortSignal; emit(d: unknown): void }) => {
      await new Promise((r) => setTimeout(r, 3));
      if (item === 5) throw new RangeError("item 5 failed inline");
      ctx.emit({ item });
      return { item, thread: threadId, square: item * item };
    };
    const events: number[] = [];
    const res = await runTaskPool({ workerUrl, workerData: { delayMs: 3 }, items, workers: 2, inline, onEvent: (i) => events.push(i) });
    const threads = [...res.done.values()].map((r) => (r as { thread: number }).thread);
    // This thread and at most one worker thread (busy starting meanwhile) took items; every item once.
    expect(threads).toContain(threadId);
    expect(new Set(threads).size).toBeLessThanOrEqual(2);
    expect(res.done.size + res.failed.size).toBe(items.length);
    for (const [i, r] of res.done) expect(r).toMatchObject({ item: i, square: i * i });
    if (res.failed.has(5)) expect(res.failed.get(5)!.message).toBe("item 5 failed inline");

    const ac = new AbortController();
    let sawAbort = false;
    const slow = async (_: number, ctx: { signal: AbortSignal }) => {
      ac.abort();
      await new Promise((r) => setTimeout(r, 20));
      sawAbort = ctx.signal.aborted;
      return {};
    };
    const r2 = await runTaskPool({ workerUrl, workerData: { delayMs: 20 }, items, workers: 2, inline: slow, signal: ac.signal });
    expect(sawAbort).toBe(true);
    expect(r2.aborted).toBe(true);
    expect(r2.done.size + r2.notStarted.length + r2.failed.size).toBe(items.length);
  });

  it("a released item lets its thread take the next one meanwhile (one running, two in flight per thread); each ends once", async () => {
    const res = await runTaskPool({ workerUrl, workerData: { releaseMs: 60 }, items, workers: 2 });
    expect([...res.done.keys()].sort((a, b) => a - b)).toEqual(items);
    const runs = [...res.done.values()] as { thread: number; started: number; ended: number }[];
    const byThread = new Map<number, typeof runs>();
    for (const r of runs) byThread.set(r.thread, [...(byThread.get(r.thread) ?? []), r]);
    expect(byThread.size).toBeLessThanOrEqual(2);
    let overlapped = 0;
    for (const rs of byThread.values()) {
      rs.sort((a, b) => a.started - b.started);
      // Never three at once on a thread: each started after the one two before it ended.
      for (let i = 2; i < rs.length; i++) expect(rs[i]!.started).toBeGreaterThanOrEqual(rs[i - 2]!.ended);
      // The next item started before the previous one ended (it had released its thread)...
      for (let i = 1; i < rs.length; i++) if (rs[i]!.started < rs[i - 1]!.ended) overlapped++;
    }
    // ...nearly always: 12 items of 60 ms each, released at once.
    expect(overlapped).toBeGreaterThanOrEqual(6);
  });

  it("a thread that dies with a released item finishing fails both it and its running item; failures after a release are per item", async () => {
    const died = await runTaskPool({ workerUrl, workerData: { releaseMs: 40, crashAfterRelease: [4] }, items, workers: 2 });
    expect(died.failed.get(4)!.message).toBe("its worker thread exited (code 4) without a result");
    // Whatever that thread had started after item 4 released it failed with it; nothing was dropped or run twice.
    expect(died.done.size + died.failed.size).toBe(items.length);
    for (const [i] of died.failed) expect(died.done.has(i)).toBe(false);
    expect(died.failed.size).toBeLessThanOrEqual(2); // two items in flight per thread at most
    const failed = await runTaskPool({ workerUrl, workerData: { releaseMs: 10, failAfterRelease: [2, 9] }, items, workers: 2 });
    expect([...failed.failed.keys()].sort((a, b) => a - b)).toEqual([2, 9]);
    expect(failed.failed.get(9)!.message).toBe("item 9 failed after its release");
    expect(failed.done.size).toBe(10);
  });

  it("prestarted threads are adopted by the next pool (setup sent in a message); extra ones are terminated", async () => {
    prestartWorkers(workerUrl, 3);
    const res = await runTaskPool({ workerUrl, workerData: { delayMs: 2 }, items, workers: 2 });
    expect([...res.done.keys()].sort((a, b) => a - b)).toEqual(items);
    expect(new Set([...res.done.values()].map((r) => (r as { thread: number }).thread)).size).toBeLessThanOrEqual(2);
    // A setup failure reaches the pool through an adopted thread too.
    prestartWorkers(workerUrl, 1);
    await expect(runTaskPool({ workerUrl, workerData: { failSetup: "late" }, items, workers: 1 })).rejects.toThrow("setup failed: late");
  });

  it("prestartWorkers tops the reserve up to n (the CLI's early start and run's own call start n, not 2n)", async () => {
    prestartWorkers(workerUrl, 2);
    prestartWorkers(workerUrl, 2);
    expect(prestartedCount(workerUrl)).toBe(2);
    prestartWorkers(workerUrl, 3);
    expect(prestartedCount(workerUrl)).toBe(3);
    const res = await runTaskPool({ workerUrl, workerData: { delayMs: 2 }, items, workers: 3 });
    expect(res.done.size).toBe(items.length);
    expect(prestartedCount(workerUrl)).toBe(0);
  });

  it("threads set up ahead of a pool that never comes (the caller failed first) do not keep the process alive", () => {
    const threads = new URL("../../dist/run/threads.js", import.meta.url).href;
    const code = `import { prestartWorkers, setupPrestarted } from ${JSON.stringify(threads)};
      const url = new URL(${JSON.stringify(workerUrl.href)});
      prestartWorkers(url, 2);
      setupPrestarted(url, { delayMs: 1 });
      console.log("exits");`;
    expect(execFileSync(process.execPath, ["--input-type=module", "-e", code], { encoding: "utf8", timeout: 20_000 }).trim()).toBe("exits");
  });
});
