// openZarr's Blosc path: chunks whose only codec is Blosc are decoded by our kernel straight into the block
// (src/sources/zarr-read.ts), those of other inner codecs through zarrita + numcodecs.js. Stores are written by
// hand from the spec with chunks encoded by numcodecs.js (c-blosc in WASM, an independent encoder) and, for v3,
// by zarrita. Any region, with and without an out buffer (in WASM memory or not), equals a naive subset; a
// corrupt chunk is an error naming the variable and the chunk key.
import { describe, expect, it } from "vitest";
import { Blosc } from "numcodecs";
import * as zarr from "zarrita";
import { openZarr } from "../../src/sources/zarr.js";
import { kernels } from "../../src/kernels/instance.js";
import { rng } from "../helpers/rng.js";
import { subset } from "../helpers/subset.js";

class ListMap extends Map<string, Uint8Array> {
  list(prefix = "/"): string[] {
    return [...this.keys()].filter((k) => k.startsWith(prefix)).sort();
  }
}

const json = (x: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(x));
const SHAPE = [5, 7, 33];
const CHUNKS = [2, 3, 16];
const N = SHAPE.reduce((p, s) => p * s, 1);
const values = Float32Array.from({ length: N }, (_, i) => Math.sin(i / 7) * 50 + 250);


/** The full-size (edge chunks padded, as zarr stores them) C-order chunk at `c`. */
function chunkOf(c: number[]): Float32Array {
  const out = new Float32Array(CHUNKS.reduce((p, s) => p * s, 1)).fill(-999);
  let k = 0;
  for (let i = 0; i < CHUNKS[0]!; i++) for (let j = 0; j < CHUNKS[1]!; j++) for (let l = 0; l < CHUNKS[2]!; l++, k++) {
    const [a, b, e] = [c[0]! * CHUNKS[0]! + i, c[1]! * CHUNKS[1]! + j, c[2]! * CHUNKS[2]! + l];
    if (a < SHAPE[0]! && b < SHAPE[1]! && e < SHAPE[2]!) out[k] = values[(a * SHAPE[1]! + b) * SHAPE[2]! + e]!;
  }
  return out;
}

/**
 * A consolidated-less v2 store: temp (<f4, Blosc lz4 shuffle; chunk 1.1.1 missing = fill 0; chunk 0.2.0 written
 * with zstd inside Blosc and chunk 2.0.2 with bitshuffle + lz4hc, as another writer might have).
 */
async function v2Store(): Promise<{ store: ListMap; want: number[] }> {
  const s = new ListMap();
  s.set("/.zgroup", json({ zarr_format: 2 }));
  s.set("/temp/.zarray", json({ zarr_format: 2, shape: SHAPE, chunks: CHUNKS, dtype: "<f4", order: "C", fill_value: 0, filters: null, compressor: { id: "blosc", cname: "lz4", clevel: 5, shuffle: 1, blocksize: 0 } }));
  s.set("/temp/.zattrs", json({ _ARRAY_DIMENSIONS: ["time", "y", "x"] }));
  const want = Array.from(values);
  const grid = SHAPE.map((n, d) => Math.ceil(n / CHUNKS[d]!));
  for (let a = 0; a < grid[0]!; a++) for (let b = 0; b < grid[1]!; b++) for (let c = 0; c < grid[2]!; c++) {
    const key = `${a}.${b}.${c}`;
    if (key === "1.1.1") {
      for (let i = a * 2; i < Math.min(a * 2 + 2, SHAPE[0]!); i++) for (let j = 3; j < 6; j++) for (let l = 16; l < 32; l++) want[(i * SHAPE[1]! + j) * SHAPE[2]! + l] = 0;
      continue;
    }
    const codec = key === "0.2.0" ? new Blosc(5, "zstd", 1) : key === "2.0.2" ? new Blosc(9, "lz4hc", 2) : new Blosc(5, "lz4", 1);
    s.set(`/temp/${key}`, await codec.encode(new Uint8Array(chunkOf([a, b, c]).buffer)));
  }
  return { store: s, want };
}

describe("openZarr: Blosc chunks decoded by our kernel", () => {
  it("reads any region of a v2 store (lz4, lz4hc + bitshuffle, a zstd chunk, a missing chunk) with and without out", async () => {
    const { store, want } = await v2Store();
    const reads: string[] = [];
    const ds = await openZarr(store, { onChunkRead: (_v, c) => reads.push(c.join(".")) });
    const temp = ds.get("temp")!;
    expect(Array.from(await temp.compute())).toEqual(want);
    const r = rng(11);
    const k = kernels();
    for (let trial = 0; trial < 80; trial++) {
      const region = SHAPE.map((n) => {
        const a = Math.floor(r() * n), b = Math.floor(r() * n);
        return { start: Math.min(a, b), stop: Math.max(a, b) + 1 };
      });
      const exp = subset(want, SHAPE, region);
      reads.length = 0;
      const mode = trial % 3;
      if (mode === 2) {
        // An out in WASM memory: chunks that are one run of it are decoded in place.
        const mark = k.arena.mark();
        try {
          const ptr = k.arena.alloc(exp.length * 4);
          const got = await temp.compute(region, k.arena.view(Float32Array, ptr, exp.length));
          expect(got.byteOffset).toBe(ptr);
          expect(Array.from(got), JSON.stringify(region)).toEqual(exp);
        } finally {
          k.arena.release(mark);
        }
      } else {
        const got = mode ? await temp.compute(region) : await temp.compute(region, new Float32Array(exp.length));
        expect(Array.from(got), JSON.stringify(region)).toEqual(exp);
      }
      const overlapping = region.reduce((p, q, d) => p * (Math.ceil(q.stop / CHUNKS[d]!) - Math.floor(q.start / CHUNKS[d]!)), 1);
      expect(reads.length).toBe(overlapping);
    }
  });

  it("reads v3 bytes + blosc written by zarrita, whole chunks straight into the block", async () => {
    const store = new ListMap();
    const root = await zarr.create(store);
    const arr = await zarr.create(root.resolve("temp"), {
      shape: [4, 8, 32], chunkShape: [1, 8, 32], dtype: "float32", fillValue: NaN, dimensionNames: ["time", "y", "x"],
      codecs: [{ name: "bytes", configuration: { endian: "little" } }, { name: "blosc", configuration: { cname: "lz4", clevel: 5, shuffle: "shuffle", typesize: 4, blocksize: 0 } }],
    });
    const data = Float32Array.from({ length: 4 * 8 * 32 }, (_, i) => i * 0.5);
    await zarr.set(arr, null, { data, shape: [4, 8, 32], stride: [256, 32, 1] });
    const ds = await openZarr(store);
    const k = kernels();
    const mark = k.arena.mark();
    try {
      const ptr = k.arena.alloc(data.byteLength);
      const got = await ds.get("temp")!.compute([{ start: 0, stop: 4 }, { start: 0, stop: 8 }, { start: 0, stop: 32 }], k.arena.view(Float32Array, ptr, data.length));
      expect(Array.from(got)).toEqual(Array.from(data));
    } finally {
      k.arena.release(mark);
    }
    expect(Array.from(await ds.get("temp")!.compute([{ start: 1, stop: 3 }, { start: 2, stop: 5 }, { start: 30, stop: 32 }])))
      .toEqual(subset(data, [4, 8, 32], [{ start: 1, stop: 3 }, { start: 2, stop: 5 }, { start: 30, stop: 32 }]));
  });

  it("a corrupt chunk is an error naming the store, the variable and the chunk key", async () => {
    const { store } = await v2Store();
    const bad = store.get("/temp/1.0.1")!.slice();
    bad.fill(0xff, 16, 24); // the block start and the first stream size
    store.set("/temp/1.0.1", bad);
    const ds = await openZarr(store);
    const err = await ds.get("temp")!.compute().then(() => undefined, (e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err!.message).toMatch(/variable "temp", chunk "temp\/1\.0\.1"/);
    expect(err!.message).toMatch(/blosc/i);
    const cut = store.get("/temp/0.0.0")!.slice(0, 30);
    store.set("/temp/1.0.1", cut);
    const err2 = await ds.get("temp")!.compute().then(() => undefined, (e: Error) => e);
    expect(err2!.message).toMatch(/chunk "temp\/1\.0\.1".*(header|truncated)/);
  });
});
