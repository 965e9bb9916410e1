// writeAll on worker threads with the real writer: 1..N workers give byte-identical stores equal to an
// in-process write; resume skips complete ranks; a failing rank is reported and resume completes it; abort.
import { describe, expect, it, beforeAll } from "vitest";
import { mkdtempSync, readdirSync, readFileSync, statSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { writeAll, WriteAllError, initializeStore, writePartition, storeStatus, Dataset, type WriteAllProgress } from "xpartition";
import { expectVerified } from "../helpers/verify.js";
import { prestartedCount } from "../../dist/run/threads.js";
import { WORKER_URL } from "../../dist/run/prestart.js";

const fixture = resolve(import.meta.dirname, "../fixtures/small-dataset.mjs");
let dir = "";
let reference = "";

/**
 * Zarr keys and chunk manifests byte for byte; completion records without timings and generation; no plan.json
 * (writeAll's own), init.json or complete.json (each init's own generation, time and pid).
 */
export function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else {
        const key = "/" + relative(root, p);
        if (["/.xpartition/plan.json", "/.xpartition/init.json", "/.xpartition/complete.json"].includes(key)) continue;
        let body = readFileSync(p);
        if (key.startsWith("/.xpartition/ranks/") && key.endsWith(".json")) {
          const { timings: _t, generation: _g, ...rest } = JSON.parse(body.toString("utf8"));
          body = Buffer.from(JSON.stringify(rest));
        }
        out[key] = body.toString("base64");
      }
    }
  };
  walk(root);
  return out;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "xpartition-pool-"));
  reference = join(dir, "reference");
  const ds = (await (await import(fixture)).default()) as Dataset;
  await initializeStore(ds, reference);
  for (let rank = 0; rank < 5; rank++) await writePartition(ds, reference, { ranks: 5, dims: ["time", "x"], rank });
});

describe("writeAll", () => {
  it.each([1, 2, 3, 5])("with %i workers writes the same store as an in-process write", async (workers) => {
    const store = join(dir, `w${workers}`);
    const events: WriteAllProgress[] = [];
    const res = await writeAll({ dataset: fixture, store, ranks: 5, dims: ["time", "x"], workers, onProgress: (p) => events.push(p) });
    expect(res.written).toEqual([0, 1, 2, 3, 4]);
    expect(res.workers).toBe(workers);
    expect(res.chunks).toBe(15);
    expect(snapshot(store)).toEqual(snapshot(reference));
    const end = events.at(-1)!;
    expect(end).toMatchObject({ event: "end", ranks: 5, ranksDone: 5, chunksDone: 15, chunksTotal: 15, ranksFailed: 0 });
    expect(events.filter((e) => e.event === "rank").map((e) => e.rank).sort()).toEqual([0, 1, 2, 3, 4]);
    expect((await storeStatus(store)).missing).toEqual([]);
    await expectVerified(store);
  });

  it("with a sharding encoding override: planned and counted on shards, same store as in-process ranks", async () => {
    const encoding = { a: { shards: [4, 10] } };
    const ds = (await (await import(fixture)).default()) as Dataset;
    const ref = join(dir, "sharded-ref");
    await initializeStore(ds, ref, { encoding });
    for (let rank = 0; rank < 3; rank++) await writePartition(ds, ref, { ranks: 3, dims: ["time"], rank, encoding });
    const store = join(dir, "sharded");
    const events: WriteAllProgress[] = [];
    await writeAll({ dataset: fixture, store, ranks: 3, dims: ["time"], workers: 2, encoding, onProgress: (p) => events.push(p) });
    expect(snapshot(store)).toEqual(snapshot(ref));
    // a: 3 shards, b: 3 chunks.
    expect(events.at(-1)!).toMatchObject({ event: "end", chunksDone: 6, chunksTotal: 6 });
    expect(JSON.parse(readFileSync(join(store, "a", "zarr.json"), "utf8")).codecs[0].name).toBe("sharding_indexed");
    await expectVerified(store);
  });

  it("a failing rank is reported; resume writes only the missing ranks", async () => {
    const store = join(dir, "fail");
    process.env.XP_FAIL_TIME_START = "4"; // rank 1 of 3 over time computes time 4:8 (workers inherit env)
    let err: WriteAllError | undefined;
    try {
      await writeAll({ dataset: fixture, store, ranks: 3, dims: ["time"], workers: 2 });
    } catch (e) {
      err = e as WriteAllError;
    } finally {
      delete process.env.XP_FAIL_TIME_START;
    }
    expect(err).toBeInstanceOf(WriteAllError);
    expect([...err!.failed.keys()]).toEqual([1]);
    expect(err!.message).toMatch(/1 of 3 ranks failed \(1\); rank 1: .*injected failure at time 4/);
    expect(err!.result.written).toEqual([0, 2]);
    expect((await storeStatus(store)).missing).toEqual([1]);
    const res = await writeAll({ dataset: fixture, store, ranks: 3, dims: ["time"], workers: 2, resume: true });
    expect(res.written).toEqual([1]);
    expect(res.skipped).toEqual([0, 2]);
    expect((await storeStatus(store)).missing).toEqual([]);
    await expectVerified(store);
  });

  it("resume with a different plan is refused; a new init replaces the store only in mode w", async () => {
    const store = join(dir, "modes");
    await writeAll({ dataset: fixture, store, ranks: 2, dims: ["time"], workers: 1 });
    await expect(writeAll({ dataset: fixture, store, ranks: 3, dims: ["time"], resume: true })).rejects.toThrow(/ranks 3 does not match the plan recorded in .*: 2 ranks over time/);
    await expect(writeAll({ dataset: fixture, store, ranks: 2, dims: ["time"] })).rejects.toThrow(/already holds a zarr node/);
    // Its threads, started before init to overlap it, ended with the refusal (none left idle for later).
    expect(prestartedCount(WORKER_URL)).toBe(0);
    const res = await writeAll({ dataset: fixture, store, ranks: 3, dims: ["time"], init: "w", workers: 2 });
    expect(res.written).toEqual([0, 1, 2]);
    expect(existsSync(join(store, ".xpartition", "ranks", "2.json"))).toBe(true);
    await expectVerified(store); // nothing of the replaced store is left
  });

  it("an aborted signal writes nothing more and says so", async () => {
    const store = join(dir, "abort");
    const ac = new AbortController();
    ac.abort();
    const err = await writeAll({ dataset: fixture, store, ranks: 4, dims: ["time"], signal: ac.signal }).catch((e) => e);
    expect(err).toBeInstanceOf(WriteAllError);
    expect(err.aborted).toBe(true);
    expect(err.failed.size).toBe(0);
    expect((await storeStatus(store)).missing).toEqual([0, 1, 2, 3]);
  });

  it("bad arguments fail before anything is written", async () => {
    const store = join(dir, "bad");
    await expect(writeAll({ dataset: fixture, store: new Map() as never, ranks: 2, dims: ["time"] })).rejects.toThrow(/store must be a path or a file: URL/);
    await expect(writeAll({ dataset: fixture, store, ranks: 0, dims: ["time"] })).rejects.toThrow(/ranks 0 is not valid/);
    await expect(writeAll({ dataset: fixture, store, ranks: 2, dims: ["time"], workers: 0 })).rejects.toThrow(/workers 0 is not valid/);
    await expect(writeAll({ dataset: fixture, store, ranks: 2, dims: ["time"], init: "a" as never })).rejects.toThrow(/init "a" is not valid/);
    await expect(writeAll({ dataset: fixture, store, ranks: 2, dims: ["nope"] })).rejects.toThrow(/nope/);
    await expect(writeAll({ dataset: "missing.mjs", store, ranks: 2, dims: ["time"] })).rejects.toThrow(/dataset module not found/);
    await expect(writeAll({ dataset: fixture, exportName: "zzz", store, ranks: 2, dims: ["time"] })).rejects.toThrow(/has no export named "zzz"/);
    await expect(writeAll({ dataset: fixture, store, ranks: 2, dims: ["time"], onWarning: () => {} })).rejects.toThrow(/option onWarning is a function/);
    await expect(writeAll({ dataset: fixture, store, ranks: 2, dims: ["time"], init: false })).rejects.toThrow(/is not an initialised xpartition store \(no \/\.xpartition\/init\.json\)/);
    expect(existsSync(store)).toBe(false);
    rmSync(store, { recursive: true, force: true });
  });

  it("init: false writes into a store initialised by the library, and records the plan", async () => {
    const store = join(dir, "preinit");
    const ds = (await (await import(fixture)).default()) as Dataset;
    await initializeStore(ds, store, { zarrFormat: 2 });
    const res = await writeAll({ dataset: fixture, store, ranks: 3, dims: ["time"], init: false, workers: 2 });
    expect(res.written).toEqual([0, 1, 2]);
    expect(JSON.parse(readFileSync(join(store, ".xpartition", "plan.json"), "utf8"))).toEqual({ ranks: 3, dims: ["time"] });
    expect((await storeStatus(store)).missing).toEqual([]);
    expect(existsSync(join(store, ".zgroup"))).toBe(true);
    await expectVerified(store);
  });

  it("a named export that is a function returning the dataset works", async () => {
    const store = join(dir, "named");
    const res = await writeAll({ dataset: fixture, exportName: "named", store, ranks: 2, dims: ["time"], workers: 2 });
    expect(res.written).toEqual([0, 1]);
  });
});
