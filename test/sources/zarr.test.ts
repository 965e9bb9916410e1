// openZarr on stores written by zarrita (v3) and by hand from the zarr v2 spec (bare NaN attributes, order "F",
// "/" chunk keys): values, lazy reads of only the overlapping chunks, pass-through encoding, and refusals. Sharded
// v3 stores come from our own writer: no independent sharded writer exists here (zarrita 0.7.5 cannot write one).
import { describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as zarr from "zarrita";
import { openZarr } from "../../src/sources/zarr.js";
import { SourceError } from "../../src/sources/errors.js";
import { initializeStore } from "../../src/write/initialize.js";
import { writePartition } from "../../src/write/write.js";
import { Dataset } from "../../src/model/dataset.js";
import { fromArray } from "../../src/model/lazy.js";
import { FileSystemStore } from "../../src/store/fs.js";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { kernels } from "../../src/kernels/instance.js";
import { subset } from "../helpers/subset.js";

/** A Map store that can list (as a directory store can), for hierarchies without consolidated metadata. */
class ListMap extends Map<string, Uint8Array> {
  list(prefix = "/"): string[] {
    return [...this.keys()].filter((k) => k.startsWith(prefix)).sort();
  }
}

const enc = new TextEncoder();
const text = (s: string): Uint8Array => enc.encode(s);
const json = (x: unknown): Uint8Array => enc.encode(JSON.stringify(x));
const [T, Y, X] = [7, 5, 6];
const tempValues = Float32Array.from({ length: T * Y * X }, (_, i) => (i % 13 === 0 ? NaN : i * 0.25 - 9));
let seed = 77;
const rand = (n: number): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) % n;


/** A v3 group written by zarrita: temp (blosc zstd, half its chunks missing), time, x, lat (2-d coord), mask. */
async function zarritaV3(store: Map<string, Uint8Array>): Promise<void> {
  const root = await zarr.create(store, { attributes: { title: "written by zarrita", history: ["a", "b"] } });
  const bytes = { name: "bytes", configuration: { endian: "little" } };
  const temp = await zarr.create(root.resolve("temp"), {
    shape: [T, Y, X], chunkShape: [3, 2, 4], dtype: "float32", fillValue: NaN, dimensionNames: ["time", "y", "x"],
    codecs: [bytes, { name: "blosc", configuration: { cname: "zstd", clevel: 3, shuffle: "shuffle", typesize: 4, blocksize: 0 } }],
    attributes: { units: "K", coordinates: "lat" },
  });
  // Only time 0..3 is written: the chunks of time 3.. stay missing (fill value NaN).
  await zarr.set(temp, [zarr.slice(0, 3), null, null], { data: tempValues.slice(0, 3 * Y * X), shape: [3, Y, X], stride: [Y * X, X, 1] });
  const time = await zarr.create(root.resolve("time"), { shape: [T], chunkShape: [4], dtype: "int64", fillValue: 0 as never, dimensionNames: ["time"], attributes: { units: "hours since 2000-01-01", calendar: "noleap" } });
  await zarr.set(time, null, { data: BigInt64Array.from({ length: T }, (_, i) => BigInt(i * 6)), shape: [T], stride: [1] });
  const x = await zarr.create(root.resolve("x"), { shape: [X], chunkShape: [X], dtype: "int32", fillValue: 0, dimensionNames: ["x"] });
  await zarr.set(x, null, { data: Int32Array.from({ length: X }, (_, i) => i * 10), shape: [X], stride: [1] });
  const lat = await zarr.create(root.resolve("lat"), { shape: [Y, X], chunkShape: [2, 3], dtype: "float64", fillValue: NaN, dimensionNames: ["y", "x"] });
  await zarr.set(lat, null, { data: Float64Array.from({ length: Y * X }, (_, i) => 40 + i / 8), shape: [Y, X], stride: [X, 1] });
  const mask = await zarr.create(root.resolve("mask"), { shape: [Y, X], chunkShape: [5, 2], dtype: "bool", fillValue: false, dimensionNames: ["y", "x"] });
  await zarr.set(mask, null, { data: new zarr.BoolArray(Array.from({ length: Y * X }, (_, i) => i % 3 === 0)), shape: [Y, X], stride: [X, 1] });
}

/** A v2 group written by hand from the spec: bare NaN attributes (as zarr-python 2 writes), order "F", "/" keys. */
function handV2(withZmetadata: boolean): ListMap {
  const s = new ListMap();
  const zattrs = '{"title": "v2 by hand", "bad": NaN, "big": Infinity}';
  const a = { zarr_format: 2, shape: [3, 4], chunks: [2, 3], dtype: "<f8", order: "F", compressor: null, filters: null, fill_value: "NaN" };
  const b = { zarr_format: 2, shape: [5], chunks: [2], dtype: "<i2", order: "C", compressor: null, filters: null, fill_value: -1, dimension_separator: "/" };
  s.set("/.zgroup", json({ zarr_format: 2 }));
  s.set("/.zattrs", text(zattrs));
  s.set("/a/.zarray", json(a));
  s.set("/a/.zattrs", text('{"_ARRAY_DIMENSIONS": ["y", "x"], "valid_max": NaN}'));
  s.set("/b/.zarray", json(b));
  s.set("/b/.zattrs", json({ _ARRAY_DIMENSIONS: ["n"], scale_factor: 0.5 }));
  // a (3x4, chunks 2x3, F order: column-major within each full-size chunk), a[i][j] = 10 i + j; chunk (1, 1) missing.
  const fChunk = (ci: number, cj: number): Uint8Array => {
    const c = new Float64Array(6);
    for (let j = 0; j < 3; j++) for (let i = 0; i < 2; i++) c[j * 2 + i] = 10 * (ci * 2 + i) + (cj * 3 + j);
    return new Uint8Array(c.buffer);
  };
  s.set("/a/0.0", fChunk(0, 0));
  s.set("/a/0.1", fChunk(0, 1));
  s.set("/a/1.0", fChunk(1, 0));
  s.set("/b/0", new Uint8Array(Int16Array.from([5, 6]).buffer));
  s.set("/b/2", new Uint8Array(Int16Array.from([9, 0]).buffer)); // chunk 1 missing: -1 -1
  if (withZmetadata) {
    s.set("/.zmetadata", text(`{"metadata": {".zgroup": {"zarr_format": 2}, ".zattrs": ${zattrs}, "a/.zarray": ${JSON.stringify(a)}, ` +
      `"a/.zattrs": {"_ARRAY_DIMENSIONS": ["y", "x"], "valid_max": NaN}, "b/.zarray": ${JSON.stringify(b)}, ` +
      `"b/.zattrs": {"_ARRAY_DIMENSIONS": ["n"], "scale_factor": 0.5}}, "zarr_consolidated_format": 1}`));
  }
  return s;
}

describe("openZarr: zarr v3 written by zarrita", () => {
  it("gives coords, data variables, attributes and values equal to zarrita's own reader", async () => {
    const store = new ListMap();
    await zarritaV3(store);
    const ds = await openZarr(store);
    expect(Object.keys(ds.coords).sort()).toEqual(["lat", "time", "x"]);
    expect(Object.keys(ds.dataVars).sort()).toEqual(["mask", "temp"]);
    expect(ds.attrs).toEqual({ title: "written by zarrita", history: ["a", "b"] });
    expect(ds.sizes).toEqual({ time: T, y: Y, x: X });
    const temp = ds.get("temp")!;
    expect(temp.attrs).toEqual({ units: "K" }); // coordinates became coords
    expect(temp.chunks).toEqual([[3, 3, 1], [2, 2, 1], [4, 2]]);
    const got = Array.from(await temp.compute());
    const want = Array.from(tempValues, (v, i) => (i < 3 * Y * X ? v : NaN));
    expect(got).toEqual(want);
    for (const name of ["time", "x", "lat", "mask"]) {
      const arr = await zarr.open.v3(new zarr.Location(store, `/${name}`), { kind: "array" });
      const ref = await zarr.get(arr);
      const data = ref.data instanceof zarr.BoolArray ? new Uint8Array(ref.data.buffer) : ref.data;
      expect(Array.from(await ds.get(name)!.compute() as ArrayLike<number>), name).toEqual(Array.from(data as ArrayLike<number>));
    }
    expect(ds.get("mask")!.dtype).toBe("bool");
    expect(ds.get("time")!.dtype).toBe("int64");
    expect(ds.get("time")!.attrs).toEqual({ units: "hours since 2000-01-01", calendar: "noleap" });
  });

  it("reads any region from only the source chunks overlapping it (WASM placement, with and without out)", async () => {
    const store = new ListMap();
    await zarritaV3(store);
    const reads: string[] = [];
    const ds = await openZarr(store, { onChunkRead: (v, c) => reads.push(`${v}:${c.join(",")}`) });
    reads.length = 0; // dimension coordinates were read at open
    const full = Array.from(await ds.get("temp")!.compute());
    const shape = [T, Y, X];
    const chunk = [3, 2, 4];
    for (let trial = 0; trial < 60; trial++) {
      const region = shape.map((n) => {
        const a = rand(n), b = rand(n);
        return { start: Math.min(a, b), stop: Math.max(a, b) + 1 };
      });
      reads.length = 0;
      const want = subset(full, shape, region);
      const got = trial % 2 ? await ds.get("temp")!.compute(region) : await ds.get("temp")!.compute(region, new Float32Array(want.length));
      expect(Array.from(got), JSON.stringify(region)).toEqual(want);
      const overlapping = region.reduce((p, r, d) => p * (Math.ceil(r.stop / chunk[d]!) - Math.floor(r.start / chunk[d]!)), 1);
      expect(reads.length).toBe(overlapping);
      expect(new Set(reads).size).toBe(reads.length);
    }
  });

  it("fills an out in WASM memory by pointer even when memory grows while chunks are fetched", async () => {
    const store = new ListMap();
    await zarritaV3(store);
    const k = kernels();
    let grow = false;
    const growing = { get: (key: string) => {
      if (grow && key.includes("/c/")) k.ensure(k.memory.buffer.byteLength + (1 << 20)); // detaches every view
      return store.get(key);
    }, list: (prefix?: string) => store.list(prefix) };
    const ds = await openZarr(growing);
    const full = Array.from(await ds.get("temp")!.compute());
    const mark = k.arena.mark();
    try {
      const region = [{ start: 1, stop: 6 }, { start: 0, stop: 5 }, { start: 1, stop: 6 }];
      const want = subset(full, [T, Y, X], region);
      const ptr = k.arena.alloc(want.length * 4);
      const out = k.arena.view(Float32Array, ptr, want.length);
      grow = true;
      const before = k.memory.buffer.byteLength;
      const got = await ds.get("temp")!.compute(region, out);
      expect(k.memory.buffer.byteLength).toBeGreaterThan(before);
      expect(out.length).toBe(0); // the caller's view was detached
      expect(got.buffer).toBe(k.memory.buffer);
      expect(got.byteOffset).toBe(ptr);
      expect(Array.from(got)).toEqual(want);
    } finally {
      grow = false;
      k.arena.release(mark);
    }
  });

  it("a copy with the source's chunks reads each source chunk once, over all ranks", async () => {
    const store = new ListMap();
    await zarritaV3(store);
    const reads = new Map<string, number>();
    const ds = await openZarr(store, { onChunkRead: (v, c) => reads.set(`${v}/${c}`, (reads.get(`${v}/${c}`) ?? 0) + 1) });
    expect([...reads.keys()].sort()).toEqual(["time/0", "time/1", "x/0"]); // dimension coordinates, at open
    reads.clear();
    const out = new Map<string, Uint8Array>();
    await initializeStore(ds, out, { zarrFormat: 3 });
    for (const rank of [0, 1, 2]) await writePartition(ds, out, { ranks: 3, rank, dims: ["time", "y"] });
    const chunksOf = (v: string): number => ds.get(v)!.chunks!.reduce((p, c) => p * c.length, 1);
    for (const v of ["temp", "lat", "mask"]) expect([...reads.keys()].filter((k) => k.startsWith(`${v}/`)).length, v).toBe(chunksOf(v));
    expect([...reads.values()].every((n) => n === 1)).toBe(true);
  });

  it("keeps the source's encoding: stored dtype, fill value, chunks, codecs (without the serialiser), zarr format", async () => {
    const store = new ListMap();
    await zarritaV3(store);
    const ds = await openZarr(store);
    expect(ds.get("temp")!.encoding).toEqual({
      dtype: "float32", chunks: [3, 2, 4], zarrFormat: 3, fillValue: NaN,
      codecs: [{ name: "blosc", configuration: { cname: "zstd", clevel: 3, shuffle: "shuffle", typesize: 4, blocksize: 0 } }],
    });
    // An int without a _FillValue attribute: no fill value passed (xarray would mask with it otherwise).
    expect(ds.get("x")!.encoding.fillValue).toBeUndefined();
  });

  it("uses inline consolidated metadata when present; without it a store that cannot list is refused", async () => {
    const listed = new ListMap();
    await zarritaV3(listed);
    const plain = new Map(listed);
    const rootDoc = JSON.parse(new TextDecoder().decode(plain.get("/zarr.json")!));
    const metadata: Record<string, unknown> = {};
    for (const n of ["temp", "time", "x", "lat", "mask"]) metadata[n] = JSON.parse(new TextDecoder().decode(plain.get(`/${n}/zarr.json`)!));
    await expect(openZarr(plain)).rejects.toThrow(/no consolidated metadata and this store cannot list/);
    plain.set("/zarr.json", json({ ...rootDoc, consolidated_metadata: { kind: "inline", must_understand: false, metadata } }));
    for (const n of Object.keys(metadata)) plain.delete(`/${n}/zarr.json`); // only the consolidated copy remains
    const ds = await openZarr(plain);
    expect(Object.keys(ds.variables).sort()).toEqual(["lat", "mask", "temp", "time", "x"]);
    expect(Array.from(await ds.get("x")!.compute())).toEqual([0, 10, 20, 30, 40, 50]);
    await expect(openZarr(plain, { consolidated: false })).rejects.toThrow(/cannot list/);
    await expect(openZarr(listed, { consolidated: true })).rejects.toThrow(/no consolidated metadata in \/zarr.json/);
  });

  it("copies through our writer to v3: zarrita reads the copy equal to the source, value for value, attributes as JSON", async () => {
    const src = new ListMap();
    await zarritaV3(src);
    const ds = await openZarr(src);
    const out = new Map<string, Uint8Array>();
    await initializeStore(ds, out, { zarrFormat: 3 });
    for (const rank of [0, 1]) await writePartition(ds, out, { ranks: 2, rank, dims: ["time"] });
    for (const name of ["temp", "time", "x", "lat", "mask"]) {
      const a = await zarr.open.v3(new zarr.Location(src, `/${name}`), { kind: "array" });
      const b = await zarr.open.v3(new zarr.Location(out, `/${name}`), { kind: "array" });
      const [ra, rb] = [await zarr.get(a), await zarr.get(b)];
      const bytes = (r: { data: unknown }) => Buffer.from(new Uint8Array((r.data as { buffer: ArrayBuffer }).buffer));
      expect(Buffer.compare(bytes(ra), bytes(rb)), name).toBe(0);
      expect(b.chunks, name).toEqual(a.chunks);
      expect(b.dtype).toBe(a.dtype);
      expect(b.dimensionNames).toEqual(a.dimensionNames);
    }
    const temp = JSON.parse(new TextDecoder().decode(out.get("/temp/zarr.json")!));
    expect(temp.codecs[1]).toEqual({ name: "blosc", configuration: { cname: "zstd", clevel: 3, shuffle: "shuffle", typesize: 4, blocksize: 0 } });
    expect(temp.attributes.units).toBe("K");
    expect(temp.attributes.coordinates).toBe("lat");
    expect(JSON.parse(new TextDecoder().decode(out.get("/zarr.json")!)).attributes).toMatchObject({ title: "written by zarrita", history: ["a", "b"] });
  });

  it("reads sharded v3 (written by our writer: no independent sharded writer exists here), keeping shards and inner chunks", async () => {
    const dir = mkdtempSync(join(tmpdir(), "xp-src-shard-"));
    const values = Int32Array.from({ length: 8 * 9 }, (_, i) => i * 7 - 100);
    const ds0 = new Dataset({ dataVars: { v: { dims: ["a", "b"], data: fromArray(values, [8, 9], { chunks: [2, 3] }), encoding: { shards: [4, 9], compressor: { id: "zstd", level: 1 } } } } });
    await initializeStore(ds0, join(dir, "s.zarr"), { zarrFormat: 3 });
    await writePartition(ds0, join(dir, "s.zarr"), { ranks: 1, rank: 0, dims: ["a"] });
    const reads: string[] = [];
    const ds = await openZarr(join(dir, "s.zarr"), { onChunkRead: (_v, c) => reads.push(c.join(",")) });
    const v = ds.get("v")!;
    expect(v.chunks).toEqual([[2, 2, 2, 2], [3, 3, 3]]);
    expect(v.encoding.shards).toEqual([4, 9]);
    expect(v.encoding.codecs).toEqual([{ name: "zstd", configuration: { level: 1, checksum: false } }]);
    expect(Array.from(await v.compute())).toEqual(Array.from(values));
    reads.length = 0;
    expect(Array.from(await v.compute([{ start: 3, stop: 5 }, { start: 4, stop: 5 }]))).toEqual([values[3 * 9 + 4], values[4 * 9 + 4]]);
    expect(reads.sort()).toEqual(["1,1", "2,1"]);
  });
});

describe("openZarr: zarr v2 written by hand", () => {
  for (const consolidated of [true, false]) {
    it(`parses bare NaN/Infinity, reads order "F" and "/" keys, missing chunks as the fill value (${consolidated ? "" : "not "}consolidated)`, async () => {
      const ds = await openZarr(handV2(consolidated));
      expect(ds.attrs.title).toBe("v2 by hand");
      expect(ds.attrs.bad).toBeNaN();
      expect(ds.attrs.big).toBe(Infinity);
      expect(ds.get("a")!.attrs.valid_max).toBeNaN();
      const a = Array.from(await ds.get("a")!.compute());
      expect(a).toEqual([0, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22, NaN]);
      expect(Array.from(await ds.get("a")!.compute([{ start: 1, stop: 3 }, { start: 1, stop: 4 }]))).toEqual([11, 12, 13, 21, 22, NaN]);
      expect(Array.from(await ds.get("b")!.compute())).toEqual([5, 6, -1, -1, 9]);
      expect(ds.get("b")!.encoding).toEqual({ dtype: "<i2", chunks: [2], zarrFormat: 2, fillValue: -1, dimensionSeparator: "/", compressor: null, filters: null });
      expect(ds.get("b")!.attrs).toEqual({ scale_factor: 0.5 });
    });
  }

  it("opens a nested group (consolidated at the root, or listed); a v2 array without fill value copies to v3", async () => {
    const s = new ListMap();
    const c = { zarr_format: 2, shape: [4], chunks: [3], dtype: "<i4", order: "C", compressor: null, filters: null, fill_value: null };
    s.set("/.zgroup", json({ zarr_format: 2 }));
    s.set("/g/.zgroup", json({ zarr_format: 2 }));
    s.set("/g/.zattrs", json({ where: "in g" }));
    s.set("/g/c/.zarray", json(c));
    s.set("/g/c/.zattrs", json({ _ARRAY_DIMENSIONS: ["k"] }));
    s.set("/g/c/0", new Uint8Array(Int32Array.from([1, 2, 3]).buffer));
    s.set("/g/c/1", new Uint8Array(Int32Array.from([4, 0, 0]).buffer));
    s.set("/g/h/.zgroup", json({ zarr_format: 2 })); // a subgroup: not a variable of g
    for (const consolidated of [false, true]) {
      if (consolidated) {
        s.set("/.zmetadata", json({ metadata: { ".zgroup": { zarr_format: 2 }, "g/.zgroup": { zarr_format: 2 }, "g/.zattrs": { where: "in g" }, "g/c/.zarray": c, "g/c/.zattrs": { _ARRAY_DIMENSIONS: ["k"] }, "g/h/.zgroup": { zarr_format: 2 } }, zarr_consolidated_format: 1 }));
      }
      const ds = await openZarr(s, { group: "/g/", consolidated });
      expect(ds.attrs).toEqual({ where: "in g" });
      expect(Object.keys(ds.variables)).toEqual(["c"]);
      expect(Array.from(await ds.get("c")!.compute())).toEqual([1, 2, 3, 4]);
      expect(ds.get("c")!.encoding.fillValue).toBeUndefined(); // none: left to the writer's default
      expect(await openZarr(s, { consolidated }).then((r) => Object.keys(r.variables))).toEqual([]);
    }
    const ds = await openZarr(s, { group: "g" });
    const out = new Map<string, Uint8Array>();
    await initializeStore(ds, out, { zarrFormat: 3 });
    await writePartition(ds, out, { ranks: 1, rank: 0, dims: ["k"] });
    const arr = await zarr.open.v3(new zarr.Location(out, "/c"), { kind: "array" });
    expect(Array.from((await zarr.get(arr)).data as Int32Array)).toEqual([1, 2, 3, 4]);
    expect(JSON.parse(new TextDecoder().decode(out.get("/c/zarr.json")!)).attributes._FillValue).toBeUndefined();
  });

  it("copies to v2 through our writer with 2 ranks: the same values, attributes (NaN included), fill values and codecs", async () => {
    const ds = await openZarr(handV2(true));
    const out = new Map<string, Uint8Array>();
    await initializeStore(ds, out, { zarrFormat: 2 });
    for (const rank of [0, 1]) await writePartition(ds, out, { ranks: 2, rank, dims: ["y"] });
    const a = await zarr.open.v2(new zarr.Location(out, "/a"), { kind: "array", attrs: false });
    expect(Array.from((await zarr.get(a)).data as Float64Array)).toEqual([0, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22, NaN]);
    const b = JSON.parse(new TextDecoder().decode(out.get("/b/.zarray")!));
    expect(b).toMatchObject({ dtype: "<i2", fill_value: -1, compressor: null, chunks: [2], dimension_separator: "/" });
    expect(new TextDecoder().decode(out.get("/.zattrs")!)).toMatch(/"bad": NaN/);
  });
});

describe("openZarr: over HTTP", () => {
  it("reads a consolidated v2 store served by a local HTTP server through http:// (read-only, zarrita's FetchStore)", async () => {
    const store = handV2(true);
    const requests: string[] = [];
    const server = createServer((req, res) => {
      const key = decodeURIComponent(new URL(req.url!, "http://x").pathname).replace(/^\/data\.zarr/, "");
      requests.push(key);
      const v = store.get(key);
      if (!v) return void res.writeHead(404).end();
      res.writeHead(200, { "content-length": v.length }).end(Buffer.from(v));
    });
    await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/data.zarr`;
      const ds = await openZarr(url);
      expect(ds.attrs.bad).toBeNaN();
      expect(Array.from(await ds.get("a")!.compute())).toEqual([0, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22, NaN]);
      expect(Array.from(await ds.get("b")!.compute([{ start: 4, stop: 5 }]))).toEqual([9]);
      expect(requests).toContain("/.zmetadata");
      expect(requests).not.toContain("/a/.zarray"); // metadata came from .zmetadata only
      await expect(openZarr(`${url}-missing`)).rejects.toThrow(/data\.zarr-missing is not a zarr store/);
    } finally {
      server.close();
    }
  });
});

describe("openZarr: refusals, each naming what and where", () => {
  const dir = mkdtempSync(join(tmpdir(), "xp-src-bad-"));

  it("a path that is not a zarr store (empty directory, missing path)", async () => {
    mkdirSync(join(dir, "empty"));
    await expect(openZarr(join(dir, "empty"))).rejects.toThrow(new RegExp(`${join(dir, "empty")} is not a zarr store`));
    await expect(openZarr(join(dir, "nothing-here"))).rejects.toThrow(/nothing-here is not a zarr store/);
    await expect(openZarr(42 as never)).rejects.toThrow(SourceError);
  });

  it("an array or a missing group given as the group", async () => {
    await expect(openZarr(handV2(true), { group: "a" })).rejects.toThrow(/\/a is a zarr array, not a group/);
    await expect(openZarr(handV2(false), { group: "g" })).rejects.toThrow(/no zarr group \/g/);
  });

  it("a codec zarrita cannot decode, named with the variable", async () => {
    const s = handV2(true);
    const doc = JSON.parse(new TextDecoder().decode(s.get("/b/.zarray")!));
    s.set("/b/.zarray", json({ ...doc, compressor: { id: "bz2", level: 9 } }));
    await expect(openZarr(s, { consolidated: false })).rejects.toThrow(/array "b": codec "bz2" cannot be decoded/);
  });

  it("a codec our writer cannot encode: a warning naming the variable and the codec, the default codec instead", async () => {
    const s = handV2(true);
    const doc = JSON.parse(new TextDecoder().decode(s.get("/b/.zarray")!));
    s.set("/b/.zarray", json({ ...doc, filters: [{ id: "delta", dtype: "<i2" }], compressor: { id: "zlib", level: 1 } }));
    s.delete("/b/0"), s.delete("/b/2");
    const warnings: string[] = [];
    const ds = await openZarr(s, { consolidated: false, onWarning: (m) => warnings.push(m) });
    expect(warnings).toEqual([expect.stringMatching(/variable "b": codec "delta" cannot be written by xpartition's writer: the copy uses the default codec/)]);
    expect(ds.get("b")!.encoding.compressor).toBeUndefined();
    expect(ds.get("b")!.encoding.filters).toBeUndefined();
    expect(Array.from(await ds.get("b")!.compute())).toEqual([-1, -1, -1, -1, -1]);
  });

  it("a string variable, suggesting to drop it; dropVariables leaves it out", async () => {
    const s = handV2(false);
    s.set("/s/.zarray", json({ zarr_format: 2, shape: [2], chunks: [2], dtype: "<U5", order: "C", compressor: null, filters: null, fill_value: "" }));
    s.set("/s/.zattrs", json({ _ARRAY_DIMENSIONS: ["n2"] }));
    await expect(openZarr(s)).rejects.toThrow(/variable "s" has dtype <U5 \(strings or objects\).*dropVariables: \["s"\].*--drop s/);
    const ds = await openZarr(s, { dropVariables: ["s"] });
    expect(Object.keys(ds.variables).sort()).toEqual(["a", "b"]);
    await expect(openZarr(s, { dropVariables: ["nope"] })).rejects.toThrow(/dropVariables names "nope", which group \/ does not have \(it has a, b, s\)/);
  });

  it("an array without dimension names", async () => {
    const s = handV2(false);
    s.set("/a/.zattrs", json({ units: "m" }));
    await expect(openZarr(s)).rejects.toThrow(/array "a" has no dimension names \(the _ARRAY_DIMENSIONS attribute xarray writes\)/);
  });

  it("consolidated: true without .zmetadata", async () => {
    await expect(openZarr(handV2(false), { consolidated: true })).rejects.toThrow(/no consolidated metadata \(.zmetadata\) for group \//);
  });

  it("reads a directory store listed from the file system (no consolidated metadata)", async () => {
    const path = join(dir, "listed.zarr");
    const fs = new FileSystemStore(path);
    for (const [k, v] of handV2(false)) {
      mkdirSync(join(path, ...k.split("/").slice(1, -1)), { recursive: true });
      writeFileSync(fs.path(k), v);
    }
    const ds = await openZarr(path);
    expect(Array.from(await ds.get("b")!.compute())).toEqual([5, 6, -1, -1, 9]);
  });
});
