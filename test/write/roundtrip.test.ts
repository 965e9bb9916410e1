import { describe, expect, it } from "vitest";
import { initializeStore, writePartition } from "../../src/index.js";
import { readAll, small } from "./helpers.js";
import { expectVerified } from "../helpers/verify.js";

describe("write then read back with zarrita", () => {
  for (const format of [2, 3] as const) {
    for (const [ranks, dims] of [[1, ["time"]], [3, ["time", "x"]], [5, ["y"]], [11, ["x", "time", "y"]]] as const) {
      it(`zarr v${format}, ${ranks} ranks over ${dims.join(",")}`, async () => {
        const { ds, temp, flag } = small();
        const store = new Map<string, Uint8Array>();
        await initializeStore(ds, store, { zarrFormat: format });
        for (let r = 0; r < ranks; r++) await writePartition(ds, store, { ranks, dims: [...dims], rank: r, memoryBudget: 200, onWarning: () => {} });
        const got = await readAll(store, format);
        expect(got.attrs).toEqual({ title: "small" });
        expect(Array.from(got.arrays.temp!.data as Float32Array)).toEqual(Array.from(temp));
        expect(got.arrays.temp!.shape).toEqual([7, 5, 6]);
        expect(Array.from(got.arrays.flag!.data as Int16Array)).toEqual(Array.from(flag));
        expect(Array.from(got.arrays.x!.data as Int32Array)).toEqual([0, 1, 2, 3, 4, 5]);
        expect(Array.from(got.arrays.y!.data as Float64Array)).toEqual([0, 10, 20, 30, 40]);
        expect((got.arrays.lat!.data as Float64Array)[7]).toBeCloseTo(7 / 3);
        expect(got.arrays.temp!.attrs).toMatchObject({ units: "K", coordinates: "lat" });
        expect(got.arrays.flag!.attrs).toMatchObject({ coordinates: "lat" });
        for (let r = 0; r < ranks; r++) expect(store.has(`/.xpartition/ranks/${r}.json`)).toBe(true);
        await expectVerified(store);
      });
    }
  }
});

describe("the default codec", () => {
  it("is Blosc lz4 clevel 5 with byte shuffle (bitshuffle for 1-byte types), in v2 and v3 metadata", async () => {
    const { Dataset, fromArray } = await import("../../src/index.js");
    const ds = new Dataset({
      dataVars: {
        f: { dims: ["x"], data: fromArray(new Float32Array(40).fill(1.5), [40], { chunks: [8] }) },
        u: { dims: ["x"], data: fromArray(new Uint8Array(40).fill(7), [40], { chunks: [8] }) },
      },
    });
    const v2 = new Map<string, Uint8Array>();
    await initializeStore(ds, v2, { zarrFormat: 2 });
    const zarray = (k: string) => JSON.parse(new TextDecoder().decode(v2.get(k)!));
    expect(zarray("/f/.zarray").compressor).toEqual({ id: "blosc", cname: "lz4", clevel: 5, shuffle: 1, blocksize: 0 });
    expect(zarray("/u/.zarray").compressor).toEqual({ id: "blosc", cname: "lz4", clevel: 5, shuffle: 2, blocksize: 0 });
    const v3 = new Map<string, Uint8Array>();
    await initializeStore(ds, v3, { zarrFormat: 3 });
    const codecs = (k: string) => JSON.parse(new TextDecoder().decode(v3.get(k)!)).codecs;
    expect(codecs("/f/zarr.json")[1]).toMatchObject({ name: "blosc", configuration: { cname: "lz4", clevel: 5, shuffle: "shuffle", typesize: 4 } });
    expect(codecs("/u/zarr.json")[1]).toMatchObject({ name: "blosc", configuration: { cname: "lz4", clevel: 5, shuffle: "bitshuffle", typesize: 1 } });
    for (let r = 0; r < 2; r++) await writePartition(ds, v3, { ranks: 2, dims: ["x"], rank: r });
    const got = await readAll(v3, 3);
    expect(Array.from(got.arrays.f!.data as Float32Array)).toEqual(Array(40).fill(1.5));
    expect(Array.from(got.arrays.u!.data as Uint8Array)).toEqual(Array(40).fill(7));
  });
});

describe("every Blosc inner codec through the writer", () => {
  it("blosclz, lz4, lz4hc, snappy, zlib and zstd variables (v2 and v3), read back by zarrita", async () => {
    const { Dataset, fromArray } = await import("../../src/index.js");
    const cnames = ["blosclz", "lz4", "lz4hc", "snappy", "zlib", "zstd"] as const;
    const values = Float32Array.from({ length: 64 * 48 }, (_, i) => Math.round(Math.sin(i / 50) * 1000) / 8);
    for (const format of [2, 3] as const) {
      const dataVars: Record<string, unknown> = {};
      for (const [j, cname] of cnames.entries()) {
        dataVars[cname] = { dims: ["t", "x"], data: fromArray(values, [64, 48], { chunks: [16, 24] }), encoding: { compressor: { id: "blosc", cname, clevel: 5, shuffle: j % 3, blocksize: 0 } } };
      }
      const ds = new Dataset({ dataVars: dataVars as never });
      const store = new Map<string, Uint8Array>();
      await initializeStore(ds, store, { zarrFormat: format });
      for (let r = 0; r < 3; r++) await writePartition(ds, store, { ranks: 3, dims: ["t"], rank: r });
      const got = await readAll(store, format);
      for (const cname of cnames) expect(Array.from(got.arrays[cname]!.data as Float32Array), `${cname} v${format}`).toEqual(Array.from(values));
      await expectVerified(store);
    }
  });
});

describe("zarr v3 codec lists", () => {
  it("bytes + numcodecs.shuffle + gzip + crc32c, and v2-style compressors on v3, read back by zarrita", async () => {
    const { Dataset, fromArray } = await import("../../src/index.js");
    const data = Float64Array.from({ length: 40 }, (_, i) => Math.sqrt(i));
    const ints = BigInt64Array.from({ length: 40 }, (_, i) => BigInt(i) * 10n ** 15n);
    const ds = new Dataset({
      dataVars: {
        a: { dims: ["x"], data: fromArray(data, [40], { chunks: [7] }), encoding: { codecs: [{ name: "numcodecs.shuffle", configuration: { elementsize: 8 } }, { name: "gzip", configuration: { level: 5 } }, "crc32c"] } },
        b: { dims: ["x"], data: fromArray(ints, [40], { chunks: [9] }), encoding: { compressor: { id: "zstd", level: 3 }, fillValue: -1n } },
      },
    });
    const store = new Map<string, Uint8Array>();
    await initializeStore(ds, store, { zarrFormat: 3 });
    await writePartition(ds, store, { ranks: 2, dims: ["x"], rank: 0 });
    await writePartition(ds, store, { ranks: 2, dims: ["x"], rank: 1 });
    const meta = JSON.parse(new TextDecoder().decode(store.get("/a/zarr.json")));
    expect(meta.codecs.map((c: { name: string }) => c.name)).toEqual(["bytes", "numcodecs.shuffle", "gzip", "crc32c"]);
    const got = await readAll(store, 3);
    expect(Array.from(got.arrays.a!.data as Float64Array)).toEqual(Array.from(data));
    expect(Array.from(got.arrays.b!.data as BigInt64Array)).toEqual(Array.from(ints));
    expect(got.arrays.b!.attrs._FillValue).toBe(-1);
    await expectVerified(store);
  });
});
