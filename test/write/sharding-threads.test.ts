// Sharded variables with encode threads (concurrency > 1): shards are assembled on the rank's thread, unsharded
// variables go to the encode threads. Imports the package (dist): the workers load the built module.
import * as zarr from "zarrita";
import { describe, expect, it } from "vitest";
import { Dataset, lazy, initializeStore, writePartition, type TypedArray } from "xpartition";
import { rangeStore } from "./shard-helpers.js";

/** A 2-d lazy array copying from `full` (shape [T, X]). */
function lazy2d(full: TypedArray, T: number, X: number, dtype: "float32" | "int32", chunks: number[]) {
  return lazy({
    shape: [T, X], dtype, chunks,
    compute: (region, out) => {
      const [rt, rx] = region as { start: number; stop: number }[];
      const ctor = full.constructor as unknown as new (n: number) => TypedArray;
      const o = out ?? new ctor((rt!.stop - rt!.start) * (rx!.stop - rx!.start));
      let p = 0;
      for (let t = rt!.start; t < rt!.stop; t++) for (let x = rx!.start; x < rx!.stop; x++) (o as Float32Array)[p++] = (full as Float32Array)[t * X + x]!;
      return o;
    },
  });
}

async function zarritaRead(store: Map<string, Uint8Array>, name: string) {
  const root = await zarr.withConsolidatedMetadata(rangeStore(store) as never, { format: "v3" });
  const a = await zarr.open((await zarr.open(root, { kind: "group" })).resolve(name), { kind: "array" });
  return (await zarr.get(a)).data;
}

describe("sharding with encode threads", () => {
  it("concurrency 2: shards are assembled by the encode threads; same bytes, counts and digests as concurrency 1", async () => {
    const a = Float32Array.from({ length: 12 * 10 }, (_, i) => i * 0.25);
    const b = Int32Array.from({ length: 12 * 10 }, (_, i) => i * 3);
    const ds = new Dataset({
      dataVars: {
        a: { dims: ["t", "x"], data: lazy2d(a, 12, 10, "float32", [2, 5]), encoding: { shards: [4, 10] } },
        c: {
          dims: ["t", "x"], data: lazy2d(a, 12, 10, "float32", [5, 6]),
          encoding: { codecs: [{ name: "sharding_indexed", configuration: { chunk_shape: [1, 3], codecs: [{ name: "zstd", configuration: { level: 1, checksum: false } }], index_location: "start" } }] },
        },
        b: { dims: ["t", "x"], data: lazy2d(b, 12, 10, "int32", [2, 5]) },
      },
    });
    const stores = [];
    const records: unknown[][] = [];
    for (const concurrency of [1, 2, 3]) {
      const store = new Map<string, Uint8Array>();
      await initializeStore(ds, store, { zarrFormat: 3 });
      const recs = [];
      // A small budget: several blocks per rank, gather and slab units both.
      for (let r = 0; r < 2; r++) {
        const { timings: _t, generation: _g, ...rec } = await writePartition(ds, store, { ranks: 2, dims: ["t", "x"], rank: r, concurrency, memoryBudget: 400 });
        recs.push(rec);
      }
      records.push(recs);
      expect(Array.from((await zarritaRead(store, "a")) as Float32Array)).toEqual(Array.from(a));
      expect(Array.from((await zarritaRead(store, "b")) as Int32Array)).toEqual(Array.from(b));
      stores.push(store);
    }
    // Records (with their manifests' hashes) compared apart; init.json and complete.json hold each init's own generation.
    const perInit = (k: string) => k.startsWith("/.xpartition/ranks") || k === "/.xpartition/init.json" || k === "/.xpartition/complete.json";
    const zarrKeys = (s: Map<string, Uint8Array>) => [...s.keys()].filter((k) => !perInit(k)).sort();
    for (const other of [1, 2]) {
      expect(zarrKeys(stores[other]!)).toEqual(zarrKeys(stores[0]!));
      for (const k of zarrKeys(stores[0]!)) expect(Buffer.from(stores[other]!.get(k)!).equals(Buffer.from(stores[0]!.get(k)!)), k).toBe(true);
      expect(records[other]).toEqual(records[0]);
    }
  });
});
