import { describe, expect, it } from "vitest";
import { LZ4 } from "numcodecs";
import { codec, lz4CompressBlock } from "../../src/codecs/index.js";
import { kernels } from "../../src/kernels/instance.js";
import { corpus } from "./corpus.js";
import { lz4DecodeBlock } from "./decoders.js";

const SIZES = [0, 1, 4, 12, 13, 14, 15, 16, 17, 31, 255, 256, 270, 1000, 4097, 65535, 65536, 65537, 200_001];

describe("LZ4 block kernel", () => {
  it("round-trips the corpus through an independent decoder, obeying the end-of-block rules", () => {
    for (const n of SIZES) {
      for (const { name, bytes } of corpus(n)) {
        for (const accel of [1, 5, 9, 100]) {
          const block = lz4CompressBlock(bytes, accel);
          expect(block.length, name).toBeLessThanOrEqual(n + Math.floor(n / 255) + 16);
          expect(Buffer.from(lz4DecodeBlock(block, n)).equals(Buffer.from(bytes)), `${name} accel ${accel}`).toBe(true);
        }
      }
    }
  });

  it("writes the FORMATS.md §6.3 example and the empty block", async () => {
    const abc = new TextEncoder().encode("abc".repeat(8));
    expect(Buffer.from(await codec({ id: "lz4" }).encode(abc)).toString("hex")).toBe("180000003c6162630300506263616263");
    expect(Buffer.from(await codec({ id: "lz4" }).encode(new Uint8Array(0))).toString("hex")).toBe("0000000000");
  });

  it("compresses compressible data and is reused across calls without stale matches", () => {
    const z = new Uint8Array(1 << 20);
    expect(lz4CompressBlock(z).length).toBeLessThan(5000);
    // Alternate inputs so that stale hash entries from the previous call would give wrong offsets.
    for (let i = 0; i < 20; i++) {
      const { bytes } = corpus(70_000 + i * 13)[i % 5]!;
      expect(Buffer.from(lz4DecodeBlock(lz4CompressBlock(bytes), bytes.length)).equals(Buffer.from(bytes))).toBe(true);
    }
  });

  it("numcodecs.js LZ4 decodes the framed output, for typed arrays inside and outside WASM memory", async () => {
    const dec = new LZ4();
    for (const n of [0, 1, 100, 65536, 2 << 20]) {
      for (const { name, bytes } of corpus(n)) {
        const enc = await codec({ id: "lz4", acceleration: 1 }).encode(bytes);
        expect(Buffer.from(await dec.decode(enc)).equals(Buffer.from(bytes)), name).toBe(true);
      }
    }
    const k = kernels();
    const mark = k.arena.mark();
    const v = k.arena.allocView(Float32Array, 10_000);
    v.set(new Float32Array(10_000).map((_, i) => Math.sin(i / 50)));
    const expected = new Uint8Array(v.buffer, v.byteOffset, v.byteLength).slice();
    const enc = codec({ id: "lz4" }).encodeSync!(v);
    k.arena.release(mark);
    expect(Buffer.from(await dec.decode(enc)).equals(Buffer.from(expected))).toBe(true);
  });
});
