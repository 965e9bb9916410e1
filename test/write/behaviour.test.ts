import { describe, expect, it } from "vitest";
import { mkdtempSync, statSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Dataset, lazy, fromArray, derive, initializeStore, writePartition, FileSystemStore, StoreStateError, SchemaMismatchError, PartitionWriteError, WriteSpecError, StoreError, RankError, type CompletionRecord } from "../../src/index.js";
import { readCompletionRecord } from "../../src/internal.js";
import { readAll, small } from "./helpers.js";

const quiet = { onWarning: () => {} };
const tmp = () => mkdtempSync(join(tmpdir(), "xp-write-"));

function zarrKeys(store: Map<string, Uint8Array>): Map<string, Uint8Array> {
  return new Map([...store].filter(([k]) => !k.startsWith("/.xpartition/")).sort(([a], [b]) => (a < b ? -1 : 1)));
}

function withoutTimings(b: Uint8Array): unknown {
  const r = JSON.parse(new TextDecoder().decode(b)) as CompletionRecord;
  return { ...r, timings: undefined, generation: undefined }; // each init has a generation of its own
}

async function writeStore(order: number[], ranks: number, dims: string[], format: 2 | 3 = 3): Promise<Map<string, Uint8Array>> {
  const { ds } = small();
  const store = new Map<string, Uint8Array>();
  await initializeStore(ds, store, { zarrFormat: format });
  for (const r of order) await writePartition(ds, store, { ranks, dims, rank: r, memoryBudget: 300, ...quiet });
  return store;
}

describe("initializeStore modes", () => {
  it('"w-" refuses an existing store and says how to replace it; "w" replaces it', async () => {
    const { ds } = small();
    const store = new Map<string, Uint8Array>();
    await initializeStore(ds, store, { zarrFormat: 2 });
    await writePartition(ds, store, { ranks: 1, dims: ["time"], rank: 0 });
    await expect(initializeStore(ds, store, { zarrFormat: 2 })).rejects.toThrow(/already holds a zarr node.*mode "w"/);
    await expect(initializeStore(ds, store, { zarrFormat: 2 })).rejects.toBeInstanceOf(StoreStateError);
    const only = new Dataset({ dataVars: { other: { dims: ["z"], data: fromArray(new Float32Array([1, 2, 3]), [3], { chunks: [2] }) } } });
    await initializeStore(only, store, { zarrFormat: 3, mode: "w" });
    expect([...store.keys()].sort()).toEqual([
      "/.xpartition/complete.json", "/.xpartition/init.json", "/.xpartition/schema.json", "/other/zarr.json", "/zarr.json",
    ]);
    const bare = { m: new Map<string, Uint8Array>(), get(k: string) { return this.m.get(k); }, set(k: string, v: Uint8Array) { this.m.set(k, v); } };
    await expect(initializeStore(only, bare, { mode: "w" })).rejects.toBeInstanceOf(StoreError);
    expect(bare.m.size).toBe(0);
  });

  it("validates before writing anything", async () => {
    const store = new Map<string, Uint8Array>();
    const bad = new Dataset({ dataVars: { v: { dims: ["x"], data: lazy({ shape: [10], dtype: "float32", chunks: [[4, 2, 4]], compute: () => new Float32Array(0) }) } } });
    await expect(initializeStore(bad, store)).rejects.toThrow(/variable "v": chunks along dimension "x" are \[4, 2, 4\].*rechunk/);
    const grow = new Dataset({ dataVars: { v: { dims: ["x"], data: lazy({ shape: [10], dtype: "float32", chunks: [[3, 3, 4]], compute: () => new Float32Array(0) }) } } });
    await expect(initializeStore(grow, store)).rejects.toBeInstanceOf(WriteSpecError);
    const codec = new Dataset({ dataVars: { v: { dims: ["x"], data: fromArray(new Float32Array(4), [4], { chunks: [2] }), encoding: { compressor: { id: "blosc", clevel: 12 } } } } });
    await expect(initializeStore(codec, store)).rejects.toThrow(/variable "v": codec "blosc".*clevel/);
    const v3only = new Dataset({ dataVars: { v: { dims: ["x"], data: fromArray(new Float32Array(4), [4], { chunks: [2] }), encoding: { codecs: [{ name: "bytes" }] } } } });
    await expect(initializeStore(v3only, store, { zarrFormat: 2 })).rejects.toThrow(/for zarr v2 use compressor and filters/);
    await expect(initializeStore(small().ds, store, { encoding: { nope: {} } })).rejects.toThrow(/nope/);
    expect(store.size).toBe(0);
  });
});

describe("write refuses before writing anything", () => {
  it("an uninitialised store, a different schema, bad ranks", async () => {
    const { ds } = small();
    const store = new Map<string, Uint8Array>();
    await expect(writePartition(ds, store, { ranks: 2, dims: ["time"], rank: 0 })).rejects.toThrow(/not an initialised xpartition store.*initializeStore/);
    await initializeStore(ds, store, { zarrFormat: 3 });
    const n = store.size;
    const other = new Dataset({ dataVars: { temp: { dims: ["time", "y", "x"], data: fromArray(new Float64Array(7 * 5 * 6), [7, 5, 6], { chunks: [3, 2, 4] }) } } });
    const err = await writePartition(other, store, { ranks: 2, dims: ["time"], rank: 0 }).catch((e) => e);
    expect(err).toBeInstanceOf(SchemaMismatchError);
    expect(err.message).toMatch(/variable "temp" dtype: initialised "float32", this dataset "float64"/);
    expect(err.message).toMatch(/variable "flag" was initialised but is not in this dataset/);
    await expect(writePartition(ds, store, { ranks: 2, dims: ["time"], rank: 2 })).rejects.toBeInstanceOf(RankError);
    await expect(writePartition(ds, store, { ranks: 2, dims: ["nope"], rank: 0 })).rejects.toThrow(/nope/);
    await expect(writePartition(ds, store, { ranks: 2, dims: ["time"], rank: 0, encoding: { temp: { compressor: null } } })).rejects.toThrow(/codecs/);
    expect(store.size).toBe(n);
  });
});

describe("determinism", () => {
  it("ranks in any order give a byte-identical store (v2 and v3), records equal except timings", async () => {
    for (const format of [2, 3] as const) {
      const a = await writeStore([0, 1, 2, 3, 4], 5, ["x", "time"], format);
      const b = await writeStore([3, 1, 4, 0, 2], 5, ["x", "time"], format);
      expect(zarrKeys(b)).toEqual(zarrKeys(a));
      for (let r = 0; r < 5; r++) expect(withoutTimings(b.get(`/.xpartition/ranks/${r}.json`)!)).toEqual(withoutTimings(a.get(`/.xpartition/ranks/${r}.json`)!));
    }
  });

  it("an idle rank records that it had nothing to do", async () => {
    const store = await writeStore([0, 1, 2], 3, ["x"]);
    const rec = await readCompletionRecord(store, 2);
    expect(rec).toMatchObject({ rank: 2, ranks: 3, dims: ["x"], idle: true, chunks: 0, bytesIn: 0 });
    const rec0 = (await readCompletionRecord(store, 0))!;
    expect(rec0.idle).toBe(false);
    expect(rec0.chunks).toBeGreaterThan(0);
    expect(rec0.bytesOut).toBeGreaterThan(0);
    expect(rec0.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(rec0.digest).toMatch(/^sha256-xor-xxh64:[0-9a-f]{64}$/);
  });
});

describe("fault injection", () => {
  it("a compute that throws mid-partition leaves complete chunks and no record; a re-run completes identically", async () => {
    const clean = await writeStore([0, 1], 2, ["time"]);
    const { ds: good } = small();
    const { ds: failing } = small({ wrongAt: 3 });
    const store = new Map<string, Uint8Array>();
    await initializeStore(good, store);
    await writePartition(good, store, { ranks: 2, dims: ["time"], rank: 1, memoryBudget: 300, ...quiet });
    const err = await writePartition(failing, store, { ranks: 2, dims: ["time"], rank: 0, memoryBudget: 300, ...quiet }).catch((e) => e);
    expect(err).toBeInstanceOf(PartitionWriteError);
    expect(err.message).toMatch(/variable "temp" region \[\d+:\d+, \d+:\d+, \d+:\d+\] failed: injected failure/);
    expect(store.has("/.xpartition/ranks/0.json")).toBe(false);
    // every chunk present is a complete, valid chunk: equal to the clean store's
    for (const [k, v] of store) if (!k.startsWith("/.xpartition/")) expect(clean.get(k)).toEqual(v);
    await writePartition(good, store, { ranks: 2, dims: ["time"], rank: 0, memoryBudget: 300, ...quiet });
    expect(zarrKeys(store)).toEqual(zarrKeys(clean));
  });

  it("a compute returning the wrong length names the variable and region", async () => {
    const ds = new Dataset({ dataVars: { v: { dims: ["x"], data: lazy({ shape: [10], dtype: "float32", chunks: [5], compute: () => new Float32Array(3) }) } } });
    const store = new Map<string, Uint8Array>();
    await initializeStore(ds, store);
    await expect(writePartition(ds, store, { ranks: 1, dims: ["x"], rank: 0 })).rejects.toThrow(/variable "v" region \[0:10\] failed: .*3/);
  });
});

describe("options", () => {
  it("writeEmptyChunks: false skips chunks equal to the fill value and deletes stale ones", async () => {
    const data = new Float32Array(12).fill(NaN);
    data[5] = 1;
    const ds = new Dataset({ dataVars: { v: { dims: ["x"], data: fromArray(data, [12], { chunks: [4] }) } } });
    const store = new Map<string, Uint8Array>();
    await initializeStore(ds, store);
    store.set("/v/c/2", new Uint8Array([1, 2, 3]));
    const rec = await writePartition(ds, store, { ranks: 1, dims: ["x"], rank: 0, writeEmptyChunks: false });
    expect(rec.chunks).toBe(1);
    expect(rec.skippedEmptyChunks).toBe(2);
    expect([...store.keys()].filter((k) => k.startsWith("/v/c"))).toEqual(["/v/c/1"]);
    const got = await readAll(store, 3);
    expect(Array.from(got.arrays.v!.data).map(String)).toEqual(Array.from(data).map(String));
    const bare = { m: store, get(k: string) { return this.m.get(k); }, set(k: string, v: Uint8Array) { this.m.set(k, v); } };
    await expect(writePartition(ds, bare, { ranks: 1, dims: ["x"], rank: 0, writeEmptyChunks: false })).rejects.toThrow(/delete/);
  });

  it("collectVariableWrites computes a shared input once per block", async () => {
    for (const collect of [false, true]) {
      let calls = 0;
      const foo = lazy({
        shape: [2, 9], dtype: "float64", chunks: [2, 3],
        compute: (region, out) => {
          calls++;
          const [ry, rx] = region as [{ start: number; stop: number }, { start: number; stop: number }];
          const o = (out as Float64Array) ?? new Float64Array((ry.stop - ry.start) * (rx.stop - rx.start));
          let p = 0;
          for (let y = ry.start; y < ry.stop; y++) for (let x = rx.start; x < rx.stop; x++) o[p++] = y * 9 + x;
          return o;
        },
      });
      const bar = foo.map((v: number) => 2 * v);
      const ds = new Dataset({ dataVars: { foo: { dims: ["y", "x"], data: foo }, bar: { dims: ["y", "x"], data: bar } } });
      const store = new Map<string, Uint8Array>();
      await initializeStore(ds, store);
      for (let r = 0; r < 3; r++) await writePartition(ds, store, { ranks: 3, dims: ["y", "x"], rank: r, collectVariableWrites: collect });
      // 3 ranks, one block each: foo computed for foo and again for bar, or once with collecting.
      expect(calls).toBe(collect ? 3 : 6);
      const got = await readAll(store, 3);
      expect(Array.from(got.arrays.bar!.data as Float64Array)).toEqual(Array.from({ length: 18 }, (_, i) => 2 * i));
    }
    void derive;
  });

  it("a chunk larger than the budget raises it to one chunk, with a warning", async () => {
    const { ds, temp } = small();
    const store = new Map<string, Uint8Array>();
    await initializeStore(ds, store);
    const warnings: string[] = [];
    await writePartition(ds, store, { ranks: 1, dims: ["time"], rank: 0, memoryBudget: 10, onWarning: (m) => warnings.push(m) });
    expect(warnings.some((w) => /chunk of temp is 96 bytes, more than memoryBudget 10/.test(w))).toBe(true);
    expect(Array.from((await readAll(store, 3)).arrays.temp!.data as Float32Array)).toEqual(Array.from(temp));
  });
});

describe("filesystem store", () => {
  it("write never touches unchunked variables' files; durable writes; re-running a rank is byte-identical", async () => {
    const dir = tmp();
    const { ds } = small();
    await initializeStore(ds, dir, { zarrFormat: 2, durable: true });
    const unchunked = ["time/0", "y/0", "lat/0.0"].map((f) => join(dir, f));
    const before = unchunked.map((f) => statSync(f).mtimeMs);
    await new Promise((r) => setTimeout(r, 20));
    for (let r = 0; r < 3; r++) await writePartition(ds, dir, { ranks: 3, dims: ["time"], rank: r, durable: true, memoryBudget: 300, ...quiet });
    expect(unchunked.map((f) => statSync(f).mtimeMs)).toEqual(before);
    const s = new FileSystemStore(dir);
    const snapshot = new Map<string, Uint8Array>();
    for (const k of await s.list()) if (!k.startsWith("/.xpartition/")) snapshot.set(k, (await s.get(k))!);
    await writePartition(ds, dir, { ranks: 3, dims: ["time"], rank: 1, memoryBudget: 300, ...quiet });
    for (const k of await s.list()) if (!k.startsWith("/.xpartition/")) expect(await s.get(k)).toEqual(snapshot.get(k));
    expect(readdirSync(join(dir, "temp")).some((f) => f.includes("xptmp"))).toBe(false);
    const got = await readAll(s, 2);
    expect(got.arrays.temp!.shape).toEqual([7, 5, 6]);
  });
});

describe("accessors", () => {
  it("ds.partition and da.partition initialise and write; mappableWrite maps ranks", async () => {
    const { ds, temp } = small();
    const store = new Map<string, Uint8Array>();
    await ds.partition.initializeStore(store, { zarrFormat: 2 });
    const write = ds.partition.mappableWrite(store, 4, ["time", "y"], { memoryBudget: 500, ...quiet });
    const records = await Promise.all([3, 1, 0, 2].map(write));
    expect(records.map((r) => r.rank)).toEqual([3, 1, 0, 2]);
    expect(Array.from((await readAll(store, 2)).arrays.temp!.data as Float32Array)).toEqual(Array.from(temp));
    const da = ds.dataVars.temp!;
    const one = new Map<string, Uint8Array>();
    await da.partition.initializeStore(one);
    await da.partition.write(one, 2, ["x"], 0);
    await da.partition.write(one, 2, ["x"], 1);
    const got = await readAll(one, 3);
    expect(Object.keys(got.arrays)).toEqual(["temp"]);
    expect(Array.from(got.arrays.temp!.data as Float32Array)).toEqual(Array.from(temp));
    const { readSchema } = await import("../../src/internal.js");
    expect((await readSchema(one))!.variables.temp!.dtype).toBe("float32");
  });
});
