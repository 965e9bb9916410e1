// verifyStore: what it finds and names in damaged stores (a flipped byte that still decodes, a truncated
// chunk, a shard index with a bad CRC-32C or an entry outside its shard, keys outside the grid, stray keys,
// a missing chunk of a complete rank, temporary files), and what it refuses (not a store, an incomplete init).
import { describe, expect, it } from "vitest";
import * as zarr from "zarrita";
import { mkdtempSync, readFileSync, readdirSync, writeFileSync, rmSync, unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Dataset, initializeStore, writePartition } from "../../src/index.js";
import { crc32c } from "../../src/kernels/crc32c.js";
import { registerStoreScheme } from "../../src/store/index.js";
import { verifyStore, VerifyError, type VerifyProgress } from "../../src/verify/verify.js";
import { formatReport, type VerifyReport } from "../../src/verify/report.js";
import { small } from "../write/helpers.js";
import { lazyOf } from "../write/shard-helpers.js";
import { expectVerified } from "../helpers/verify.js";

type MapStore = Map<string, Uint8Array>;

async function smallStore(format: 2 | 3, ranks = 3): Promise<MapStore> {
  const { ds } = small();
  const store: MapStore = new Map();
  await initializeStore(ds, store, { zarrFormat: format });
  for (let r = 0; r < ranks; r++) await writePartition(ds, store, { ranks, dims: ["time"], rank: r, onWarning: () => {} });
  return store;
}

/** A float32 variable v (t=8, x=12) in chunks 2x3, shards 4x6, written by 2 ranks over t. */
async function shardedStore(indexLocation?: "start"): Promise<MapStore> {
  const full = Float32Array.from({ length: 8 * 12 }, (_, i) => (i * 7) % 23);
  const encoding = indexLocation
    ? { codecs: [{ name: "sharding_indexed", configuration: { chunk_shape: [2, 3], index_location: indexLocation } }] }
    : { shards: [4, 6] };
  const ds = new Dataset({ dataVars: { v: { dims: ["t", "x"], data: lazyOf(full, [8, 12], "float32", indexLocation ? [4, 6] : [2, 3]), encoding: encoding as never } } });
  const store: MapStore = new Map();
  await initializeStore(ds, store, { zarrFormat: 3 });
  for (let r = 0; r < 2; r++) await writePartition(ds, store, { ranks: 2, dims: ["t"], rank: r, onWarning: () => {} });
  return store;
}

const kinds = (r: VerifyReport) => r.problems.map((p) => p.kind).sort();

describe("verifyStore on whole stores", () => {
  for (const format of [2, 3] as const) {
    it(`zarr v${format}: every chunk decoded by zarrita and matched against its rank's manifest`, async () => {
      const store = await smallStore(format);
      const r = await expectVerified(store);
      expect(r).toMatchObject({ ok: true, zarrFormat: format, consolidated: true, xpartition: true, problemCount: 0, resubmit: null });
      // temp 7x5x6 in 3x2x4 chunks: 3x3x2 = 18; flag 3x2 = 6; x 2; time, y, lat 1 each.
      expect(Object.fromEntries(r.arrays.map((a) => [a.name, [a.present, a.gridChunks]]))).toEqual({ flag: [6, 6], lat: [1, 1], temp: [18, 18], time: [1, 1], x: [2, 2], y: [1, 1] });
      expect(r.chunks.checked).toBe(29);
      // The coordinates init wrote are in no rank's manifest; every chunk a rank wrote is.
      expect(r.chunks.manifested).toBe(26);
      expect(r.ranks).toMatchObject({ ranks: 3, dims: ["time"], complete: [0, 1, 2], missing: [], manifests: 3 });
      expect(formatReport(r)).toMatch(/whole: every chunk decodes and matches its rank's manifest/);
    });
  }

  it("sharded arrays (index at the end and at the start): every shard index checked and every inner chunk decoded", async () => {
    for (const loc of [undefined, "start"] as const) {
      const r = await expectVerified(await shardedStore(loc));
      expect(r.arrays[0]).toMatchObject({ name: "v", chunks: [4, 6], innerChunks: [2, 3], gridChunks: 4, present: 4 });
      expect(r.chunks.inner).toBe(16);
    }
  });

  it("stores without consolidated metadata, and a zarr store that zarrita wrote (no xpartition records)", async () => {
    for (const format of [2, 3] as const) {
      const { ds } = small();
      const store: MapStore = new Map();
      await initializeStore(ds, store, { zarrFormat: format, consolidated: false });
      for (let r = 0; r < 2; r++) await writePartition(ds, store, { ranks: 2, dims: ["x"], rank: r, onWarning: () => {} });
      const r = await expectVerified(store);
      expect(r).toMatchObject({ consolidated: false, zarrFormat: format });
      expect(r.chunks.checked).toBe(29);
    }
    const store: MapStore = new Map();
    const grp = await zarr.create(zarr.root(store));
    const a = await zarr.create(grp.resolve("a"), { shape: [10, 7], chunkShape: [4, 3], dtype: "int32" });
    await zarr.set(a, null, { data: Int32Array.from({ length: 70 }, (_, i) => i), shape: [10, 7], stride: [7, 1] });
    const r = await expectVerified(store);
    expect(r).toMatchObject({ xpartition: false, ranks: null, zarrFormat: 3, consolidated: false });
    expect(r.arrays).toEqual([expect.objectContaining({ name: "a", gridChunks: 9, present: 9 })]);
  });

  it("reads each chunk once, at most `concurrency` at a time (shards included)", async () => {
    for (const [map, concurrency] of [[await smallStore(3), 3], [await shardedStore(), 2]] as const) {
      const reads = new Map<string, number>();
      let inFlight = 0, peak = 0;
      const store = {
        get: async (k: string) => {
          reads.set(k, (reads.get(k) ?? 0) + 1);
          if (!/\/c\//.test(k)) return map.get(k);
          inFlight++;
          peak = Math.max(peak, inFlight);
          await new Promise((r) => setTimeout(r, 1));
          inFlight--;
          return map.get(k);
        },
        set: (k: string, v: Uint8Array) => void map.set(k, v),
        list: () => [...map.keys()],
      };
      const r = await verifyStore(store, { concurrency });
      expect(r.ok).toBe(true);
      const chunkKeys = [...map.keys()].filter((k) => /\/c\//.test(k));
      expect(chunkKeys.length).toBe(r.chunks.checked);
      for (const k of chunkKeys) expect(reads.get(k), k).toBe(1);
      expect(peak).toBe(concurrency);
    }
  });

  it("variable names zarrita would read as URLs (#, ?, %xx, spaces, non-ASCII) and NaN attributes in zarr v2", async () => {
    const names = ["a#b", "c?d", "e%20f", "température x"];
    for (const format of [2, 3] as const) {
      const dataVars: Record<string, unknown> = {};
      names.forEach((n, i) => {
        dataVars[n] = { dims: ["t"], data: lazyOf(Float64Array.from({ length: 10 }, (_, j) => j * (i + 1)), [10], "float64", [3]), attrs: format === 2 ? { missing: NaN } : {} };
      });
      const store: MapStore = new Map();
      const ds = new Dataset({ dataVars: dataVars as never });
      await initializeStore(ds, store, { zarrFormat: format });
      for (let r = 0; r < 2; r++) await writePartition(ds, store, { ranks: 2, dims: ["t"], rank: r, onWarning: () => {} });
      const r = await expectVerified(store);
      expect(r.arrays.map((a) => [a.name, a.present])).toEqual(names.map((n) => [n, 4]).sort());
      // Damage in such an array is still found, with its own key.
      const key = format === 2 ? "/c?d/1" : "/c?d/c/1";
      store.set(key, store.get(key)!.subarray(1));
      expect((await verifyStore(store)).problems.find((p) => p.kind === "length")).toMatchObject({ key, variable: "c?d", rank: 0 });
    }
  });

  it("a store of any scheme in the scheme table, named by its URL", async () => {
    const map = await smallStore(2);
    registerStoreScheme("verifytest", { open: () => map });
    const r = await expectVerified("verifytest://bucket/x.zarr");
    expect(r).toMatchObject({ store: "verifytest://bucket/x.zarr", zarrFormat: 2, ok: true });
    expect(r.chunks.checked).toBe(29);
  });

  it("a store object without list: chunks looked up by grid index, and that keys were not listed is said", async () => {
    const map = await smallStore(3);
    map.delete("/flag/c/2/1"); // absent: looked up, read as the fill value (and missing from rank 0's manifest)
    const events: VerifyProgress[] = [];
    const r = await verifyStore({ get: (k: string) => map.get(k), set: (k: string, v: Uint8Array) => void map.set(k, v) }, { onProgress: (p) => events.push(p) });
    expect(r.problems).toEqual([expect.objectContaining({ kind: "missing", key: "/flag/c/2/1", rank: 0 })]);
    expect(events.at(-1)).toMatchObject({ done: true, chunksDone: 29, chunksTotal: 29 });
    expect(r.chunks.checked).toBe(28);
    expect(r.notChecked.join()).toMatch(/cannot list its keys/);
  });
});

describe("verifyStore finds and names", () => {
  it("a flipped byte that still decodes: the chunk, its rank, and the rank to resubmit", async () => {
    const store = await smallStore(3);
    const key = "/temp/c/1/0/0";
    const b = store.get(key)!.slice();
    b[b.length - 1] ^= 0x01;
    store.set(key, b);
    const r = await verifyStore(store);
    expect(r.ok).toBe(false);
    // Decoding alone finds nothing: the chunk decodes to the right size; only the manifest's XXH64 differs.
    expect(kinds(r)).toEqual(["hash"]);
    expect(r.problems[0]).toMatchObject({ kind: "hash", key, variable: "temp", chunk: [1, 0, 0], rank: 1 });
    expect(r.problems[0]!.message).toMatch(/\/temp\/c\/1\/0\/0: its bytes differ from what rank 1 wrote/);
    expect(r.resubmit).toBe("--array=1");
    expect(formatReport(r)).toMatch(/NOT whole: 1 problem \(1 hash\)[\s\S]*resubmit: --array=1/);
  });

  it("a truncated chunk: its length against the manifest, and that it no longer decodes", async () => {
    const store = await smallStore(2);
    const key = "/flag/2.1";
    store.set(key, store.get(key)!.subarray(0, 20));
    const r = await verifyStore(store);
    const length = r.problems.find((p) => p.kind === "length")!;
    // flag (y, x) has no partition dim: rank 0 writes it whole.
    expect(length).toMatchObject({ key, variable: "flag", chunk: [2, 1], rank: 0 });
    expect(length.message).toMatch(/\/flag\/2\.1 is 20 bytes, rank 0's manifest says \d+/);
    expect(r.problems.find((p) => p.kind === "decode")).toMatchObject({ key, rank: 0 });
    expect(r.resubmitRanks).toEqual([0]);
  });

  it("a shard whose index CRC-32C does not match, and an index entry outside its shard", async () => {
    const store = await shardedStore();
    const key = "/v/c/1/1";
    const b = store.get(key)!.slice();
    b[b.length - 20] ^= 0x40; // inside the index (the last 16 x 4 + 4 bytes)
    store.set(key, b);
    let r = await verifyStore(store);
    expect(r.problems.find((p) => p.kind === "shard-crc")).toMatchObject({ key, variable: "v", chunk: [1, 1], rank: 1 });
    expect(r.problems.find((p) => p.kind === "shard-crc")!.message).toMatch(/\/v\/c\/1\/1: shard index CRC-32C is [0-9a-f]{8}, its bytes give [0-9a-f]{8}/);
    expect(r.resubmit).toBe("--array=1");

    // An entry pointing past the end, with a CRC-32C that matches: found by the bounds check.
    const s = (await shardedStore()).get(key)!.slice();
    const at = s.length - 68;
    const dv = new DataView(s.buffer);
    dv.setBigUint64(at + 16 * 3, BigInt(s.length), true); // inner chunk 3's offset: the shard's end
    dv.setUint32(s.length - 4, crc32c(s.subarray(at, at + 64)), true);
    store.set(key, s);
    r = await verifyStore(store);
    const p = r.problems.find((x) => x.kind === "shard-index")!;
    expect(p).toMatchObject({ key, rank: 1 });
    expect(p.message).toMatch(/inner chunk 3: bytes \d+\.\.\d+ lie outside the shard/);
  });

  it("keys outside the grid, and keys at the root that are neither metadata nor xpartition's", async () => {
    const store = await smallStore(3);
    const junk = new Uint8Array([1, 2, 3]);
    store.set("/temp/c/3/0/0", junk); // time has 3 chunks: 0..2
    store.set("/temp/c/0/0", junk); // 2 indices for 3 dimensions
    store.set("/temp/0.0.0", junk); // v2 key in a v3 array
    store.set("/notes.txt", junk);
    const r = await verifyStore(store);
    expect(kinds(r)).toEqual(["outside-grid", "outside-grid", "outside-grid", "stray-key"]);
    const msg = (k: string) => r.problems.find((p) => p.key === k)!.message;
    expect(msg("/temp/c/3/0/0")).toMatch(/not a chunk key of "temp" \(shape \[7,5,6\], chunks \[3,2,4\]\): its index 3 along axis 0 is outside the grid \(3 chunks\)/);
    expect(msg("/temp/c/0/0")).toMatch(/has 2 indices, the array 3 dimensions/);
    expect(msg("/temp/0.0.0")).toMatch(/does not start with "c\/"/);
    expect(msg("/notes.txt")).toMatch(/neither zarr metadata nor under an array/);
    // Keys outside the grid are no rank's to rewrite: nothing to resubmit, the report says what they are.
    expect(r.resubmit).toBeNull();
  });

  it("a chunk that decodes to another size than its element count x dtype size", async () => {
    const ds = new Dataset({ dataVars: { v: { dims: ["t"], data: lazyOf(Float32Array.from({ length: 12 }, (_, i) => i), [12], "float32", [4]), encoding: { compressor: null } } } });
    const store: MapStore = new Map();
    await initializeStore(ds, store, { zarrFormat: 2 });
    await writePartition(ds, store, { ranks: 1, dims: ["t"], rank: 0 });
    store.set("/v/1", store.get("/v/1")!.subarray(0, 12)); // uncompressed: 3 of its 4 float32 values
    const r = await verifyStore(store);
    expect(r.problems.find((p) => p.kind === "size")).toMatchObject({ key: "/v/1", chunk: [1], rank: 0, message: "/v/1 decoded to 12 bytes, expected 4 elements x 4 bytes = 16" });
    expect(r.problemKinds).toEqual({ size: 1, length: 1 });
  });

  it("an array whose codecs zarrita does not know: each chunk's decode problem names the codec", async () => {
    const store = await smallStore(3);
    const enc = new TextEncoder(), dec = new TextDecoder();
    const meta = JSON.parse(dec.decode(store.get("/flag/zarr.json")));
    meta.codecs = [...meta.codecs, { name: "nosuchcodec" }];
    store.set("/flag/zarr.json", enc.encode(JSON.stringify(meta)));
    const root = JSON.parse(dec.decode(store.get("/zarr.json")));
    root.consolidated_metadata.metadata.flag = meta;
    store.set("/zarr.json", enc.encode(JSON.stringify(root)));
    const r = await verifyStore(store);
    expect(r.problemKinds).toEqual({ decode: 6 });
    expect(r.problems[0]!.message).toMatch(/\/flag\/c\/0\/0 does not decode: .*nosuchcodec/);
  });

  it("a chunk in a complete rank's region that its manifest does not list (another writer's)", async () => {
    const values = Int16Array.from({ length: 12 }, (_, i) => (i >= 4 && i < 8 ? 0 : i)); // chunk 1: all fill (0)
    const ds = new Dataset({ dataVars: { v: { dims: ["t"], data: lazyOf(values, [12], "int16", [4]) } } });
    const store: MapStore = new Map();
    await initializeStore(ds, store, { zarrFormat: 3 });
    for (let r = 0; r < 2; r++) await writePartition(ds, store, { ranks: 2, dims: ["t"], rank: r, writeEmptyChunks: false });
    expect(store.has("/v/c/1")).toBe(false);
    await expectVerified(store);
    store.set("/v/c/1", store.get("/v/c/0")!); // decodes fine; rank 0 (chunks 0 and 1) never wrote it
    const r = await verifyStore(store);
    expect(r.problems).toEqual([expect.objectContaining({ kind: "unlisted", key: "/v/c/1", chunk: [1], rank: 0 })]);
    expect(r.problems[0]!.message).toBe("/v/c/1 is in rank 0's region but not in its manifest: written by another writer, or left from before");
  });

  it("a chunk the store fails to read: named with its rank; the other chunks still checked", async () => {
    const map = await smallStore(3);
    const store = {
      get: (k: string) => {
        if (k === "/temp/c/2/0/1") throw Object.assign(new Error("EIO: i/o error, read"), { code: "EIO" });
        return map.get(k);
      },
      set: (k: string, v: Uint8Array) => void map.set(k, v),
      list: () => [...map.keys()],
    };
    const r = await verifyStore(store);
    expect(r.problems).toEqual([expect.objectContaining({ kind: "read", key: "/temp/c/2/0/1", rank: 2, message: "/temp/c/2/0/1: reading failed: EIO: i/o error, read" })]);
    expect(r.chunks.checked).toBe(28);
    expect(r.resubmit).toBe("--array=2");
  });

  it("a missing chunk of a complete rank, by its manifest", async () => {
    const store = await smallStore(3);
    store.delete("/temp/c/2/1/1");
    const r = await verifyStore(store);
    expect(kinds(r)).toEqual(["missing"]);
    expect(r.problems[0]).toMatchObject({ key: "/temp/c/2/1/1", rank: 2 });
    expect(r.problems[0]!.message).toMatch(/\/temp\/c\/2\/1\/1 is missing: rank 2's manifest lists it \(\d+ bytes\)/);
    expect(r.resubmit).toBe("--array=2");
  });

  it("ranks without a completion record, a rank whose manifest was altered, and metadata that readers see otherwise", async () => {
    const store = await smallStore(3, 4);
    store.delete("/.xpartition/ranks/3.json");
    const m = store.get("/.xpartition/ranks/1.chunks")!;
    store.set("/.xpartition/ranks/1.chunks", m.subarray(0, m.length - 1));
    const zm = JSON.parse(new TextDecoder().decode(store.get("/zarr.json")));
    zm.consolidated_metadata.metadata.flag.shape = [5, 7];
    store.set("/zarr.json", new TextEncoder().encode(JSON.stringify(zm)));
    const r = await verifyStore(store);
    expect(kinds(r)).toEqual(["manifest", "metadata", "rank"]);
    expect(r.problems.find((p) => p.kind === "rank")!.message).toBe("rank 3 has no completion record (/.xpartition/ranks/3.json)");
    expect(r.problems.find((p) => p.kind === "manifest")!.message).toMatch(/rank 1's manifest \/\.xpartition\/ranks\/1\.chunks has XXH64 [0-9a-f]{16}, its record says [0-9a-f]{16}/);
    expect(r.problems.find((p) => p.kind === "metadata")!.message).toMatch(/array "flag": its \/flag\/zarr\.json differs from its entry in the consolidated metadata/);
    expect(r.resubmit).toBe("--array=1,3");
    expect(r.ranks).toMatchObject({ complete: [0, 1, 2], missing: [3], manifests: 2 });
  });

  it("a complete rank whose record names no manifest (an older writer): a warning, its chunks still decoded", async () => {
    const store = await smallStore(3);
    const rec = JSON.parse(new TextDecoder().decode(store.get("/.xpartition/ranks/1.json")));
    delete rec.manifest;
    store.set("/.xpartition/ranks/1.json", new TextEncoder().encode(JSON.stringify(rec)));
    store.delete("/.xpartition/ranks/1.chunks");
    const r = await verifyStore(store);
    expect(r.ok).toBe(true);
    expect(r.warnings).toEqual([expect.objectContaining({ kind: "no-manifest", rank: 1 })]);
    expect(r.chunks).toMatchObject({ checked: 29, manifested: 20 }); // rank 1's 6 temp chunks decoded, not compared
  });

  it("temporary files of interrupted writes in a filesystem store (warnings: the store is still whole)", async () => {
    const dir = join(mkdtempSync(join(tmpdir(), "xp-verify-")), "s.zarr");
    const { ds } = small();
    await initializeStore(ds, dir, { zarrFormat: 2 });
    for (let r = 0; r < 2; r++) await writePartition(ds, dir, { ranks: 2, dims: ["time"], rank: r, onWarning: () => {} });
    writeFileSync(join(dir, "temp", ".0.0.0.12345.abcdef.7.xptmp"), "partial");
    const r = await expectVerified(dir);
    expect(r.warnings).toEqual([expect.objectContaining({ kind: "temporary", key: "/temp/.0.0.0.12345.abcdef.7.xptmp" })]);
    expect(formatReport(r)).toMatch(/warning \(temporary\): temporary file of an interrupted write: temp\/\.0\.0\.0\.12345\.abcdef\.7\.xptmp \('xpartition clean' removes it\)/);
    // A chunk file removed from disk is found by the manifest, named with its rank.
    // (2 ranks over 3 time chunks: rank 0 writes time chunks 0 and 1, rank 1 chunk 2.)
    unlinkSync(join(dir, "temp", "2.0.0"));
    const r2 = await verifyStore(new URL(`file://${dir}`));
    expect(r2.problems).toEqual([expect.objectContaining({ kind: "missing", key: "/temp/2.0.0", rank: 1 })]);
    rmSync(dir, { recursive: true, force: true });
  });
});

describe("verifyStore refuses", () => {
  it("a directory that is not a zarr store, and one that does not exist", async () => {
    const dir = mkdtempSync(join(tmpdir(), "xp-verify-"));
    writeFileSync(join(dir, "readme.txt"), "hello");
    await expect(verifyStore(dir)).rejects.toThrow(new VerifyError(`${dir} is not a zarr store: no /zarr.json, /.zgroup or /.zarray`));
    await expect(verifyStore(join(dir, "nope.zarr"))).rejects.toThrow(/nope\.zarr does not exist or is empty: no \/zarr\.json/);
    rmSync(dir, { recursive: true, force: true });
  });

  it("a store whose initialisation did not complete", async () => {
    const store = await smallStore(3);
    store.delete("/.xpartition/complete.json");
    await expect(verifyStore(store, { where: "s.zarr" })).rejects.toThrow(/s\.zarr: initialisation of this store did not complete/);
  });

  it("reads only through zarrita and numcodecs.js, never the writer's codecs", () => {
    const dir = new URL("../../src/verify/", import.meta.url);
    for (const f of readdirSync(dir)) {
      const src = readFileSync(new URL(f, dir), "utf8");
      expect(src, f).not.toMatch(/from "\.\.\/codecs\//);
      expect(src, f).not.toMatch(/kernels\/(zstd|shuffle|instance)/);
    }

  });
});
