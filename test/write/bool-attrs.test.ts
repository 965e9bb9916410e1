// bool bytes other than 0/1 are written as 1, identically on the calling thread and on encode threads
// (`concurrency` > 1, which needs dist/: the threads load dist/run/encode-worker.js); attributes that differ
// at write from those the store was initialised with give one warning naming them.
import { describe, expect, it } from "vitest";
import * as zarr from "zarrita";
import { Dataset, lazy, initializeStore, writePartition } from "xpartition";
import { normalizeBool } from "../../src/write/chunks.js";

const N = 300;
const raw = Uint8Array.from({ length: N * 4 }, (_, i) => [0, 1, 2, 255, 7, 0, 128][i % 7]!);

function boolDataset(): Dataset {
  return new Dataset({
    coords: { mask0: { dims: ["y"], data: Uint8Array.of(0, 3, 1, 200), dtype: "bool", encoding: { compressor: null } } },
    dataVars: {
      flag: {
        dims: ["t", "y"],
        data: lazy({
          shape: [N, 4], dtype: "bool", chunks: [16, 4],
          // Returns a fresh array (not the writer's `out`): the normalisation must not depend on where it lands.
          compute: ([t, y]) => {
            const out = new Uint8Array((t!.stop - t!.start) * (y!.stop - y!.start));
            let p = 0;
            for (let i = t!.start; i < t!.stop; i++) for (let j = y!.start; j < y!.stop; j++) out[p++] = raw[i * 4 + j]!;
            return out;
          },
        }),
        // Uncompressed: the stored chunks are the bytes themselves (zarrita would read any non-zero byte as true).
        encoding: { compressor: null },
      },
    },
  });
}

async function written(format: 2 | 3, concurrency: number): Promise<Map<string, Uint8Array>> {
  const store = new Map<string, Uint8Array>();
  const ds = boolDataset();
  await initializeStore(ds, store, { zarrFormat: format });
  for (let rank = 0; rank < 2; rank++) await writePartition(ds, store, { ranks: 2, dims: ["t"], rank, concurrency, memoryBudget: 64 * 4 });
  return store;
}

const chunksOf = (s: Map<string, Uint8Array>) => [...s].filter(([k]) => !k.startsWith("/.xpartition")).sort(([a], [b]) => (a < b ? -1 : 1));

describe("bool bytes other than 0/1", () => {
  it.each([2, 3] as const)("are written as 1, byte-identical at concurrency 1 and 2 (zarr v%i)", async (format) => {
    const one = await written(format, 1);
    const two = await written(format, 2);
    expect(chunksOf(two)).toEqual(chunksOf(one));
    const flagChunks = chunksOf(one).filter(([k]) => k.startsWith("/flag/") && !/zarr\.json|\.za/.test(k));
    expect(flagChunks.length).toBe(Math.ceil(N / 16));
    for (const [k, b] of flagChunks) expect({ k, bytes: [...new Set(b)].sort() }).toEqual({ k, bytes: [0, 1] });
    expect([...one.get(format === 2 ? "/mask0/0" : "/mask0/c/0")!]).toEqual([0, 1, 1, 1]); // written by init
    const root = await zarr.open(one, { kind: "group" });
    const flag = await zarr.get(await zarr.open(root.resolve("flag"), { kind: "array" }));
    expect(Array.from(flag.data as unknown as ArrayLike<boolean | number>, Number)).toEqual(Array.from(raw, (b) => (b ? 1 : 0)));
    const mask0 = await zarr.get(await zarr.open(root.resolve("mask0"), { kind: "array" }));
    expect(Array.from(mask0.data as unknown as ArrayLike<boolean | number>, Number)).toEqual([0, 1, 1, 1]);
  });
  it("normalizeBool: every non-zero byte becomes 1, at any offset and length, bytes outside untouched", () => {
    const src = Uint8Array.from({ length: 70 }, (_, i) => (i * 37 + 11) % 256);
    for (let start = 0; start < 5; start++) {
      for (const len of [0, 1, 3, 4, 9, 64]) {
        const a = src.slice();
        normalizeBool(a.subarray(start, start + len));
        expect(Array.from(a)).toEqual(Array.from(src, (b, i) => (i >= start && i < start + len ? (b ? 1 : 0) : b)));
      }
    }
  });
  it("leave the caller's own array as it was", async () => {
    const ds = boolDataset();
    await initializeStore(ds, new Map(), { zarrFormat: 3 });
    expect(Array.from(ds.coords.mask0!.data as Uint8Array)).toEqual([0, 3, 1, 200]);
  });
});

describe("attributes differing at write", () => {
  const make = (title: string | undefined, units: string, extra: Record<string, unknown> = {}) =>
    new Dataset({
      dataVars: { temp: { dims: ["x"], data: lazy({ shape: [4], dtype: "float32", chunks: [2], compute: ([r]) => new Float32Array(r!.stop - r!.start) }), attrs: { units, ...extra } } },
      attrs: title === undefined ? {} : { title },
    });
  it.each([2, 3] as const)("give one warning naming each (the store keeps init's), none when equal (zarr v%i)", async (format) => {
    const store = new Map<string, Uint8Array>();
    await initializeStore(make("run 1", "K"), store, { zarrFormat: format });
    const warnings: string[] = [];
    const onWarning = (m: string) => warnings.push(m);
    await writePartition(make("run 1", "K"), store, { ranks: 2, dims: ["x"], rank: 0, onWarning });
    expect(warnings).toEqual([]);
    await writePartition(make(undefined, "degC", { history: "x".repeat(100) }), store, { ranks: 2, dims: ["x"], rank: 1, onWarning });
    expect(warnings).toEqual([
      `xpartition: attributes differ from the store's (the store keeps init's): .title (only in the store), temp.history (not in the store), temp.units "K" -> "degC"`,
    ]);
    // NaN (v2), Dates and bigints recorded and compared as written: the same attributes give no warning.
    if (format === 2) {
      const same = () => make("run 1", "K", { missing: NaN, when: new Date(Date.UTC(2001, 1, 3)), big: 2n ** 60n });
      const s2 = new Map<string, Uint8Array>();
      await initializeStore(same(), s2, { zarrFormat: 2 });
      expect(new TextDecoder().decode(s2.get("/.xpartition/schema.json"))).toMatch(/"missing": NaN/);
      const w2: string[] = [];
      await writePartition(same(), s2, { ranks: 1, dims: ["x"], rank: 0, onWarning: (m) => w2.push(m) });
      expect(w2).toEqual([]);
    }
    // The store's metadata is init's.
    const root = await zarr.open(store, { kind: "group" });
    expect((await zarr.open(root.resolve("temp"), { kind: "array" })).attrs.units).toBe("K");
  });
});
