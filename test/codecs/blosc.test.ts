import { describe, expect, it } from "vitest";
import { Blosc } from "numcodecs";
import { BloscCodec, bloscBlocksize, bloscSplit, codec, type BloscCname } from "../../src/codecs/index.js";
import { bytesOf } from "../../src/codecs/common.js";
import { DTYPE_CTORS, corpus, smoothFloat32, typed } from "./corpus.js";
import { bloscDecode, bloscDecodeLz4, bloscHeader, blosclzDecode, snappyDecode } from "./decoders.js";
import { inflateSync } from "node:zlib";

const KiB = 1024;
const MiB = 1 << 20;

const FORMAT_CODE: Record<BloscCname, number> = { blosclz: 0, lz4: 1, lz4hc: 1, snappy: 2, zlib: 3, zstd: 4 };

/**
 * Encode the corpus with `cname` — every size, dtype, clevel and shuffle below 2 MiB; Float32 with byte
 * shuffle at `bigClevels` for 2 MiB — and check each container's header (block size, format code, shuffle and
 * split flags, size bound, memcpyed cases) and its bytes through `decode`, and a sample through numcodecs.js.
 */
async function checkContainers(
  cname: BloscCname, clevels: number[], bigClevels: number[], decode: (enc: Uint8Array) => Uint8Array,
  each?: (c: { n: number; data: ArrayBufferView; clevel: number; shuffle: number; enc: Uint8Array }) => void,
): Promise<void> {
  const dec = new Blosc();
  for (const n of [0, 1, 4, 127, 128, 1000, 65536 + 7, 262145, 2 * MiB + 13]) {
    const big = n >= 2 * MiB;
    for (const { name, bytes } of corpus(n)) {
      for (const ctor of big ? [Float32Array] as const : [Uint8Array, Int16Array, Float32Array, Float64Array] as const) {
        const data = typed(bytes, ctor);
        const ts = ctor.BYTES_PER_ELEMENT;
        for (const clevel of big ? bigClevels : clevels) {
          for (const shuffle of big ? [1] as const : [0, 1, 2] as const) {
            const enc = new BloscCodec({ cname, clevel, shuffle }).encodeSync!(data);
            const h = bloscHeader(enc);
            const what = `${cname} ${name} ${n} ${ctor.name} clevel ${clevel} shuffle ${shuffle}`;
            expect(h.typesize, what).toBe(ts);
            expect(h.blocksize, what).toBe(data.byteLength === 0 ? 1 : bloscBlocksize(cname, clevel, ts, data.byteLength));
            expect(h.flags & 0xe5, what).toBe((FORMAT_CODE[cname] << 5) | [0, 1, 4][shuffle]!);
            expect((h.flags & 0x10) !== 0, what).toBe(!bloscSplit(cname, ts, h.blocksize));
            expect(enc.length, what).toBeLessThanOrEqual(data.byteLength + 16);
            if (clevel === 0 || data.byteLength < 128) expect(h.flags & 0x02, what).toBe(2);
            const plain = Buffer.from(bytesOf(data));
            expect(Buffer.from(decode(enc)).equals(plain), what).toBe(true);
            if (n >= 65536 && shuffle === 1 && (ts === 4 || ts === 8)) {
              expect(Buffer.from(await dec.decode(enc)).equals(plain), `numcodecs.js ${what}`).toBe(true);
            }
            each?.({ n, data, clevel, shuffle, enc });
          }
        }
      }
    }
  }
}

describe("c-blosc automatic block size (FORMATS.md §5.3)", () => {
  it("matches the 8 MiB <f8 table for every cname and clevel", () => {
    const table: Record<BloscCname, number[]> = {
      blosclz: [8, 128, 256, 512, 1024, 1024, 1024, 1024, 1024, 1024],
      lz4: [8, 128, 256, 512, 1024, 1024, 1024, 1024, 1024, 1024],
      lz4hc: [16, 256, 512, 1024, 1024, 1024, 1024, 1024, 1024, 1024],
      zlib: [16, 256, 512, 1024, 1024, 1024, 1024, 1024, 1024, 1024],
      zstd: [16, 32, 64, 128, 256, 256, 512, 512, 512, 1024],
      snappy: [8, 128, 256, 512, 1024, 1024, 1024, 1024, 1024, 1024],
    };
    for (const [cname, row] of Object.entries(table)) {
      row.forEach((kib, clevel) => expect(bloscBlocksize(cname as BloscCname, clevel, 8, 8 * MiB), `${cname} ${clevel}`).toBe(kib * KiB));
    }
  });

  it("matches the <f4 and u1 rows, and the small worked examples", () => {
    expect([1, 2, 3, 4, 5, 6].map((l) => bloscBlocksize("lz4", l, 4, 8 * MiB) / KiB)).toEqual([64, 128, 256, 512, 512, 1024]);
    expect([1, 2, 3, 4].map((l) => bloscBlocksize("zlib", l, 4, 8 * MiB) / KiB)).toEqual([128, 256, 512, 1024]);
    expect([1, 2, 3, 4, 5, 6].map((l) => bloscBlocksize("lz4", l, 1, 8 * MiB) / KiB)).toEqual([64, 64, 64, 128, 128, 256]);
    expect([1, 2, 3, 4].map((l) => bloscBlocksize("lz4hc", l, 1, 8 * MiB) / KiB)).toEqual([64, 64, 128, 256]);
    expect(bloscBlocksize("lz4", 5, 8, 800_000)).toBe(800_000);
    expect(bloscBlocksize("lz4", 5, 8, 2 * MiB)).toBe(MiB);
    expect(bloscBlocksize("lz4", 5, 4, 256)).toBe(256);
    expect(bloscBlocksize("lz4", 5, 2, 2000, 256)).toBe(2000); // a forced size is enlarged too
    expect(bloscBlocksize("lz4", 5, 4, 3)).toBe(1);
    expect(bloscBlocksize("lz4", 0, 8, 8 * MiB)).toBe(8 * KiB);
  });
});

describe("Blosc container kernel", () => {
  it("writes headers, bstarts and split streams that an independent decoder and numcodecs.js read back", async () => {
    const dec = new Blosc();
    const sizes = [0, 1, 3, 7, 127, 128, 129, 1000, 4096, 65535, 65536 + 7, 262143, 262145, 2 * MiB, 2 * MiB + 13];
    for (const n of sizes) {
      const big = n >= 2 * MiB;
      for (const { name, bytes } of corpus(n)) {
        for (const ctor of big ? [Uint8Array, Float32Array, Float64Array] : DTYPE_CTORS) {
          const data = typed(bytes, ctor);
          const ts = ctor.BYTES_PER_ELEMENT;
          for (const clevel of big ? [5] : [0, 1, 5, 9]) {
            for (const shuffle of [0, 1, 2] as const) {
              const c = new BloscCodec({ cname: "lz4", clevel, shuffle });
              const enc = c.encodeSync!(data);
              const h = bloscHeader(enc);
              const what = `${name} ${ctor.name} clevel ${clevel} shuffle ${shuffle}`;
              expect(h.typesize, what).toBe(ts);
              expect(h.nbytes, what).toBe(data.byteLength);
              expect(h.blocksize, what).toBe(data.byteLength === 0 ? 1 : bloscBlocksize("lz4", clevel, ts, data.byteLength));
              expect(h.flags & 0xe5, what).toBe(0x20 | [0, 1, 4][shuffle]!);
              expect((h.flags & 0x10) !== 0, what).toBe(!bloscSplit("lz4", ts, h.blocksize));
              expect(enc.length, what).toBeLessThanOrEqual(data.byteLength + 16);
              if (clevel === 0 || data.byteLength < 128) expect(h.flags & 0x02, what).toBe(2);
              const plain = Buffer.from(bytesOf(data));
              expect(Buffer.from(bloscDecodeLz4(enc)).equals(plain), what).toBe(true);
              if ((ts === 4 || ts === 8) && clevel === 5) {
                // numcodecs.js's c-blosc reads any container, but is slow: sample it.
                expect(Buffer.from(await dec.decode(enc)).equals(plain), `numcodecs.js ${what}`).toBe(true);
              }
            }
          }
        }
      }
    }
  }, 300_000);

  it("lz4hc: LZ4 streams (format code 1) from the hash-chain search, read back by an independent decoder and numcodecs.js, smaller than lz4's", async () => {
    let hcBytes = 0, lz4Bytes = 0;
    await checkContainers("lz4hc", [1, 4, 9], [4, 9], bloscDecodeLz4, (c) => {
      if (c.n >= 65536 && c.clevel === 9 && c.shuffle === 1) {
        hcBytes += c.enc.length;
        lz4Bytes += new BloscCodec({ cname: "lz4", clevel: 9, shuffle: 1 }).encodeSync!(c.data).length;
      }
    });
    // The deeper search finds more: on the same inputs the containers are smaller than lz4's.
    expect(hcBytes).toBeLessThan(lz4Bytes);
  }, 300_000);

  it("blosclz: BloscLZ streams (format code 0) read back by a decoder written from the format and numcodecs.js", async () => {
    await checkContainers("blosclz", [0, 1, 5, 9], [5], (enc) => bloscDecode(enc, 0, blosclzDecode));
    const dec = new Blosc();
    // Far matches (distance > 8192) and long runs: 20 000 bytes of groups of 4 random bytes and "ABCD" (the
    // short matches on "ABCD" keep the stream from being given up), the same again 20 000 bytes on, then a run.
    let x = 12345;
    const rep = new Uint8Array(60_000);
    for (let i = 0; i < 20_000; i++) rep[i] = i % 8 < 4 ? (x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 24 : 65 + (i % 8) - 4;
    rep.copyWithin(20_000, 0, 20_000);
    rep.fill(7, 40_000);
    const enc = new BloscCodec({ cname: "blosclz", clevel: 9, shuffle: 0 }).encodeSync!(rep);
    const stats = { far: 0, matches: 0 };
    expect(Buffer.from(bloscDecode(enc, 0, (st, k) => blosclzDecode(st, k, stats))).equals(Buffer.from(rep))).toBe(true);
    expect(stats.far).toBeGreaterThan(0);
    expect(enc.length).toBeLessThan(30_000);
    expect(Buffer.from(await dec.decode(enc)).equals(Buffer.from(rep))).toBe(true);
  }, 120_000);

  it("snappy: Snappy streams (format code 2) read back by a decoder written from the format and numcodecs.js", async () => {
    const stats = { short: 0, long: 0, literals: 0 };
    await checkContainers("snappy", [0, 1, 5, 9], [5], (enc) => bloscDecode(enc, 2, (st, k) => snappyDecode(st, k, stats)));
    // Every element form was written: literals, and copies with 1- and 2-byte offsets.
    expect(stats.literals).toBeGreaterThan(0);
    expect(stats.short).toBeGreaterThan(0);
    expect(stats.long).toBeGreaterThan(0);
    // Long literal runs (length bytes after the tag) and long matches (cut into copies of 64).
    let x = 99;
    const data = new Uint8Array(100_000); // one Blosc block
    for (let i = 0; i < 30_000; i++) data[i] = (x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 24;
    data.copyWithin(30_000, 0, 30_000); // then zeros
    const enc = new BloscCodec({ cname: "snappy", clevel: 5, shuffle: 0 }).encodeSync!(data);
    expect(bloscHeader(enc).blocksize).toBe(100_000);
    expect(Buffer.from(bloscDecode(enc, 2, snappyDecode)).equals(Buffer.from(data))).toBe(true);
    expect(Buffer.from(await new Blosc().decode(enc)).equals(Buffer.from(data))).toBe(true);
    expect(enc.length).toBeLessThan(34_000); // 30 000 literals + 3 bytes per copy of 64 (60 000 / 64)
  }, 120_000);

  it("zlib: zlib streams (format code 3) assembled around node:zlib, read back by an inflate-based decoder and numcodecs.js", async () => {
    const inflate = (stream: Uint8Array, n: number) => {
      const out = new Uint8Array(inflateSync(stream));
      if (out.length !== n) throw new Error(`zlib stream gave ${out.length} bytes, expected ${n}`);
      return out;
    };
    await checkContainers("zlib", [0, 1, 5, 9], [5], (enc) => bloscDecode(enc, 3, inflate));
    expect(codec({ name: "blosc", configuration: { cname: "zlib", clevel: 5, shuffle: "shuffle", typesize: 4, blocksize: 0 } }).toV3())
      .toEqual({ name: "blosc", configuration: { cname: "zlib", clevel: 5, shuffle: "shuffle", typesize: 4, blocksize: 0 } });
  }, 120_000);

  it("reproduces the FORMATS.md §5.6 worked example byte for byte", () => {
    const enc = codec({ id: "blosc", cname: "lz4", clevel: 5, shuffle: 1, blocksize: 0 }).encodeSync!(Int32Array.from({ length: 64 }, (_, i) => i));
    const hex = Buffer.from(enc).toString("hex");
    const lowBytes = Buffer.from(Array.from({ length: 64 }, (_, i) => i)).toString("hex");
    expect(hex).toBe("02013104" + "00010000" + "00010000" + "68000000" + "14000000" + "50000000" + "ff36" + lowBytes + "0000000000" + "0500a3" + "5000000000" + "00");
    expect(enc.length).toBe(104);
    const split = codec({ id: "blosc", cname: "lz4", clevel: 5, shuffle: 1 }).encodeSync!(Int32Array.from({ length: 1024 }, (_, i) => i));
    expect(split[2]).toBe(0x21);
    expect(bloscHeader(split).blocksize).toBe(4096);
    expect(Buffer.from(bloscDecodeLz4(split)).equals(Buffer.from(Int32Array.from({ length: 1024 }, (_, i) => i).buffer))).toBe(true);
  });

  it("takes the typesize from the dtype, or from the config (v3 typesize, > 255 stored as 1)", () => {
    const f64 = new Float64Array(10_000).map((_, i) => i * 0.5);
    expect(codec({ id: "blosc", cname: "lz4", clevel: 5, shuffle: 1 }).encodeSync!(f64)[3]).toBe(8);
    const v3 = codec({ name: "blosc", configuration: { cname: "lz4", clevel: 5, shuffle: "shuffle", typesize: 2, blocksize: 0 } });
    expect(v3.encodeSync!(f64)[3]).toBe(2);
    const wide = new BloscCodec({ cname: "lz4", clevel: 5, shuffle: 1, typesize: 300 });
    const w = wide.encodeSync!(f64);
    expect(w[3]).toBe(1);
    expect(Buffer.from(bloscDecodeLz4(w)).equals(Buffer.from(f64.buffer))).toBe(true);
    // auto shuffle: bit shuffle for 1-byte elements, byte shuffle otherwise
    expect(codec({ id: "blosc", cname: "lz4", clevel: 5, shuffle: -1 }).encodeSync!(new Uint8Array(5000))[2]! & 0x05).toBe(4);
    expect(codec({ id: "blosc", cname: "lz4", clevel: 5, shuffle: -1 }).encodeSync!(new Int16Array(5000))[2]! & 0x05).toBe(1);
  });

  it("writes the empty and memcpyed containers of FORMATS.md §5.2/§5.6", () => {
    const empty = codec({ id: "blosc", cname: "lz4", clevel: 5, shuffle: 0 }).encodeSync!(new Int32Array(0));
    expect(Array.from(empty)).toEqual([2, 1, 0x12 | 0x20, 4, 0, 0, 0, 0, 1, 0, 0, 0, 16, 0, 0, 0]);
    const small = codec({ id: "blosc", cname: "lz4", clevel: 5, shuffle: 0 }).encodeSync!(Int32Array.from({ length: 8 }, (_, i) => i));
    expect(Buffer.from(small.subarray(0, 16)).toString("hex")).toBe("02013204" + "20000000" + "20000000" + "30000000");
    expect(small.length).toBe(48);
  });

  it("falls back to memcpyed for incompressible data and stores raw streams when they do not shrink", () => {
    const rnd = corpus(MiB)[0]!.bytes;
    const enc = codec({ id: "blosc", cname: "lz4", clevel: 5, shuffle: 0 }).encodeSync!(new Float32Array(rnd.buffer));
    expect(enc[2]! & 0x02).toBe(2);
    expect(enc.length).toBe(MiB + 16);
    // Half random, half smooth: some streams raw, some compressed.
    const mix = new Float32Array(MiB / 4);
    mix.set(new Float32Array(rnd.buffer, 0, MiB / 8));
    mix.set(smoothFloat32(MiB / 8).map(() => 1.5), MiB / 8);
    const m = codec({ id: "blosc", cname: "lz4", clevel: 5, shuffle: 0 }).encodeSync!(mix);
    expect(m[2]! & 0x02).toBe(0);
    expect(Buffer.from(bloscDecodeLz4(m)).equals(Buffer.from(mix.buffer))).toBe(true);
  });
});
