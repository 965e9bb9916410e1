// initializeStore's innerChunks: the original's tests (test_sharded_store, the zarr_format=2 error, inner chunk
// sizes and divisibility) ported, plus -1 / dims left out over several shards; read back by zarrita, and each
// shard's index checked against its CRC-32C.
import * as zarr from "zarrita";
import { describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DataArray, Dataset, FileSystemStore, fromArray, initializeStore, type TypedArray } from "../../src/index.js";
import { crc32c } from "../../src/kernels/crc32c.js";
import { readAll } from "./helpers.js";
import "../../src/mapper/index.js";

const tmp = () => mkdtempSync(join(tmpdir(), "xp-inner-"));
const arr = (a: ArrayLike<unknown>) => Array.from(a as ArrayLike<number>);
const prod = (xs: readonly number[]) => xs.reduce((p, x) => p * x, 1);

// The original's ALIGNED_SHAPE_AND_CHUNK_PAIRS over dims a (5), b (2), c (6).
const PAIRS: [number[], number[]][] = [
  [[5], [1]], [[5], [2]], [[5], [5]],
  [[5, 2], [1, 1]], [[5, 2], [1, 2]], [[5, 2], [2, 2]], [[5, 2], [4, 2]], [[5, 2], [5, 2]],
  [[5, 2, 6], [1, 1, 1]], [[5, 2, 6], [1, 1, 2]], [[5, 2, 6], [2, 1, 2]], [[5, 2, 6], [2, 2, 5]],
];

/** The original's `ds` fixture: unchunked_i and chunked_i (with chunked coordinate chunked_i_chunked_coord), dim coords. */
function fixture(): { ds: Dataset; values: Record<string, Float64Array> } {
  const values: Record<string, Float64Array> = {};
  const coords: Record<string, DataArray | object> = {
    a: { dims: ["a"], data: BigInt64Array.from({ length: 5 }, (_, i) => BigInt(i)) },
    b: { dims: ["b"], data: BigInt64Array.from({ length: 2 }, (_, i) => BigInt(i)) },
    c: { dims: ["c"], data: BigInt64Array.from({ length: 6 }, (_, i) => BigInt(i)) },
  };
  const dataVars: Record<string, object> = {};
  PAIRS.forEach(([shape, chunks], i) => {
    const dims = ["a", "b", "c"].slice(0, shape.length);
    const v = (seed: number) => Float64Array.from({ length: prod(shape) }, (_, k) => seed * 1000 + k * 0.25);
    values[`unchunked_${i}`] = v(i);
    values[`chunked_${i}`] = v(100 + i);
    values[`chunked_${i}_chunked_coord`] = v(200 + i);
    dataVars[`unchunked_${i}`] = { dims, data: fromArray(values[`unchunked_${i}`]!, shape) };
    dataVars[`chunked_${i}`] = { dims, data: fromArray(values[`chunked_${i}`]!, shape, { chunks }) };
    coords[`chunked_${i}_chunked_coord`] = { dims, data: fromArray(values[`chunked_${i}_chunked_coord`]!, shape, { chunks }) };
  });
  return { ds: new Dataset({ coords: coords as never, dataVars: dataVars as never }), values };
}

interface ArrayMeta { shape: number[]; chunk_grid: { configuration: { chunk_shape: number[] } }; codecs: { name: string; configuration?: { chunk_shape?: number[]; index_codecs?: { name: string }[] } }[] }
const meta = (dir: string, name: string): ArrayMeta => JSON.parse(readFileSync(join(dir, name, "zarr.json"), "utf8")) as ArrayMeta;

async function writeAll(ds: Dataset, store: FileSystemStore, ranks = 3): Promise<void> {
  for (let r = 0; r < ranks; r++) await ds.partition.write(store, ranks, Object.keys(ds.sizes), r);
}

describe("initializeStore innerChunks", () => {
  it("the original's test_sharded_store: chunks become shards, inner chunks as given; write unchanged; encodings untouched", async () => {
    const { ds, values } = fixture();
    const encodings = JSON.stringify(Object.values(ds.variables).map((v) => v.encoding));
    const dir = tmp();
    const store = new FileSystemStore(dir);
    await initializeStore(ds, store, { innerChunks: { a: 1, b: 1, c: 1 } });
    await writeAll(ds, store); // the original's write(store, ranks, dims, rank), nothing more
    expect(JSON.stringify(Object.values(ds.variables).map((v) => v.encoding))).toBe(encodings);
    for (const v of Object.values(ds.variables)) {
      const m = meta(dir, v.name!);
      const sharding = m.codecs.find((c) => c.name === "sharding_indexed");
      if (v.chunked) {
        expect(m.chunk_grid.configuration.chunk_shape).toEqual(v.chunks!.map((c) => c[0])); // shards = the chunks
        expect(sharding?.configuration?.chunk_shape).toEqual(v.dims.map(() => 1));
      } else {
        expect(sharding).toBeUndefined(); // unchunked variables are never sharded
        expect(m.chunk_grid.configuration.chunk_shape).toEqual([...v.shape]);
      }
    }
    const got = await readAll(store, 3);
    for (const [name, want] of Object.entries(values)) expect(arr(got.arrays[name]!.data), name).toEqual(arr(want));
    expect(arr(got.arrays.c!.data)).toEqual([0n, 1n, 2n, 3n, 4n, 5n]);
  });

  it("-1 and a dim left out are the whole shard, also over several shards (where the original's dim length fails)", async () => {
    const full = Float32Array.from({ length: 7 * 6 }, (_, i) => i);
    const ds = new Dataset({ dataVars: { t: { dims: ["x", "y"], data: fromArray(full, [7, 6], { chunks: [4, 3] }) } } });
    for (const inner of [{ x: -1, y: 1 }, { y: 1 }]) {
      const dir = tmp();
      const store = new FileSystemStore(dir);
      await initializeStore(ds, store, { innerChunks: inner });
      await writeAll(ds, store, 2);
      const m = meta(dir, "t");
      expect(m.chunk_grid.configuration.chunk_shape).toEqual([4, 3]);
      expect(m.codecs[0]!.configuration!.chunk_shape).toEqual([4, 1]);
      // zarrita (independent of our writer) reads it, through shard byte ranges.
      const a = await zarr.open.v3(zarr.root(store as never).resolve("t"), { kind: "array" });
      expect(arr((await zarr.get(a)).data as TypedArray)).toEqual(arr(full));
      expect(arr((await zarr.get(a, [zarr.slice(5, 7), 2])).data as TypedArray)).toEqual([32, 38]);
      // Each shard's index (per inner chunk: offset, length as u64 LE) ends with its CRC-32C (u32 LE).
      expect(m.codecs[0]!.configuration!.index_codecs!.map((c) => c.name)).toEqual(["bytes", "crc32c"]);
      for (const key of ["0/0", "0/1", "1/0", "1/1"]) {
        const shard = readFileSync(join(dir, "t", "c", key));
        const n = 1 * 3; // inner chunks per shard: (4 / 4) x (3 / 1)
        const index = shard.subarray(shard.length - (n * 16 + 4), shard.length - 4);
        const stored = shard.readUInt32LE(shard.length - 4);
        expect(crc32c(index) >>> 0, key).toBe(stored);
        expect(crc32c(Uint8Array.from(index, (b, i) => (i === 0 ? b ^ 1 : b))) >>> 0).not.toBe(stored);
      }
    }
  });

  it("errors, before anything is written: zarrFormat 2, a size that does not divide the shard, 0 or below -1, with encoding.shards", async () => {
    const { ds } = fixture();
    const dir = tmp();
    const store = new FileSystemStore(dir);
    await expect(initializeStore(ds, store, { innerChunks: { a: 1, b: 1, c: 1 }, zarrFormat: 2 })).rejects.toThrow(/innerChunks cannot be given with zarrFormat 2: sharded stores exist in zarr v3 only/);
    // The original's test_get_inner_chunks_encoding: a (5) chunked 3, inner 2.
    const one = new Dataset({ dataVars: { v: { dims: ["a"], data: fromArray(Float64Array.from([0, 1, 2, 3, 4]), [5], { chunks: [3] }) } } });
    await expect(initializeStore(one, store, { innerChunks: { a: 2 } })).rejects.toThrow(/variable "v": inner chunk length 2 along dimension "a" does not evenly divide its shard \(chunk\) length 3/);
    await expect(initializeStore(one, store, { innerChunks: { a: 0 } })).rejects.toThrow(/along dimension "a" must be an integer > 0, or -1 \(the whole shard\), got 0/);
    await expect(initializeStore(one, store, { innerChunks: { a: -2 } })).rejects.toThrow(/along dimension "a" must be .* got -2/);
    await expect(initializeStore(one, store, { innerChunks: { z: 1 } })).rejects.toThrow(/innerChunks names dimension "z"/);
    await expect(initializeStore(one, store, { innerChunks: { a: 1 }, encoding: { v: { shards: [3] } } })).rejects.toThrow(/variable "v": innerChunks shards every chunked variable, but this one is already sharded by its encoding \(encoding.shards\)/);
    const { readdirSync } = await import("node:fs");
    expect(readdirSync(dir)).toEqual([]);
    // The original's inner chunk size 1 of a shard of 3 is fine.
    await initializeStore(one, store, { innerChunks: { a: 1 } });
  });

  it("writeAll passes innerChunks to the initialisation; its ranks write the sharded store", async () => {
    const { writeAll } = await import("../../dist/run/pool.js");
    const dir = tmp();
    const fixture = join(import.meta.dirname, "..", "fixtures", "small-dataset.mjs");
    await writeAll({ dataset: fixture, store: dir, ranks: 2, dims: ["time"], workers: 2, innerChunks: { time: 1 } });
    const m = meta(dir, "a");
    expect(m.chunk_grid.configuration.chunk_shape).toEqual([2, 5]);
    expect(m.codecs[0]!.configuration!.chunk_shape).toEqual([1, 5]);
    const a = (await readAll(new FileSystemStore(dir), 3)).arrays.a!;
    expect(arr(a.data).slice(0, 3)).toEqual([0.5, 1.5, 2.5]); // the fixture's a[t, x] = t * 100 + x + 0.5
    expect(arr(a.data)[10 * 11 + 9]).toBe(1109.5);
  });

  it("the variables' own codecs become the inner chunks' codecs; a PartitionMapper output adopts the sharding", async () => {
    const full = Int16Array.from({ length: 12 }, (_, i) => i - 6);
    const ds = new Dataset({ dataVars: { v: { dims: ["x"], data: fromArray(full, [12], { chunks: [6] }), encoding: { compressor: { id: "zstd", level: 2 } } } } });
    const dir = tmp();
    const store = new FileSystemStore(dir);
    await initializeStore(ds, store, { innerChunks: { x: 2 } });
    const m = meta(dir, "v") as unknown as { codecs: { configuration: { codecs: { name: string }[] } }[] };
    expect(m.codecs[0]!.configuration.codecs.map((c) => c.name)).toEqual(["bytes", "zstd"]);
    expect(ds.dataVars.v!.encoding).toEqual({ compressor: { id: "zstd", level: 2 } });
    await writeAll(ds, store, 2);
    expect(arr((await readAll(store, 3)).arrays.v!.data)).toEqual(arr(full));
    // A mapper's output (no sharding encoding of its own) is written into the sharded store it initialised.
    const dir2 = tmp();
    const mapper = ds.dataVars.v!.partition.map(new FileSystemStore(dir2), 2, ["x"], (d) => d.rename({ v: "w" }), ds, { innerChunks: { x: 3 } });
    for await (const rank of mapper) await mapper.write(rank);
    expect((meta(dir2, "w").codecs[0]!.configuration!.chunk_shape)).toEqual([3]);
    expect(arr((await readAll(new FileSystemStore(dir2), 3)).arrays.w!.data)).toEqual(arr(full));
  });
});
