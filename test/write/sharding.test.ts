// zarr v3 sharding in the writer: read back by zarrita and by a hand parser of the spec + numcodecs.js, ranks
// aligned to shards, exact bytes of the spec's worked example, empty inner chunks and shards, errors.
import * as zarr from "zarrita";
import { describe, expect, it } from "vitest";
import { mkdtempSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Dataset, describePlan, FileSystemStore, fromArray, initializeStore, writePartition, type TypedArray } from "../../src/index.js";
import { datasetPartitionIndexers, planningCollection } from "../../src/internal.js";
import { lazyOf, rangeStore, readShardedByHand } from "./shard-helpers.js";
import { expectVerified } from "../helpers/verify.js";

type Ctor = new (n: number) => TypedArray;
const prod = (xs: readonly number[]): number => xs.reduce((p, x) => p * x, 1);

interface Case { dtype: string; ctor: Ctor; shape: number[]; inner: number[]; shards: number[]; dims: string[] }
const CASES: Case[] = [
  { dtype: "float32", ctor: Float32Array, shape: [23], inner: [3], shards: [9], dims: ["x"] },
  { dtype: "int16", ctor: Int16Array, shape: [7, 10], inner: [2, 3], shards: [4, 6], dims: ["y", "x"] },
  { dtype: "float64", ctor: Float64Array, shape: [5, 6, 7], inner: [2, 2, 3], shards: [4, 4, 6], dims: ["t", "y", "x"] },
  { dtype: "uint8", ctor: Uint8Array, shape: [3, 4, 5, 6], inner: [1, 2, 2, 3], shards: [2, 4, 4, 3], dims: ["t", "k", "y", "x"] },
  { dtype: "int64", ctor: BigInt64Array, shape: [9, 5], inner: [3, 2], shards: [6, 4], dims: ["y", "x"] },
];
const INNER: [string, unknown[] | undefined][] = [
  ["default (blosc lz4)", undefined],
  ["bytes only", ["bytes"]],
  ["zstd", [{ name: "zstd", configuration: { level: 3, checksum: false } }]],
  ["gzip", [{ name: "gzip", configuration: { level: 1 } }]],
  ["crc32c", ["crc32c"]],
];
const RANKS = [1, 2, 3, 5];

/** Values with a run of zeros (the fill value of ints; floats get NaN fill but also zeros). */
function valuesFor(c: Case): TypedArray {
  const n = prod(c.shape);
  const a = new c.ctor(n);
  for (let i = 0; i < n; i++) {
    const v = i % 7 === 0 ? 0 : (i * 37) % 101 - (c.dtype === "uint8" ? 0 : 50);
    (a as unknown as unknown[])[i] = c.dtype === "int64" ? BigInt(v) * 10n ** 12n : c.dtype === "uint8" ? v & 0xff : c.dtype.startsWith("float") ? v / 4 : v;
  }
  return a;
}

function datasetFor(c: Case, full: TypedArray, form: "shards" | "codecs", inner: unknown[] | undefined, indexLocation: "end" | "start" = "end"): Dataset {
  const encoding = form === "shards"
    ? { shards: c.shards, ...(inner ? { codecs: inner } : {}) }
    : { codecs: [{ name: "sharding_indexed", configuration: { chunk_shape: c.inner, ...(inner ? { codecs: inner } : {}), index_location: indexLocation } }] };
  const chunks = form === "shards" ? c.inner : c.shards;
  return new Dataset({ dataVars: { v: { dims: c.dims, data: lazyOf(full, c.shape, c.dtype, chunks), encoding: encoding as never } } });
}

async function writeAllRanks(ds: Dataset, store: Map<string, Uint8Array>, ranks: number, dims: string[], opts: Record<string, unknown> = {}): Promise<string[][]> {
  const keysByRank: string[][] = [];
  for (let r = 0; r < ranks; r++) {
    const keys: string[] = [];
    const spy = { get: (k: string) => store.get(k), set: (k: string, b: Uint8Array) => { if (!k.startsWith("/.xpartition")) keys.push(k); store.set(k, b); }, delete: (k: string) => { keys.push(k); store.delete(k); } };
    await writePartition(ds, spy, { ranks, dims, rank: r, onWarning: () => {}, ...opts });
    keysByRank.push(keys);
  }
  return keysByRank;
}

async function zarritaRead(store: Map<string, Uint8Array>, name: string) {
  const root = await zarr.withConsolidatedMetadata(rangeStore(store) as never, { format: "v3" });
  const grp = await zarr.open(root, { kind: "group" });
  const a = await zarr.open(grp.resolve(name), { kind: "array" });
  return { got: await zarr.get(a), chunks: a.chunks };
}

describe("sharded variables read back by zarrita (consolidated) and by the spec's layout", () => {
  CASES.forEach((c, i) => {
    INNER.forEach(([what, inner], j) => {
      const ranks = RANKS[(i + j) % RANKS.length]!;
      const form = (i + j) % 2 === 0 ? "shards" : "codecs";
      const dims = c.dims.slice(0, 2);
      it(`${c.shape.length}-d ${c.dtype} ${c.shape} inner ${c.inner} shards ${c.shards}, inner ${what}, ${ranks} ranks over ${dims}, via encoding.${form}`, async () => {
        const full = valuesFor(c);
        const ds = datasetFor(c, full, form, inner);
        const store = new Map<string, Uint8Array>();
        await initializeStore(ds, store, { zarrFormat: 3 });
        const meta = JSON.parse(new TextDecoder().decode(store.get("/v/zarr.json")));
        expect(meta.chunk_grid.configuration.chunk_shape).toEqual(c.shards);
        expect(meta.codecs).toHaveLength(1);
        expect(meta.codecs[0].name).toBe("sharding_indexed");
        expect(meta.codecs[0].configuration.chunk_shape).toEqual(c.inner);
        expect(meta.codecs[0].configuration.index_codecs).toEqual([{ name: "bytes", configuration: { endian: "little" } }, { name: "crc32c" }]);
        const byRank = await writeAllRanks(ds, store, ranks, dims, { memoryBudget: 300 });
        // No shard key is written by two ranks, and together they write every shard.
        const seen = new Map<string, number>();
        byRank.forEach((keys, r) => keys.forEach((k) => {
          expect(seen.get(k) ?? r, `${k} written by ranks ${seen.get(k)} and ${r}`).toBe(r);
          seen.set(k, r);
        }));
        const grid = c.shape.map((s, d) => Math.ceil(s / c.shards[d]!));
        expect(seen.size).toBe(prod(grid));
        const { got } = await zarritaRead(store, "v");
        expect(got.shape).toEqual(c.shape);
        expect(Array.from(got.data as ArrayLike<unknown>)).toEqual(Array.from(full as ArrayLike<unknown>));
        const fill = c.dtype.startsWith("float") ? NaN : c.dtype === "int64" ? 0n : 0;
        const hand = await readShardedByHand(store, "v", c.ctor, fill);
        expect(Array.from(hand.data as ArrayLike<unknown>)).toEqual(Array.from(full as ArrayLike<unknown>));
        await expectVerified(store);
      });
    });
  });

  for (const location of ["start", "end"] as const) {
    it(`index_location "${location}": the hand parser and numcodecs.js read every shard; offsets ${location === "start" ? "start after the index" : "start at 0"}`, async () => {
      for (const c of [CASES[1]!, CASES[3]!]) {
        const full = valuesFor(c);
        const ds = datasetFor(c, full, "codecs", [{ name: "zstd", configuration: { level: 1, checksum: false } }, "crc32c"], location);
        const store = new Map<string, Uint8Array>();
        await initializeStore(ds, store, { zarrFormat: 3 });
        await writeAllRanks(ds, store, 3, c.dims.slice(0, 1));
        const hand = await readShardedByHand(store, "v", c.ctor, 0);
        expect(Array.from(hand.data as ArrayLike<unknown>)).toEqual(Array.from(full as ArrayLike<unknown>));
        for (const [key, p] of Object.entries(hand.parsed)) {
          const present = p.entries.filter((e) => e !== null);
          const first = Math.min(...present.map((e) => e!.offset));
          expect(first, key).toBe(location === "start" ? 16 * hand.n + 4 : 0);
          // Pieces are contiguous and end where the index starts (end) or the shard ends (start).
          const end = Math.max(...present.map((e) => e!.offset + e!.nbytes));
          expect(end, key).toBe(location === "end" ? p.indexAt : store.get(key)!.length);
        }
        if (location === "end") {
          const { got } = await zarritaRead(store, "v");
          expect(Array.from(got.data as ArrayLike<unknown>)).toEqual(Array.from(full as ArrayLike<unknown>));
        }
        await expectVerified(store);
      }
    });
  }
});

describe("shard bytes", () => {
  const example = (location: "start" | "end", writeEmptyChunks: boolean) => {
    const ds = new Dataset({
      dataVars: {
        v: {
          dims: ["x"], data: fromArray(Int16Array.from([7, 8, 0, 0, 0, 0, 0, 0]), [8], { chunks: [4] }),
          encoding: { codecs: [{ name: "sharding_indexed", configuration: { chunk_shape: [2], codecs: ["bytes"], index_location: location } }] },
        },
      },
    });
    return { ds, opts: { ranks: 2, dims: ["x"], writeEmptyChunks } };
  };
  const hex = (s: string) => Uint8Array.from(s.replace(/\s+/g, "").match(/../g)!.map((h) => parseInt(h, 16)));

  it("match FORMATS.md §3.3's worked example (end and start), and an all-empty shard is not written", async () => {
    for (const location of ["end", "start"] as const) {
      const { ds, opts } = example(location, false);
      const store = new Map<string, Uint8Array>();
      await initializeStore(ds, store, { zarrFormat: 3 });
      store.set("/v/c/1", new Uint8Array([1, 2, 3])); // stale shard from an earlier run: deleted
      for (let r = 0; r < 2; r++) await writePartition(ds, store, { ...opts, rank: r });
      const want = location === "end"
        ? hex("07000800 0000000000000000 0400000000000000" + "ff".repeat(16) + "8a0729c5")
        : hex("2400000000000000 0400000000000000" + "ff".repeat(16) + "111ded9e 07000800");
      expect(Buffer.from(store.get("/v/c/0")!).toString("hex")).toBe(Buffer.from(want).toString("hex"));
      expect(store.has("/v/c/1")).toBe(false);
      await expectVerified(store);
    }
  });

  it("with writeEmptyChunks true fill-valued inner chunks are stored; re-running a rank rewrites identical bytes", async () => {
    const { ds, opts } = example("end", true);
    const store = new Map<string, Uint8Array>();
    await initializeStore(ds, store, { zarrFormat: 3 });
    for (let r = 0; r < 2; r++) await writePartition(ds, store, { ...opts, rank: r });
    const before = new Map([...store].filter(([k]) => !k.startsWith("/.xpartition")));
    expect(store.get("/v/c/0")!.length).toBe(8 + 2 * 16 + 4);
    expect(store.get("/v/c/1")!.length).toBe(8 + 2 * 16 + 4);
    for (let r = 1; r >= 0; r--) await writePartition(ds, store, { ...opts, rank: r });
    for (const [k, b] of before) expect(Buffer.from(store.get(k)!).equals(Buffer.from(b)), k).toBe(true);
    await expectVerified(store);
  });

  it("inner chunks wholly outside the array are empty in the index; the edge inner chunk is padded with the fill value", async () => {
    const full = Float32Array.from({ length: 5 }, (_, i) => i + 1);
    const ds = new Dataset({ dataVars: { v: { dims: ["x"], data: lazyOf(full, [5], "float32", [2]), encoding: { shards: [8], codecs: ["bytes"] } } } });
    const store = new Map<string, Uint8Array>();
    await initializeStore(ds, store, { zarrFormat: 3 });
    await writePartition(ds, store, { ranks: 1, dims: ["x"], rank: 0 });
    const hand = await readShardedByHand(store, "v", Float32Array, NaN);
    const p = hand.parsed["/v/c/0"]!;
    expect(p.entries.map((e) => e && e.nbytes)).toEqual([8, 8, 8, null]);
    const shard = store.get("/v/c/0")!;
    const third = new Float32Array(shard.slice(p.entries[2]!.offset, p.entries[2]!.offset + 8).buffer);
    expect(third[0]).toBe(5);
    expect(third[1]).toBeNaN();
    await expectVerified(store);
  });
});

describe("sharded stores on the filesystem", () => {
  it("durable writes, writeEmptyChunks false deletes a stale shard file, and zarrita reads through FileSystemStore.getRange", async () => {
    const dir = join(mkdtempSync(join(tmpdir(), "xp-shard-")), "s.zarr");
    const full = Float64Array.from({ length: 10 * 8 }, (_, i) => (i < 40 ? i * 0.5 : NaN));
    const ds = new Dataset({ dataVars: { v: { dims: ["t", "x"], data: lazyOf(full, [10, 8], "float64", [5, 8]), encoding: { shards: [5, 8] } } } });
    const ds2 = new Dataset({ dataVars: { v: { dims: ["t", "x"], data: lazyOf(full, [10, 8], "float64", [5, 4]), encoding: { shards: [5, 8] } } } });
    await initializeStore(ds2, dir, { zarrFormat: 3 });
    await initializeStore(ds2, dir, { zarrFormat: 3, mode: "w" });
    const fs = new FileSystemStore(dir);
    await fs.set("/v/c/1/0", new Uint8Array([9, 9])); // stale: the second shard is all NaN (the fill value)
    for (let r = 0; r < 2; r++) await writePartition(ds2, dir, { ranks: 2, dims: ["t"], rank: r, durable: true, writeEmptyChunks: false });
    expect(existsSync(join(dir, "v", "c", "0", "0"))).toBe(true);
    expect(existsSync(join(dir, "v", "c", "1", "0"))).toBe(false);
    const root = await zarr.withConsolidatedMetadata(new FileSystemStore(dir) as never, { format: "v3" });
    const got = await zarr.get(await zarr.open((await zarr.open(root, { kind: "group" })).resolve("v"), { kind: "array" }));
    expect(Array.from(got.data as Float64Array)).toEqual(Array.from(full));
    // A dataset with other inner chunks is refused by write.
    await expect(writePartition(ds, dir, { ranks: 2, dims: ["t"], rank: 0 })).rejects.toThrow(/variable "v"/);
    await expectVerified(dir);
  });
});

describe("planning on shards", () => {
  it("a dataset mixing sharded and unsharded variables: ranks split on each variable's own grid, never sharing a key", async () => {
    const a = Float32Array.from({ length: 12 * 10 }, (_, i) => i);
    const b = Int32Array.from({ length: 12 }, (_, i) => i * 3);
    const ds = new Dataset({
      coords: { x: { dims: ["x"], data: Float64Array.from({ length: 10 }, (_, i) => i) } },
      dataVars: {
        a: { dims: ["t", "x"], data: lazyOf(a, [12, 10], "float32", [2, 5]), encoding: { shards: [6, 10] } },
        b: { dims: ["t"], data: lazyOf(b, [12], "int32", [2]) },
      },
    });
    const store = new Map<string, Uint8Array>();
    await initializeStore(ds, store, { zarrFormat: 3 });
    expect(describePlan(ds, 4, ["t"]).variables.find((v) => v.name === "a")!.perRank.map((r) => r.chunks)).toEqual([1, 1, 0, 0]);
    expect(datasetPartitionIndexers(planningCollection(ds), 4, 1, ["t"]).a).toEqual({ t: { start: 6, stop: 12 }, x: { start: 0, stop: 10 } });
    const byRank = await writeAllRanks(ds, store, 4, ["t"]);
    expect(byRank.map((ks) => ks.filter((k) => k.startsWith("/a/")).sort())).toEqual([["/a/c/0/0"], ["/a/c/1/0"], [], []]);
    expect(byRank.map((ks) => ks.filter((k) => k.startsWith("/b/")).length)).toEqual([2, 2, 2, 0]);
    const schema = JSON.parse(new TextDecoder().decode(store.get("/.xpartition/schema.json")));
    expect(schema.variables.a.shards).toEqual({ shape: [6, 10], chunks: [2, 5], indexLocation: "end" });
    expect(schema.variables.b.shards).toBeUndefined();
    expect(Array.from((await zarritaRead(store, "a")).got.data as Float32Array)).toEqual(Array.from(a));
    expect(Array.from((await zarritaRead(store, "b")).got.data as Int32Array)).toEqual(Array.from(b));
    await expectVerified(store);
  });

  it("over many shapes, shard shapes, rank counts and dims, every rank's region is whole shards and no shard has two ranks", () => {
    let seed = 7;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) % n;
    for (let trial = 0; trial < 200; trial++) {
      const nd = 1 + rnd(3);
      const dims = ["a", "b", "c"].slice(0, nd);
      const shape = dims.map(() => 1 + rnd(30));
      const chunks = dims.map(() => 1 + rnd(4));
      const shards = chunks.map((c) => c * (1 + rnd(4)));
      const ranks = 1 + rnd(12);
      const pdims = dims.filter(() => rnd(2) === 0);
      const ds = new Dataset({ dataVars: { v: { dims, data: lazyOf(new Float32Array(prod(shape)), shape, "float32", chunks), encoding: { shards } } } });
      const owner = new Map<string, number>();
      for (let r = 0; r < ranks; r++) {
        const reg = datasetPartitionIndexers(planningCollection(ds), ranks, r, pdims).v;
        if (!reg) continue;
        const rs = dims.map((d) => reg[d]!);
        rs.forEach((x, d) => {
          expect(x.start % shards[d]!).toBe(0);
          if (x.stop !== shape[d]) expect(x.stop % shards[d]!).toBe(0);
        });
        const lo = rs.map((x, d) => x.start / shards[d]!), hi = rs.map((x, d) => Math.ceil(x.stop / shards[d]!));
        const idx = [...lo];
        while (idx.every((i, d) => i < hi[d]!)) {
          const key = idx.join("/");
          expect(owner.get(key) ?? r, `shard ${key} of shape ${shape} shards ${shards} ranks ${ranks}`).toBe(r);
          owner.set(key, r);
          let d = nd - 1;
          for (; d >= 0; d--) { if (++idx[d]! < hi[d]!) break; idx[d] = lo[d]!; }
          if (d < 0) break;
        }
      }
      expect(owner.size).toBe(prod(shape.map((n, d) => Math.ceil(n / shards[d]!))));
    }
  });

  it("an unchunked variable with the sharding codec is one shard, written once by initializeStore", async () => {
    const x = Float64Array.from({ length: 10 }, (_, i) => i * 1.5);
    const ds = new Dataset({
      coords: { x: { dims: ["x"], data: x, encoding: { codecs: [{ name: "sharding_indexed", configuration: { chunk_shape: [5] } }] } } },
      dataVars: { v: { dims: ["x"], data: lazyOf(new Float32Array(10), [10], "float32", [5]) } },
    });
    const store = new Map<string, Uint8Array>();
    await initializeStore(ds, store, { zarrFormat: 3 });
    expect([...store.keys()].filter((k) => k.startsWith("/x/c"))).toEqual(["/x/c/0"]);
    expect(Array.from((await zarritaRead(store, "x")).got.data as Float64Array)).toEqual(Array.from(x));
    await expectVerified(store);
  });

  it("dimensions shorter than a chunk: the shard still holds whole inner chunks (both forms), read back by zarrita", async () => {
    const full = Int32Array.from({ length: 3 * 7 }, (_, i) => i + 1);
    for (const [encoding, grid] of [
      [{ codecs: [{ name: "sharding_indexed", configuration: { chunk_shape: [2, 2] } }] }, [4, 4]],
      [{ shards: [4, 4] }, [3, 4]],
    ] as const) {
      const ds = new Dataset({ dataVars: { v: { dims: ["t", "x"], data: lazyOf(full, [3, 7], "int32", encoding.codecs ? [4, 4] : [4, 2]), encoding: encoding as never } } });
      const store = new Map<string, Uint8Array>();
      await initializeStore(ds, store, { zarrFormat: 3 });
      await writeAllRanks(ds, store, 2, ["x"]);
      const { got } = await zarritaRead(store, "v");
      expect(JSON.parse(new TextDecoder().decode(store.get("/v/zarr.json"))).chunk_grid.configuration.chunk_shape).toEqual(grid);
      expect(Array.from(got.data as Int32Array)).toEqual(Array.from(full));
      await expectVerified(store);
    }
  });

  it("collectVariableWrites: sharded variables derived from one input compute it once per block", async () => {
    let calls = 0;
    const base = Float32Array.from({ length: 8 * 6 }, (_, i) => i);
    const foo = lazyOf(base, [8, 6], "float32", [2, 3], () => calls++);
    const bar = foo.map((x: number) => 2 * x);
    const ds = new Dataset({
      dataVars: { foo: { dims: ["t", "x"], data: foo, encoding: { shards: [4, 6] } }, bar: { dims: ["t", "x"], data: bar, encoding: { shards: [4, 6] } } },
    });
    const store = new Map<string, Uint8Array>();
    await initializeStore(ds, store, { zarrFormat: 3 });
    for (let r = 0; r < 2; r++) await writePartition(ds, store, { ranks: 2, dims: ["t"], rank: r, collectVariableWrites: true });
    expect(calls).toBe(2); // one block (one shard) per rank, shared by foo and bar
    expect(Array.from((await zarritaRead(store, "bar")).got.data as Float32Array)).toEqual(Array.from(base, (x) => 2 * x));
    expect(Array.from((await zarritaRead(store, "foo")).got.data as Float32Array)).toEqual(Array.from(base));
    await expectVerified(store);
  });

  it("write refuses a dataset whose sharding differs from the initialised one", async () => {
    const a = Float32Array.from({ length: 12 }, (_, i) => i);
    const mk = (shards?: number[]) => new Dataset({ dataVars: { a: { dims: ["t"], data: lazyOf(a, [12], "float32", [2]), encoding: shards ? { shards } : {} } } });
    const store = new Map<string, Uint8Array>();
    await initializeStore(mk([6]), store, { zarrFormat: 3 });
    await expect(writePartition(mk(), store, { ranks: 2, dims: ["t"], rank: 0 })).rejects.toThrow(/variable "a" (chunks|codecs|shards)/);
    await expect(writePartition(mk([4]), store, { ranks: 2, dims: ["t"], rank: 0 })).rejects.toThrow(/initialised \[6\], this dataset \[4\]/);
    await expect(writePartition(mk([6]), store, { ranks: 2, dims: ["t"], rank: 0, encoding: { a: { shards: [12] } } })).rejects.toThrow(/SchemaMismatch|does not match/);
  });

  it("a shard larger than the memory budget raises the budget to one shard, with a warning", async () => {
    const a = Float64Array.from({ length: 64 }, (_, i) => i);
    const ds = new Dataset({ dataVars: { a: { dims: ["x"], data: lazyOf(a, [64], "float64", [4]), encoding: { shards: [32] } } } });
    const store = new Map<string, Uint8Array>();
    await initializeStore(ds, store, { zarrFormat: 3 });
    const warnings: string[] = [];
    await writePartition(ds, store, { ranks: 1, dims: ["x"], rank: 0, memoryBudget: 100, onWarning: (m) => warnings.push(m) });
    expect(warnings.join()).toMatch(/a shard of a is 256 bytes, more than memoryBudget 100/);
    expect(Array.from((await zarritaRead(store, "a")).got.data as Float64Array)).toEqual(Array.from(a));
  });
});

describe("sharding errors, before anything is written", () => {
  const v = (encoding: Record<string, unknown>, chunks = [4]) =>
    new Dataset({ dataVars: { v: { dims: ["x"], data: lazyOf(new Float32Array(16), [16], "float32", chunks), encoding: encoding as never } } });
  const cases: [string, Dataset, RegExp, (2 | 3)?][] = [
    ["zarr v2", v({ shards: [8] }), /variable "v": sharding .* zarr v3 only/, 2],
    ["shards not a multiple", v({ shards: [6] }), /variable "v": along dimension "x" the shard length 6 is not a multiple of the chunk length 4/],
    ["inner chunk not dividing", v({ codecs: [{ name: "sharding_indexed", configuration: { chunk_shape: [3] } }] }), /dimension "x" the shard length 4 is not a multiple of the sharding_indexed chunk_shape 3/],
    ["shards of the wrong rank", v({ shards: [8, 8] }), /encoding.shards must list 1 positive integers/],
    ["compressing index codecs", v({ codecs: [{ name: "sharding_indexed", configuration: { chunk_shape: [2], index_codecs: ["bytes", "gzip"] } }] }), /index_codecs must be \[bytes little\]/],
    ["nested sharding", v({ codecs: [{ name: "sharding_indexed", configuration: { chunk_shape: [2], codecs: [{ name: "sharding_indexed", configuration: { chunk_shape: [1] } }] } }] }), /nested sharding/],
    ["codecs after sharding", v({ codecs: [{ name: "sharding_indexed", configuration: { chunk_shape: [2] } }, "crc32c"] }), /sharding_indexed must be the only codec/],
    ["both forms", v({ shards: [8], codecs: [{ name: "sharding_indexed", configuration: { chunk_shape: [2] } }] }), /either encoding.shards or a sharding_indexed codec/],
    ["bad index_location", v({ codecs: [{ name: "sharding_indexed", configuration: { chunk_shape: [2], index_location: "middle" } }] }), /index_location must be "end" or "start"/],
    ["unknown setting", v({ codecs: [{ name: "sharding_indexed", configuration: { chunk_shape: [2], order: "C" } }] }), /unknown setting "order"/],
  ];
  for (const [what, ds, re, format] of cases) {
    it(what, async () => {
      const store = new Map<string, Uint8Array>();
      await expect(initializeStore(ds, store, { zarrFormat: format ?? 3 })).rejects.toThrow(re);
      expect(store.size).toBe(0);
    });
  }
});
