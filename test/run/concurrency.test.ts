// `concurrency` inside one rank: slicing and encoding on worker threads give byte-identical stores (edge chunks,
// several blocks, v2 and v3, span and async codecs, collected writes); failures name the variable and region.
import { describe, expect, it } from "vitest";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Dataset, lazy, initializeStore, writePartition, FileSystemStore, type CompletionRecord } from "xpartition";
import { d1Dataset } from "xpartition/demo";
import { expectVerified } from "../helpers/verify.js";

function dataset(fail?: number): Dataset {
  const make = (dtype: "float32" | "int16" | "float64", scale: number) =>
    lazy({
      shape: [13, 11, 7], dtype, chunks: [4, 5, 3],
      compute: ([a, b, c]) => {
        if (fail !== undefined && a.start <= fail && fail < a.stop) throw new Error(`boom at ${a.start}`);
        const n = (a.stop - a.start) * (b.stop - b.start) * (c.stop - c.start);
        const out = dtype === "float32" ? new Float32Array(n) : dtype === "int16" ? new Int16Array(n) : new Float64Array(n);
        let p = 0;
        for (let i = a.start; i < a.stop; i++) for (let j = b.start; j < b.stop; j++) for (let k = c.start; k < c.stop; k++) out[p++] = ((i * 31 + j * 7 + k) % 97) * scale;
        return out;
      },
    });
  return new Dataset({
    coords: { t: { dims: ["t"], data: Float64Array.from({ length: 13 }, (_, i) => i) } },
    dataVars: {
      a: { dims: ["t", "y", "x"], data: make("float32", 0.5) },
      b: { dims: ["t", "y", "x"], data: make("int16", 3), encoding: { compressor: { id: "zstd", level: 3 }, filters: [{ id: "shuffle", elementsize: 2 }] } },
      c: { dims: ["t", "y", "x"], data: make("float64", 1.25), encoding: { compressor: { id: "gzip", level: 1 } } },
    },
  });
}

/** A record without what differs between runs: timings, and the generation of the init it was written into. */
const strip = (r: CompletionRecord) => ({ ...r, timings: undefined, generation: undefined });

async function write(ds: Dataset, format: 2 | 3, opts: Record<string, unknown>) {
  const store = new Map<string, Uint8Array>();
  await initializeStore(ds, store, { zarrFormat: format });
  const records = [];
  for (let rank = 0; rank < 3; rank++) records.push(strip(await writePartition(ds, store, { ranks: 3, dims: ["t", "y"], rank, ...opts })));
  return { store, records };
}

function same(a: Map<string, Uint8Array>, b: Map<string, Uint8Array>) {
  // Records (compared by content elsewhere) and each init's own init.json/complete.json aside; manifests compared.
  const own = /^\/\.xpartition\/(ranks\/\d+\.json|init\.json|complete\.json)$/;
  const keys = (m: Map<string, Uint8Array>) => [...m.keys()].filter((k) => !own.test(k)).sort();
  expect(keys(b)).toEqual(keys(a));
  for (const k of keys(a)) expect(Buffer.from(b.get(k)!).equals(Buffer.from(a.get(k)!)), k).toBe(true);
}

describe("concurrency (encode threads inside a rank)", () => {
  it.each([2, 3] as const)("v2 and v3, edge chunks, several blocks: identical to concurrency 1 (zarr v%i)", async (format) => {
    const base = await write(dataset(), format, { memoryBudget: 2000 });
    for (const concurrency of [2, 3]) {
      const got = await write(dataset(), format, { memoryBudget: 2000, concurrency });
      same(base.store, got.store);
      expect(got.records).toEqual(base.records);
      await expectVerified(got.store);
    }
  });

  it("with collectVariableWrites and the default budget", async () => {
    const base = await write(dataset(), 3, { collectVariableWrites: true });
    const got = await write(dataset(), 3, { collectVariableWrites: true, concurrency: 2 });
    same(base.store, got.store);
    await expectVerified(got.store);
    expect(got.records).toEqual(base.records);
  });

  it("D1 (time 16): identical, progress per chunk", async () => {
    const ds = d1Dataset({ time: 16 });
    const a = new Map<string, Uint8Array>(), b = new Map<string, Uint8Array>();
    await initializeStore(ds, a);
    await initializeStore(ds, b);
    const ra = await writePartition(ds, a, { ranks: 1, dims: ["time"], rank: 0 });
    let chunks = 0;
    const rb = await writePartition(ds, b, { ranks: 1, dims: ["time"], rank: 0, concurrency: 2, onChunk: () => chunks++ });
    expect(chunks).toBe(24);
    expect(strip(rb)).toEqual(strip(ra));
    same(a, b);
    await expectVerified(b);
  });

  it("D1 (time 16) to a filesystem store: the same files as one thread writes to a Map", async () => {
    const ds = d1Dataset({ time: 16 });
    const a = new Map<string, Uint8Array>();
    const dir = mkdtempSync(join(tmpdir(), "xp-conc-fs-"));
    await initializeStore(ds, a);
    await initializeStore(ds, dir);
    const ra = await writePartition(ds, a, { ranks: 1, dims: ["time"], rank: 0 });
    const rb = await writePartition(ds, dir, { ranks: 1, dims: ["time"], rank: 0, concurrency: 2 });
    expect(strip(rb)).toEqual(strip(ra));
    const fs = new FileSystemStore(dir);
    const b = new Map<string, Uint8Array>();
    for (const k of await fs.list()) b.set(k, (await fs.get(k))!);
    same(a, b);
    await expectVerified(dir);
  });

  it("long rows (gathered from shared memory) with edge chunks on every axis: identical", async () => {
    const mk = (format: 2 | 3) => {
      const v = lazy({
        shape: [13, 3, 700], dtype: "float64", chunks: [4, 2, 600],
        compute: ([a, b, c]) => {
          const out = new Float64Array((a.stop - a.start) * (b.stop - b.start) * (c.stop - c.start));
          let p = 0;
          for (let i = a.start; i < a.stop; i++) for (let j = b.start; j < b.stop; j++) for (let k = c.start; k < c.stop; k++) out[p++] = i * 1e6 + j * 1e3 + k;
          return out;
        },
      });
      return { ds: new Dataset({ dataVars: { v: { dims: ["t", "y", "x"], data: v, encoding: { fillValue: -1 } } } }), format };
    };
    for (const format of [2, 3] as const) {
      const { ds } = mk(format);
      const run = async (opts: Record<string, unknown>) => {
        const store = new Map<string, Uint8Array>();
        await initializeStore(ds, store, { zarrFormat: format });
        const recs = [];
        for (let rank = 0; rank < 2; rank++) recs.push(strip(await writePartition(ds, store, { ranks: 2, dims: ["t"], rank, memoryBudget: 100_000, ...opts })));
        return { store, recs };
      };
      const a = await run({});
      const b = await run({ concurrency: 2 });
      same(a.store, b.store);
      expect(b.recs).toEqual(a.recs);
      await expectVerified(b.store);
    }
  });

  it("a compute failure names the variable and region; no record; a rerun completes", async () => {
    const store = new Map<string, Uint8Array>();
    await initializeStore(dataset(), store);
    await expect(writePartition(dataset(6), store, { ranks: 1, dims: ["t"], rank: 0, concurrency: 2, memoryBudget: 2000 })).rejects.toThrow(/"?a"?.*boom at 4/);
    expect(store.has("/.xpartition/ranks/0.json")).toBe(false);
    await writePartition(dataset(), store, { ranks: 1, dims: ["t"], rank: 0, concurrency: 2, memoryBudget: 2000 });
    expect(store.has("/.xpartition/ranks/0.json")).toBe(true);
    await expectVerified(store); // the failed attempt's chunks were all rewritten
  });

  it("rejects a bad concurrency", async () => {
    const store = new Map<string, Uint8Array>();
    await initializeStore(dataset(), store);
    await expect(writePartition(dataset(), store, { ranks: 1, dims: ["t"], rank: 0, concurrency: 0 })).rejects.toThrow(/concurrency must be a positive number/);
  });
});
