// A store error while chunks are written (ENOSPC, any failing set) names the variable and the region at every
// `concurrency` (encode threads included), and a compute error of an unnamed lazy() names the dataset's
// variable. `concurrency` > 1 starts encode threads from dist/, hence the package import.
import { describe, expect, it } from "vitest";
import { Dataset, lazy, initializeStore, writePartition } from "xpartition";

/** An in-memory store whose `set` of a chunk key of `variable` fails with ENOSPC from the `after`-th on. */
function fullDisk(variable: string, after: number) {
  const map = new Map<string, Uint8Array>();
  let n = 0;
  return {
    map,
    get: (k: string) => map.get(k),
    setIfAbsent: (k: string, v: Uint8Array) => (map.has(k) ? false : (map.set(k, v), true)),
    delete: (k: string) => void map.delete(k),
    list: () => [...map.keys()],
    set: async (k: string, v: Uint8Array) => {
      if (k.startsWith(`/${variable}/c`) && ++n >= after) throw Object.assign(new Error(`ENOSPC: no space left on device, write '${k}'`), { code: "ENOSPC" });
      map.set(k, v);
    },
  };
}

function dataset(failAt?: number): Dataset {
  const f = (t: { start: number; stop: number }, x: { start: number; stop: number }) => {
    if (t.start === failAt) throw new Error(`no data for time ${t.start}`);
    return Float32Array.from({ length: (t.stop - t.start) * (x.stop - x.start) }, (_, i) => t.start + i);
  };
  return new Dataset({
    dataVars: {
      // Unnamed lazy arrays: errors must name the dataset's variables.
      temperature: { dims: ["t", "x"], data: lazy({ shape: [64, 4096], dtype: "float32", chunks: [4, 4096], compute: ([t, x]) => f(t!, x!) }) },
      wind: { dims: ["t", "x"], data: lazy({ shape: [64, 4096], dtype: "float32", chunks: [4, 4096], compute: ([t, x]) => f(t!, x!) }) },
    },
  });
}

describe("store errors name the variable and region", () => {
  it.each([1, 2, 3])("ENOSPC on a chunk of wind at concurrency %i", async (concurrency) => {
    const store = fullDisk("wind", 3);
    await initializeStore(dataset(), store);
    const err = await writePartition(dataset(), store, { ranks: 1, rank: 0, dims: ["t"], concurrency, memoryBudget: 1 << 20 }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/^writing variable "wind" region \[8:12, 0:4096\] failed: ENOSPC: no space left on device, write '\/wind\/c\/2\/0'$/);
    expect((err as Error).name).toBe("PartitionWriteError");
    expect(((err as Error).cause as { code?: string }).code).toBe("ENOSPC");
    expect(store.map.has("/.xpartition/ranks/0.json")).toBe(false);
  });

  it.each([1, 2])("ENOSPC on a shard of wind at concurrency %i: the shard's region", async (concurrency) => {
    const store = fullDisk("wind", 2);
    const sharded = () => dataset().assign({ wind: { ...dataset().dataVars.wind!, encoding: { shards: [16, 4096] } } });
    await initializeStore(sharded(), store, { zarrFormat: 3 });
    const err = await writePartition(sharded(), store, { ranks: 1, rank: 0, dims: ["t"], concurrency }).catch((e: Error) => e);
    expect((err as Error).message).toMatch(/^writing variable "wind" region \[16:32, 0:4096\] failed: ENOSPC: no space left on device, write '\/wind\/c\/1\/0'$/);
    expect(store.map.has("/.xpartition/ranks/0.json")).toBe(false);
  });
});

describe("compute errors of an unnamed lazy()", () => {
  it.each([1, 2])("name the dataset's variable at concurrency %i", async (concurrency) => {
    const store = fullDisk("none", Infinity);
    await initializeStore(dataset(), store);
    const err = await writePartition(dataset(20), store, { ranks: 2, rank: 0, dims: ["t"], concurrency, memoryBudget: 1 << 16 }).catch((e: Error) => e);
    expect((err as Error).message).toBe('writing variable "temperature" region [20:24, 0:4096] failed: no data for time 20');
  });
});
