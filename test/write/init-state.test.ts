// Issue 15, findings 1, 3 and 6 in one process: initializeStore validates and computes everything before its
// first store operation; claims the store exclusively (/.xpartition/init.json) and marks it complete last;
// writers and status refuse a store whose init did not complete, naming the claim; a later init of the same
// dataset takes over only a stale claim; the generation fences writers from before `init --mode w`. And the
// per-rank chunk manifests: exact format, hash in the record, equal at concurrency 1 and 2, with shards.
import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os, { tmpdir } from "node:os";
import { join } from "node:path";
import * as src from "../../src/index.js";
// Encode threads (concurrency > 1) run the built package: those tests use it throughout.
import * as dist from "xpartition";
import { initializeStore } from "../../src/write/initialize.js";
import { writePartition } from "../../src/write/write.js";
import { storeStatus } from "../../src/run/status.js";
import { FileSystemStore, type Store } from "../../src/store/index.js";
import { xxh64Hex } from "../../src/kernels/xxh64.js";
import {
  COMPLETE_KEY, IncompleteInitError, INIT_KEY, manifestKey, parseDuration, readInitState, requireCompleteInit,
} from "../../src/write/state.js";

const tmp = () => mkdtempSync(join(tmpdir(), "xp-init-"));
const quiet = { onWarning: () => {} };
const text = (b: Uint8Array | undefined) => new TextDecoder().decode(b);

/** A dataset with chunked `v` (time 8, x 6; chunks 2 x 3) of values `offset + index`, and an unchunked coordinate. */
function dataset(opts: {
  name?: string; offset?: number; attrs?: Record<string, unknown>; gate?: (t: number) => Promise<void>;
  /** The chunk at time 0..1, x 0..2 all 0 (the fill value under encoding { v: { fillValue: 0 } }). */
  emptyCorner?: boolean;
} = {}, lib: typeof src | typeof dist = src): src.Dataset {
  const { Dataset, fromArray, lazy } = lib;
  const offset = opts.offset ?? 0;
  const v = lazy({
    shape: [8, 6], dtype: "float32", chunks: [2, 3],
    compute: async ([t, x]: src.IndexRange[]) => {
      await opts.gate?.(t!.start);
      const out = new Float32Array((t!.stop - t!.start) * (x!.stop - x!.start));
      let p = 0;
      for (let i = t!.start; i < t!.stop; i++) for (let j = x!.start; j < x!.stop; j++) out[p++] = opts.emptyCorner && i < 2 && j < 3 ? 0 : offset + i * 10 + j + 1;
      return out;
    },
  });
  const coord = fromArray(Float64Array.from({ length: 8 }, (_, i) => i), [8]);
  return new (Dataset as typeof src.Dataset)({
    coords: { time: { dims: ["time"], data: coord } },
    dataVars: { [opts.name ?? "v"]: { dims: ["time", "x"], data: v, attrs: opts.attrs ?? { units: "K" } } },
  });
}

/** A Map store that counts every operation that could change it. */
function spyStore(): Store & { map: Map<string, Uint8Array>; changes: string[] } {
  const map = new Map<string, Uint8Array>();
  const changes: string[] = [];
  return {
    map, changes,
    get: (k) => map.get(k),
    set: (k, v) => void (changes.push(`set ${k}`), map.set(k, v)),
    setIfAbsent: (k, v) => (changes.push(`setIfAbsent ${k}`), map.has(k) ? false : (map.set(k, v), true)),
    delete: (k) => void (changes.push(`delete ${k}`), map.delete(k)),
    list: () => [...map.keys()],
    createRoot: () => void changes.push("createRoot"),
  };
}

/** A filesystem store whose `set` fails with ENOSPC from the `after`-th call on (a disk filling up). */
function fullDiskStore(dir: string, after: number): Store {
  const fs = new FileSystemStore(dir);
  let sets = 0;
  return {
    get: (k) => fs.get(k), delete: (k) => fs.delete(k), list: (p) => fs.list(p), createRoot: () => fs.createRoot(),
    setIfAbsent: (k, v) => fs.setIfAbsent(k, v),
    set: async (k, v) => {
      if (++sets >= after) throw Object.assign(new Error(`ENOSPC: no space left on device, write '${k}'`), { code: "ENOSPC" });
      return fs.set(k, v);
    },
  };
}

/** A pid that is not running: a child that has exited. */
function deadPid(): number {
  return Number(execFileSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" }));
}

describe("finding 1: everything is checked before the first store operation", () => {
  const refused: [string, () => src.Dataset, 2 | 3, RegExp][] = [
    ["a NaN attribute in zarr v3", () => dataset({ attrs: { bad: NaN } }), 3, /bad/],
    ["a function-valued attribute", () => dataset({ attrs: { f: () => 1 } }), 2, /f/],
    ["a circular attribute", () => { const a: Record<string, unknown> = {}; a.self = a; return dataset({ attrs: { a } }); }, 3, /self|circular/],
    ["a NUL byte in a variable name", () => dataset({ name: "te\0mp" }), 3, /NUL/],
  ];
  it.each(refused)("%s: refused, and nothing at all is written", async (_what, make, zarrFormat, message) => {
    const spy = spyStore();
    await expect(initializeStore(make(), spy, { zarrFormat })).rejects.toThrow(message);
    expect(spy.changes).toEqual([]);
    const dir = join(tmp(), "never.zarr");
    await expect(initializeStore(make(), dir, { zarrFormat })).rejects.toThrow(message);
    expect(existsSync(dir)).toBe(false);
  });

  it("the order of a good init: claim first, complete last, one generation", async () => {
    const spy = spyStore();
    await initializeStore(dataset(), spy, { plan: { ranks: 2, dims: ["time"] } });
    expect(spy.changes.slice(0, 4)).toEqual(["createRoot", `setIfAbsent ${INIT_KEY}`, "set /.xpartition/schema.json", "set /.xpartition/plan.json"]);
    expect(spy.changes.at(-2)).toBe("set /zarr.json");
    expect(spy.changes.at(-1)).toBe(`set ${COMPLETE_KEY}`);
    const claim = JSON.parse(text(spy.map.get(INIT_KEY)));
    expect(claim).toMatchObject({ host: os.hostname(), pid: process.pid, generation: expect.stringMatching(/^[0-9a-f]{24}$/), schemaFingerprint: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(JSON.parse(text(spy.map.get(COMPLETE_KEY)))).toEqual({ generation: claim.generation });
    expect(await requireCompleteInit(spy, "s")).toBe(claim.generation);
  });
});

describe("an init that fails midway (a full disk) leaves a store everything refuses, until an init takes it over", () => {
  it("write and status refuse it naming the claim; a re-init in this process takes it over and completes", async () => {
    const dir = join(tmp(), "full.zarr");
    const ds = dataset();
    await expect(initializeStore(ds, fullDiskStore(dir, 3))).rejects.toThrow(/ENOSPC/);
    expect(existsSync(join(dir, ".xpartition", "init.json"))).toBe(true);
    const named = new RegExp(`initialisation of this store did not complete \\(claimed by host ${os.hostname()}, pid ${process.pid}, started \\d{4}-.*Z; no /\\.xpartition/complete\\.json\\)`);
    await expect(writePartition(ds, dir, { ranks: 2, dims: ["time"], rank: 0 })).rejects.toThrow(named);
    await expect(writePartition(ds, dir, { ranks: 2, dims: ["time"], rank: 0 })).rejects.toBeInstanceOf(IncompleteInitError);
    await expect(storeStatus(dir)).rejects.toThrow(named);
    expect(existsSync(join(dir, ".xpartition", "ranks"))).toBe(false);
    // Its claim is this process's, whose init failed: stale at once.
    await initializeStore(ds, dir, { plan: { ranks: 2, dims: ["time"] } });
    for (const rank of [0, 1]) await writePartition(ds, dir, { ranks: 2, dims: ["time"], rank, ...quiet });
    expect((await storeStatus(dir)).missing).toEqual([]);
    expect((await new FileSystemStore(dir).list()).filter((k) => k.includes("takeover"))).toEqual([]);
  });
});

describe("finding 3: an unfinished init is taken over only when stale, by one init, for the same dataset", () => {
  /** A store whose init was claimed (by `claim`'s pid and start) and got as far as its schema. */
  async function unfinished(claim: { pid: number; startedAt?: string; host?: string }): Promise<string> {
    const dir = join(tmp(), "s.zarr");
    await expect(initializeStore(dataset(), fullDiskStore(dir, 2))).rejects.toThrow(/ENOSPC/);
    const fs = new FileSystemStore(dir);
    const c = JSON.parse(text(await fs.get(INIT_KEY)));
    await fs.set(INIT_KEY, new TextEncoder().encode(JSON.stringify({ ...c, ...claim })));
    return dir;
  }

  it("a live claim is refused, naming host, pid and start; an old one (staleAfter) is taken over", async () => {
    const startedAt = new Date(Date.now() - 60_000).toISOString();
    const dir = await unfinished({ pid: process.ppid, startedAt });
    const live = new RegExp(`being initialised by host ${os.hostname()}, pid ${process.ppid}, started ${startedAt.replace(/\./g, "\\.")}`);
    await expect(initializeStore(dataset(), dir)).rejects.toThrow(live);
    await expect(initializeStore(dataset(), dir, { staleAfter: parseDuration("10m") })).rejects.toThrow(live);
    await initializeStore(dataset(), dir, { staleAfter: parseDuration("30s") });
    expect(await requireCompleteInit(new FileSystemStore(dir), dir)).toMatch(/^[0-9a-f]{24}$/);
  });

  it("a dead process's claim is taken over at once; of another dataset it is refused; mode w replaces it anyway", async () => {
    const pid = deadPid();
    const dir = await unfinished({ pid });
    await expect(initializeStore(dataset({ name: "other" }), dir)).rejects.toThrow(new RegExp(`unfinished initialisation of another dataset.*pid ${pid}.*mode "w"`));
    await initializeStore(dataset(), dir);
    const st = await readInitState(new FileSystemStore(dir));
    expect(st.claim).toMatchObject({ pid: process.pid });
    // Complete now: "w-" refuses it as before.
    await expect(initializeStore(dataset(), dir)).rejects.toThrow(/already holds a zarr node.*mode "w"/);
    const other = await unfinished({ pid: process.ppid });
    await initializeStore(dataset({ name: "other" }), other, { mode: "w" });
    expect(existsSync(join(other, "other", "zarr.json")) && !existsSync(join(other, "v"))).toBe(true);
  });

  it("two takeovers at once: exactly one wins", async () => {
    const dir = await unfinished({ pid: deadPid() });
    const results = await Promise.allSettled([initializeStore(dataset(), dir), initializeStore(dataset(), dir), initializeStore(dataset(), dir)]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    for (const r of results) if (r.status === "rejected") expect(String(r.reason)).toMatch(/taking over|claimed this store|being initialised|already holds/);
    await requireCompleteInit(new FileSystemStore(dir), dir);
    expect((await new FileSystemStore(dir).list("/.xpartition/")).filter((k) => k.includes("takeover"))).toEqual([]);
  });

  it("two inits of different datasets at once in a new store: exactly one succeeds, and the store is all its own", async () => {
    for (let i = 0; i < 5; i++) {
      const dir = join(tmp(), "race.zarr");
      const [a, b] = await Promise.allSettled([initializeStore(dataset({ name: "a" }), dir), initializeStore(dataset({ name: "b" }), dir)]);
      expect([a.status, b.status].sort()).toEqual(["fulfilled", "rejected"]);
      const winner = a.status === "fulfilled" ? "a" : "b";
      const schema = JSON.parse(readFileSync(join(dir, ".xpartition", "schema.json"), "utf8"));
      expect(Object.keys(schema.variables).sort()).toEqual([winner, "time"]);
      expect(existsSync(join(dir, winner === "a" ? "b" : "a"))).toBe(false);
      rmSync(dir, { recursive: true });
    }
  });
});

describe("--stale-after durations", () => {
  it("take ms, s, m, h, d or bare seconds; anything else is an error naming it", () => {
    expect([parseDuration("10m"), parseDuration("90s"), parseDuration("500ms"), parseDuration("1.5h"), parseDuration("30"), parseDuration("1d")])
      .toEqual([600_000, 90_000, 500, 5_400_000, 30_000, 86_400_000]);
    expect(() => parseDuration("5x")).toThrow(/--stale-after "5x" is not a duration: expected a number with a unit \(ms, s, m, h, d\), e.g\. 10m/);
    expect(() => parseDuration("-1m")).toThrow(/not a duration/);
  });
});

describe("finding 6: the generation fences writers", () => {
  /**
   * Rank 0 of `old` paused in the compute of its second block (time 2) until `release` is called. At
   * concurrency 1 a paused compute holds this thread's turn (writes in one thread take turns block by block),
   * so another process's re-initialisation is played by rewriting the claim; at concurrency 2 it does not.
   */
  function pausedWriter(dir: string, concurrency: number) {
    const lib = concurrency > 1 ? dist : src;
    let release!: () => void, reached!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const atSecond = new Promise<void>((r) => (reached = r));
    const old = dataset({ offset: 1000, gate: async (t) => { if (t === 2) { reached(); await gate; } } }, lib);
    const writing = lib.writePartition(old as never, dir, { ranks: 1, dims: ["time"], rank: 0, memoryBudget: 2 * 3 * 4 * 2, concurrency, ...quiet });
    return { writing, atSecond, release };
  }

  it("a writer from before init --mode w stops at its next block: no record, no chunk of the new store overwritten", async () => {
    const dir = join(tmp(), "fence.zarr");
    await dist.initializeStore(dataset({}, dist) as never, dir);
    const w = pausedWriter(dir, 2);
    await w.atSecond;
    await dist.initializeStore(dataset({}, dist) as never, dir, { mode: "w" });
    const rec = await dist.writePartition(dataset({}, dist) as never, dir, { ranks: 1, dims: ["time"], rank: 0, ...quiet });
    const fs = new FileSystemStore(dir);
    const before = new Map(await Promise.all((await fs.list()).map(async (k) => [k, text(await fs.get(k))] as const)));
    w.release();
    await expect(w.writing).rejects.toMatchObject({ name: "GenerationChangedError" }); // the built package's class
    await expect(w.writing).rejects.toThrow(/changed while it was being written: it was initialised again \(generation [0-9a-f]{24}, host .*, pid \d+, started .*\); this rank stopped without a completion record/);
    const after = new Map(await Promise.all((await fs.list()).map(async (k) => [k, text(await fs.get(k))] as const)));
    expect(after).toEqual(before);
    expect(JSON.parse(after.get("/.xpartition/ranks/0.json")!).generation).toBe(rec.generation);
  });

  it("at concurrency 1 too: a claim replaced by another process's init stops the rank, with no record", async () => {
    const dir = join(tmp(), "fence1.zarr");
    await initializeStore(dataset(), dir);
    const w = pausedWriter(dir, 1);
    await w.atSecond;
    const fs = new FileSystemStore(dir);
    const claim = JSON.parse(text(await fs.get(INIT_KEY)));
    await fs.set(INIT_KEY, new TextEncoder().encode(JSON.stringify({ ...claim, generation: "f".repeat(24), pid: 4242 })));
    const chunks = (await fs.list("/v/")).length;
    w.release();
    await expect(w.writing).rejects.toThrow(/it was initialised again \(generation f{24}, host .*, pid 4242, started .*\); this rank stopped without a completion record/);
    expect(existsSync(join(dir, ".xpartition", "ranks", "0.json"))).toBe(false);
    expect((await fs.list("/v/")).length).toBe(chunks);
  });

  it("a store removed while a rank writes fails the rank, with no record and no store made again", async () => {
    const dir = join(tmp(), "gone.zarr");
    await dist.initializeStore(dataset({}, dist) as never, dir);
    const w = pausedWriter(dir, 2);
    await w.atSecond;
    rmSync(dir, { recursive: true });
    w.release();
    await expect(w.writing).rejects.toThrow(/changed while it was being written: it has no init claim now \(removed\?\)/);
    expect(existsSync(dir)).toBe(false);
  });

  it("status counts a record of an earlier initialisation as stale", async () => {
    const store = new Map<string, Uint8Array>();
    await initializeStore(dataset(), store, { plan: { ranks: 1, dims: ["time"] } });
    await writePartition(dataset(), store, { ranks: 1, dims: ["time"], rank: 0, ...quiet });
    const rec = store.get("/.xpartition/ranks/0.json")!;
    await initializeStore(dataset(), store, { mode: "w", plan: { ranks: 1, dims: ["time"] } });
    store.set("/.xpartition/ranks/0.json", rec);
    const st = await storeStatus(store);
    expect(st.missing).toEqual([0]);
    expect(st.details[0]).toMatchObject({ state: "stale", reason: expect.stringMatching(/written into an earlier initialisation of the store \(generation [0-9a-f]{24}; the store's is [0-9a-f]{24}\)/) });
  });
});

describe("per-rank chunk manifests", () => {
  const sharded = { v: { shards: [4, 6] } };

  async function written(concurrency: number, encoding?: Record<string, unknown>, writeEmptyChunks = true) {
    const store = new Map<string, Uint8Array>();
    // With writeEmptyChunks false, `v` is the fill value (0) over time 0..1, x 0..2: an empty chunk.
    const ds = dataset({ emptyCorner: !writeEmptyChunks }, dist) as never;
    if (!writeEmptyChunks) encoding = { v: { fillValue: 0 } };
    await dist.initializeStore(ds, store, { encoding: encoding as never, plan: { ranks: 2, dims: ["time"] } } as never);
    const recs = [];
    for (const rank of [0, 1]) recs.push(await dist.writePartition(ds, store, { ranks: 2, dims: ["time"], rank, concurrency, encoding: encoding as never, writeEmptyChunks, ...quiet }));
    return { store, recs };
  }

  it.each([
    ["chunks, concurrency 1", 1, undefined],
    ["chunks, concurrency 2", 2, undefined],
    ["shards, concurrency 1", 1, sharded],
    ["shards, concurrency 2", 2, sharded],
  ])("%s: one sorted line per chunk written, key, stored length and XXH64; the record holds its hash", async (_w, concurrency, encoding) => {
    const { store, recs } = await written(concurrency as number, encoding as never);
    let listed = 0;
    for (const rec of recs) {
      const bytes = store.get(manifestKey(rec.rank))!;
      expect(rec.manifest).toBe(xxh64Hex(bytes));
      const lines = text(bytes).split("\n");
      expect(lines.pop()).toBe("");
      const keys = lines.map((l) => l.split("\t")[0]!);
      expect(keys).toEqual([...keys].sort());
      expect(lines).toHaveLength(rec.chunks);
      for (const line of lines) {
        const [key, length, hash] = line.split("\t");
        const stored = store.get(key!)!;
        expect(line).toBe(`${key}\t${stored.length}\t${xxh64Hex(stored)}`);
        expect(hash).toMatch(/^[0-9a-f]{16}$/);
        expect(Number(length)).toBe(stored.length);
      }
      listed += lines.length;
    }
    const chunkKeys = [...store.keys()].filter((k) => /^\/v\/c\//.test(k));
    expect(listed).toBe(chunkKeys.length);
    // The same manifests at any concurrency.
    const one = await written(1, encoding as never);
    for (const rec of recs) expect(text(store.get(manifestKey(rec.rank)))).toBe(text(one.store.get(manifestKey(rec.rank))));
  });

  it("chunks skipped as empty (writeEmptyChunks: false) are not listed; status never reads a manifest", async () => {
    const { store, recs } = await written(1, undefined, false);
    expect(recs[0]!.skippedEmptyChunks).toBe(1);
    expect(text(store.get(manifestKey(0)))).not.toMatch(/^\/v\/c\/0\/0\t/m);
    expect(text(store.get(manifestKey(0))).split("\n").length - 1).toBe(recs[0]!.chunks);
    const gets: string[] = [];
    const watched = { get: (k: string) => (gets.push(k), store.get(k)), set: (k: string, v: Uint8Array) => void store.set(k, v) };
    expect((await storeStatus(watched)).missing).toEqual([]);
    expect(gets.filter((k) => k.endsWith(".chunks"))).toEqual([]);
  });
});
