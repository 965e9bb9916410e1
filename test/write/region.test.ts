// writeRegion: regions written into an initialised store (zarrita reads the result), checked against the
// recorded schema and grid before anything is written; a completion record when a rank is given.
import { describe, expect, it } from "vitest";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Dataset, FileSystemStore, fromArray, initializeStore } from "../../src/index.js";
import { zerosLike } from "../../src/model/zeros.js";
import { writeRegion } from "../../src/write/region.js";
import { readCompletionRecord } from "../../src/write/write.js";
import { readAll } from "./helpers.js";

const tmp = () => mkdtempSync(join(tmpdir(), "xp-region-"));
const arr = (a: ArrayLike<unknown>) => Array.from(a as ArrayLike<number>);
const full = Float32Array.from({ length: 7 * 6 }, (_, i) => i - 3.5);
const R = (start: number, stop: number) => ({ start, stop });

/** t (x: 7, y: 6) float32 chunked (3, 4), and x in memory. */
function dataset(chunks = [3, 4], encoding: Record<string, unknown> = {}): Dataset {
  return new Dataset({
    coords: { x: { dims: ["x"], data: Float64Array.from({ length: 7 }, (_, i) => i * 10) } },
    dataVars: { t: { dims: ["x", "y"], data: fromArray(full, [7, 6], { chunks }), attrs: { units: "K" }, encoding } },
  });
}

/** The rows [a, b) of `full`, as a dataset holding only that region (chunked differently on purpose). */
function rows(a: number, b: number, opts: { dtype?: "float64"; encoding?: Record<string, unknown> } = {}): Dataset {
  const part = full.slice(a * 6, b * 6);
  const data = opts.dtype === "float64" ? Float64Array.from(part) : part;
  return new Dataset({ dataVars: { t: { dims: ["x", "y"], data: fromArray(data, [b - a, 6], { chunks: [1, 6] }), encoding: opts.encoding } } });
}

async function initialized(format: 2 | 3 = 3, encoding: Record<string, unknown> = {}, chunks = [3, 4]) {
  const dir = tmp();
  const store = new FileSystemStore(dir);
  await initializeStore(zerosLike(dataset(chunks, encoding)), store, { zarrFormat: format });
  return { dir, store };
}

describe("writeRegion", () => {
  for (const format of [2, 3] as const) {
    it(`zarr v${format}: regions on the chunk grid (the last one ending at the array's end) fill the store`, async () => {
      const { store } = await initialized(format);
      expect(await writeRegion(rows(3, 7), store, { x: R(3, 7) })).toBeUndefined();
      await writeRegion(rows(0, 3), store, { x: R(0, 3), y: R(0, 6) });
      const got = await readAll(store, format);
      expect(arr(got.arrays.t!.data)).toEqual(arr(full));
      expect(arr(got.arrays.x!.data)).toEqual([0, 10, 20, 30, 40, 50, 60]);
      expect(got.arrays.t!.attrs).toMatchObject({ units: "K" });
    });
  }

  it("with a rank: its completion record (ranks and dims from the store's plan or the options)", async () => {
    const dir = tmp();
    const store = new FileSystemStore(dir);
    await initializeStore(zerosLike(dataset()), store, { plan: { ranks: 2, dims: ["x"] } });
    const rec = await writeRegion(rows(0, 3), store, { x: R(0, 3) }, { rank: 0 });
    expect(rec).toMatchObject({ rank: 0, ranks: 2, dims: ["x"], idle: false, chunks: 2, variables: { t: { region: [[0, 3], [0, 6]], chunks: 2 } } });
    expect(await readCompletionRecord(store, 0)).toEqual(rec);
    const idle = await writeRegion(new Dataset(), store, {}, { rank: 1 });
    expect(idle).toMatchObject({ rank: 1, idle: true, chunks: 0 });
    const other = await initialized();
    await expect(writeRegion(rows(0, 3), other.store, { x: R(0, 3) }, { rank: 0 })).rejects.toThrow(/neither ranks and dims nor a plan/);
  });

  it("errors name the variable, dim, bounds and what was expected, before anything is written", async () => {
    const { store } = await initialized();
    const keysBefore = JSON.stringify(await readAll(store, 3));
    await expect(writeRegion(rows(2, 5), store, { x: R(2, 5) })).rejects.toThrow(
      /variable "t": the region 2:5 along dimension "x" is not aligned to its chunks of length 3/,
    );
    await expect(writeRegion(rows(3, 5), store, { x: R(3, 5) })).rejects.toThrow(/region 3:5 along dimension "x" is not aligned/);
    await expect(writeRegion(rows(0, 3), store, { x: R(0, 4) })).rejects.toThrow(/dimension "x" has size 3 in the dataset, but the region 0:4 along it has 4/);
    await expect(writeRegion(rows(0, 3), store, { q: R(0, 3) })).rejects.toThrow(/region names dimension "q"/);
    await expect(writeRegion(rows(0, 3, { dtype: "float64" }), store, { x: R(0, 3) })).rejects.toThrow(/variable "t" dtype: initialised "float32", this dataset "float64"/);
    await expect(writeRegion(rows(0, 3, { encoding: { compressor: { id: "zstd", level: 1 } } }), store, { x: R(0, 3) })).rejects.toThrow(/variable "t" codecs/);
    const renamed = rows(0, 3).rename({ t: "u" });
    await expect(writeRegion(renamed, store, { x: R(0, 3) })).rejects.toThrow(/variable "u" is not in the store's schema/);
    const withX = new Dataset({ coords: { x: { dims: ["x"], data: Float64Array.from([0, 10, 20]) } }, dataVars: rows(0, 3).dataVars });
    await expect(writeRegion(withX, store, { x: R(0, 3) })).rejects.toThrow(/variable "x" was written whole by initializeStore/);
    await expect(writeRegion(rows(0, 3).isel({ y: { stop: 4 } }), store, { x: R(0, 3) })).rejects.toThrow(/dimension "y" is not in the region, so the dataset must hold all of it \(6 in the store\), but it has 4/);
    const yOnly = rows(0, 3).assign({ w: { dims: ["y"], data: fromArray(new Float32Array(6), [6], { chunks: [3] }) } });
    await expect(writeRegion(yOnly, store, { x: R(0, 3) })).rejects.toThrow(/variable "w" \(dims \[y\]\) has none of the region's dimensions \(x\)/);
    expect(JSON.stringify(await readAll(store, 3))).toBe(keysBefore);
  });

  it("a sharded store: regions must fall on the shard grid; the dataset's chunks need not be the store's", async () => {
    const { store } = await initialized(3, { shards: [6, 4] }, [3, 2]);
    await expect(writeRegion(rows(0, 3), store, { x: R(0, 3) })).rejects.toThrow(/not aligned to its shards of length 6/);
    // Without a sharding encoding the region is written on the store's grid: it adopts the recorded sharding.
    await writeRegion(rows(0, 6), store, { x: R(0, 6) });
    // A different sharding is a difference.
    await expect(writeRegion(rows(6, 7, { encoding: { shards: [3, 4] } }), store, { x: R(6, 7) })).rejects.toThrow(/variable "t" (chunks|shards)/);
    await writeRegion(rows(6, 7, { encoding: { shards: [6, 4] } }), store, { x: R(6, 7) });
    expect(arr((await readAll(store, 3)).arrays.t!.data)).toEqual(arr(full));
  });
});
