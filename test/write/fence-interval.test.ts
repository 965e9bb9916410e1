// The generation fence's window: one read of /.xpartition/init.json covers the writes of the next 5 ms by
// default, and of the store's own `fenceIntervalMs` when it declares one (object stores: a read is a round trip
// that the writes behind it would wait for). Each check reads the claim only.
import { describe, expect, it } from "vitest";
import { Dataset, lazy, initializeStore, writePartition } from "../../src/index.js";

/** A Map store whose set takes `delayMs` (like a remote store), counting reads per key. */
function slowStore(delayMs: number, fenceIntervalMs?: number) {
  const m = new Map<string, Uint8Array>();
  const reads = new Map<string, number>();
  return {
    reads, fenceIntervalMs,
    get: (k: string) => { reads.set(k, (reads.get(k) ?? 0) + 1); return m.get(k); },
    set: async (k: string, v: Uint8Array) => { await new Promise((r) => setTimeout(r, delayMs)); m.set(k, v); },
    setIfAbsent: (k: string, v: Uint8Array) => (m.has(k) ? false : (m.set(k, v), true)),
    delete: (k: string) => m.delete(k),
    list: () => m.keys(),
  };
}

const ds = () => new Dataset({ dataVars: { v: { dims: ["t", "x"], data: lazy({ shape: [64, 8], dtype: "float32", chunks: [1, 8], compute: (r) => new Float32Array((r[0]!.stop - r[0]!.start) * 8).fill(r[0]!.start) }) } } });

describe("generation fence window", () => {
  it("by default a check every 5 ms; a store's fenceIntervalMs of 1 s: about one check for the whole rank", async () => {
    const counts: number[] = [];
    for (const interval of [undefined, 1000]) {
      const store = slowStore(10, interval);
      await initializeStore(ds(), store, { zarrFormat: 3 });
      store.reads.clear();
      // 64 chunks, one store write in flight at a time, 10 ms each: ~640 ms of writes.
      await writePartition(ds(), store, { ranks: 1, dims: ["t"], rank: 0, storeConcurrency: 1, memoryBudget: 1024 });
      expect(store.reads.get("/.xpartition/complete.json") ?? 0, "the fence reads the claim only").toBeLessThanOrEqual(1);
      counts.push(store.reads.get("/.xpartition/init.json") ?? 0);
    }
    const [byDefault, slow] = counts as [number, number];
    expect(byDefault).toBeGreaterThanOrEqual(40); // a check before nearly every 10 ms write
    // start, ~1 per second of writes (a block's check after its compute included), before the manifest and the record
    expect(slow).toBeLessThanOrEqual(8);
  });

  it("with a window, a claim replaced mid-write still stops the rank within about that window, with no record", async () => {
    const store = slowStore(10, 100);
    await initializeStore(ds(), store, { zarrFormat: 3 });
    const writes: number[] = [];
    let replacedAt = Infinity;
    const set = store.set;
    store.set = async (k: string, v: Uint8Array) => {
      await set(k, v);
      if (!k.includes("/c/")) return;
      writes.push(performance.now());
      if (writes.length === 20) {
        const claim = JSON.parse(new TextDecoder().decode(store.get("/.xpartition/init.json")!));
        await set("/.xpartition/init.json", new TextEncoder().encode(JSON.stringify({ ...claim, generation: "f".repeat(24) })));
        replacedAt = performance.now();
      }
    };
    const w = writePartition(ds(), store, { ranks: 1, dims: ["t"], rank: 0, storeConcurrency: 1, memoryBudget: 1024 });
    await expect(w).rejects.toThrow(/it was initialised again \(generation f{24}/);
    expect(store.get("/.xpartition/ranks/0.json")).toBeUndefined();
    const late = writes.filter((t) => t > replacedAt).length;
    // 100 ms of 10 ms writes, one in flight: about 10, far from the 44 left.
    expect(late).toBeLessThanOrEqual(15);
  });
});
