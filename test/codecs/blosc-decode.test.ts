// Our Blosc decoder (assembly/blosc-decode.ts + src/codecs/blosc-decode.ts) on containers written by independent
// encoders: numcodecs.js (c-blosc 1.21 in WASM; it always writes typesize 4) and our own BloscCodec (c-blosc's
// block and split rules, checked against c-blosc in test/system/blosc.test.ts) for typesizes 1-17; a property
// test against numcodecs.js' decoder; corrupt containers give BloscDecodeError and never write outside the
// output buffer; other inner codecs go to the fallback.
import { describe, expect, it } from "vitest";
import { Blosc } from "numcodecs";
import { BloscCodec, type BloscCname } from "../../src/codecs/index.js";
import { bloscDecode, bloscDecodeSpan, bloscHeader, bloscKernelDecodes, BloscDecodeError, zarritaBloscCodec } from "../../src/codecs/blosc-decode.js";
import { kernels } from "../../src/kernels/instance.js";
import { corpus, randomBytes, smoothFloat32 } from "./corpus.js";
import { rng } from "../helpers/rng.js";

const bytesOf = (v: ArrayBufferView) => new Uint8Array(v.buffer, v.byteOffset, v.byteLength);

/** Byte equality (vitest's toEqual walks typed arrays element by element: far too slow for MiBs). */
function same(a: Uint8Array | Error | undefined, b: Uint8Array): boolean {
  return a instanceof Uint8Array && Buffer.compare(a, b) === 0;
}

function viewAs(bytes: Uint8Array, ts: number): ArrayBufferView {
  const n = Math.floor(bytes.length / ts);
  const copy = bytes.slice(0, n * ts);
  const ctor = ts === 1 ? Uint8Array : ts === 2 ? Uint16Array : ts === 4 ? Float32Array : Float64Array;
  return new ctor(copy.buffer, 0, n);
}

/** Decode into a WASM buffer with guard bytes on both sides; checks the guards, returns the bytes or the error. */
function decodeGuarded(enc: Uint8Array, cap: number): Uint8Array | Error | undefined {
  const k = kernels();
  const mark = k.arena.mark();
  try {
    const src = k.arena.input(enc);
    const G = 256;
    const region = k.arena.alloc(cap + 2 * G);
    k.u8.fill(0xee, region, region + cap + 2 * G);
    let res: Uint8Array | Error | undefined;
    try {
      const blocksize = enc.length >= 16 ? bloscHeader(enc).blocksize : 0;
      const n = bloscDecodeSpan(k, { ptr: src, len: enc.length }, region + G, cap, blocksize);
      res = n < 0 ? undefined : k.u8.slice(region + G, region + G + n);
    } catch (e) {
      res = e as Error;
    }
    const u8 = k.u8;
    for (let i = 0; i < G; i++) {
      if (u8[region + i] !== 0xee || u8[region + G + cap + i] !== 0xee) throw new Error(`guard byte ${i} overwritten`);
    }
    return res;
  } finally {
    k.arena.release(mark);
  }
}

describe("Blosc decoder (WASM)", () => {
  it("decodes numcodecs.js (c-blosc) containers: lz4 and lz4hc, every shuffle, clevels 0-9, odd sizes, forced block sizes", async () => {
    let n = 0;
    for (const size of [0, 1, 7, 127, 128, 129, 1000, 4099, 65536 + 13, 262_147, (1 << 20) + 5]) {
      for (const { name, bytes } of corpus(size)) {
        for (const cname of size > 100_000 ? ["lz4"] as const : ["lz4", "lz4hc"] as const) {
          for (const shuffle of [0, 1, 2]) {
            for (const clevel of size > 100_000 ? [1, 5, 9] : cname === "lz4hc" ? [1, 5, 9] : [0, 1, 5, 9]) {
              for (const blocksize of size > 4000 && clevel === 5 ? [0, 256, 4096, 65536 + 8] : [0]) {
                const enc = await new Blosc(clevel, cname, shuffle, blocksize).encode(bytes);
                const what = `${cname} ${name} shuffle ${shuffle} clevel ${clevel} blocksize ${blocksize}`;
                if (size === 0) continue; // numcodecs.js cannot decode an empty container; checked below
                expect(bloscKernelDecodes(enc), what).toBe(true);
                const out = decodeGuarded(enc, size);
                expect(same(out, bytes), what).toBe(true);
                n++;
              }
            }
          }
        }
      }
    }
    expect(n).toBeGreaterThan(500);
  });

  it("decodes our encoder's containers for typesizes 1, 2, 4, 8 (from the dtype) and 3, 16, 17 (configured)", () => {
    for (const size of [1, 100, 1000, 65536 + 13, 300_000]) {
      for (const { name, bytes } of corpus(size)) {
        for (const ts of [1, 2, 4, 8, 3, 16, 17]) {
          for (const shuffle of [0, 1, 2] as const) {
            for (const cname of ["lz4", "lz4hc"] as const) {
              for (const clevel of size > 100_000 || cname === "lz4hc" ? [5] : [0, 1, 5, 9]) {
                const data = [1, 2, 4, 8].includes(ts) ? viewAs(bytes, ts) : bytes;
                const enc = new BloscCodec({ cname, clevel, shuffle, typesize: [1, 2, 4, 8].includes(ts) ? undefined : ts }).encodeSync!(data);
                expect(same(bloscDecode(enc), bytesOf(data)), `${cname} ${name} ts ${ts} shuffle ${shuffle} clevel ${clevel}`).toBe(true);
              }
            }
          }
        }
      }
    }
  });

  it("agrees with numcodecs.js' decoder on random containers (property test)", async () => {
    const r = rng(20261205);
    const dec = new Blosc();
    for (let i = 0; i < 300; i++) {
      const size = Math.floor(r() ** 3 * 600_000);
      const kind = Math.floor(r() * 4);
      const bytes = kind === 0 ? randomBytes(size, i + 1)
        : kind === 1 ? bytesOf(smoothFloat32(Math.ceil(size / 4))).slice(0, size)
        : kind === 2 ? randomBytes(size, i + 1).map((b) => b & 3)
        : new Uint8Array(size).map((_, j) => (j * (1 + (i % 13))) & 0xff);
      const cname = r() < 0.9 || size > 50_000 ? "lz4" : "lz4hc";
      const clevel = Math.floor(r() * 10);
      const shuffle = Math.floor(r() * 3);
      const blocksize = r() < 0.5 ? 0 : 128 + Math.floor(r() * 200_000);
      const enc = await new Blosc(clevel, cname, shuffle, blocksize).encode(bytes);
      if (size === 0) continue;
      const theirs = await dec.decode(enc);
      expect(same(bloscDecode(enc), theirs), `case ${i}: ${cname} ${size} bytes shuffle ${shuffle} clevel ${clevel} blocksize ${blocksize}`).toBe(true);
    }
  });

  it("decodes empty containers, into a caller's buffer, and into WASM memory without a copy", async () => {
    expect(bloscDecode(new BloscCodec().encodeSync!(new Uint8Array(0)))).toEqual(new Uint8Array(0));
    const data = smoothFloat32(70_000);
    const enc = new BloscCodec({ cname: "lz4", clevel: 5, shuffle: 1 }).encodeSync!(data);
    const out = new Uint8Array(data.byteLength + 8);
    expect(bloscDecode(enc, out)).toEqual(bytesOf(data));
    expect(out.subarray(0, data.byteLength)).toEqual(bytesOf(data));
    expect(() => bloscDecode(enc, new Uint8Array(10))).toThrow(/smaller than the decoded size/);
    const k = kernels();
    const mark = k.arena.mark();
    try {
      const ptr = k.arena.alloc(data.byteLength);
      const res = bloscDecode(enc, new Uint8Array(k.memory.buffer, ptr, data.byteLength))!;
      expect(res.buffer).toBe(k.memory.buffer);
      expect(res.byteOffset).toBe(ptr);
      expect(new Float32Array(res.buffer, res.byteOffset, data.length)).toEqual(data);
    } finally {
      k.arena.release(mark);
    }
  });

  it("leaves other inner codecs to the fallback, which zarritaBloscCodec loads only when needed", async () => {
    const data = bytesOf(smoothFloat32(10_000));
    let loads = 0;
    const Z = zarritaBloscCodec(async () => {
      loads++;
      return Blosc as never;
    });
    for (const cname of ["zstd", "zlib", "blosclz"] as BloscCname[]) {
      const enc = await new Blosc(5, cname, 1).encode(data);
      expect(bloscKernelDecodes(enc), cname).toBe(false);
      expect(bloscDecode(enc), cname).toBeUndefined();
    }
    const c = Z.fromConfig({ cname: "lz4", clevel: 5, shuffle: 1, blocksize: 0 });
    expect(await c.decode(await new Blosc(5, "lz4", 1).encode(data))).toEqual(data);
    expect(loads).toBe(0);
    expect(await c.decode(await new Blosc(5, "zstd", 1).encode(data))).toEqual(data);
    expect(loads).toBe(1);
    expect(await dec(await c.encode(data))).toEqual(data);
    async function dec(b: Uint8Array) {
      return new Blosc().decode(b);
    }
  });

  it("rejects corrupt containers with BloscDecodeError and never writes outside the output", async () => {
    const data = bytesOf(smoothFloat32(50_000));
    const r = rng(7);
    const sources = [
      await new Blosc(5, "lz4", 1).encode(data),
      await new Blosc(9, "lz4hc", 2, 4096).encode(data),
      new BloscCodec({ cname: "lz4", clevel: 5, shuffle: 0 }).encodeSync!(randomBytes(3000).map((b) => b & 7)),
    ];
    let errors = 0;
    for (const enc of sources) {
      const h = bloscHeader(enc);
      // Truncated: every container shorter than cbytes is refused.
      for (const cut of [0, 5, 15, 16, 20, enc.length >> 1, enc.length - 1]) {
        const res = decodeGuarded(enc.subarray(0, cut), h.nbytes);
        expect(res, `cut at ${cut}`).toBeInstanceOf(BloscDecodeError);
        errors++;
      }
      // Random byte flips in the body: an error, or some output, but the guards always hold.
      for (let i = 0; i < 400; i++) {
        const bad = enc.slice();
        const flips = 1 + Math.floor(r() * 4);
        for (let f = 0; f < flips; f++) bad[16 + Math.floor(r() * (bad.length - 16))] = Math.floor(r() * 256);
        const res = decodeGuarded(bad, h.nbytes);
        if (res instanceof Error) {
          expect(res).toBeInstanceOf(BloscDecodeError);
          errors++;
        }
      }
      // Header lies: nbytes larger than the output, absurd block size, block starts past the end.
      const big = enc.slice();
      new DataView(big.buffer).setUint32(4, h.nbytes + 1000, true);
      expect(decodeGuarded(big, h.nbytes)).toBeInstanceOf(BloscDecodeError);
      const bs = enc.slice();
      new DataView(bs.buffer).setUint32(8, 0, true);
      expect(decodeGuarded(bs, h.nbytes)).toBeUndefined();
      const start = enc.slice();
      new DataView(start.buffer).setUint32(16, enc.length + 5, true);
      expect(decodeGuarded(start, h.nbytes)).toBeInstanceOf(BloscDecodeError);
    }
    expect(errors).toBeGreaterThan(100);
    expect(() => bloscDecode(new Uint8Array([2, 1, 0x21, 4]))).toThrow(/shorter than the 16-byte header/);
  });
});
