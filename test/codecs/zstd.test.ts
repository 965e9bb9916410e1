// The zstd codec (v2/v3 configs, checksum, sync and span paths) and Blosc with zstd inside, both backed by the
// WASM encoder; frames and containers are read back by fzstd, numcodecs.js Zstd and numcodecs.js Blosc.
import { describe, expect, it } from "vitest";
import { decompress } from "fzstd";
import { Blosc, Zstd } from "numcodecs";
import { BloscCodec, codec } from "../../src/codecs/index.js";
import { ZstdCodec } from "../../src/codecs/zstd.js";
import { kernels } from "../../src/kernels/instance.js";
import { bloscHeader } from "./decoders.js";
import { makeInput } from "../kernels/zstd-corpus.js";

const buf = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

describe("zstd codec", () => {
  it("v2 JSON has no checksum key; v3 keeps level and checksum; both encode with the kernel", async () => {
    const v2 = codec({ id: "zstd", level: 1 });
    expect(v2.toV2()).toEqual({ id: "zstd", level: 1 });
    const v3 = codec({ name: "zstd", configuration: { level: 3, checksum: true } });
    expect(v3.toV3()).toEqual({ name: "zstd", configuration: { level: 3, checksum: true } });
    const data = new Float32Array(makeInput("f32smooth", 300_000).buffer);
    for (const c of [v2, v3, codec({ id: "zstd", level: 0 }), codec({ id: "zstd", level: -3 }), codec({ id: "zstd", level: 22 })]) {
      expect(c.encodeSync).toBeDefined();
      const enc = await c.encode(data);
      expect(enc.length).toBeLessThan(data.byteLength);
      expect(buf(decompress(enc)).equals(buf(data))).toBe(true);
      expect(buf(await new Zstd().decode(enc)).equals(buf(data))).toBe(true);
    }
    // checksum flag set only for checksum: true
    expect((await v3.encode(data))[4]! & 0x04).toBe(4);
    expect((await v2.encode(data))[4]! & 0x04).toBe(0);
  });

  it("encodeSpan works in WASM memory and leaves the arena to the caller", () => {
    const k = kernels();
    const mark = k.arena.mark();
    const data = makeInput("text", 50_000);
    const ptr = k.arena.alloc(data.length);
    k.u8.set(data, ptr);
    const out = new ZstdCodec(1).encodeSpan(k, { ptr, len: data.length });
    const frame = k.u8.slice(out.ptr, out.ptr + out.len);
    k.arena.release(mark);
    expect(buf(decompress(frame)).equals(buf(data))).toBe(true);
  });
});

describe("Blosc with zstd inside (kernel)", () => {
  it("writes zstd streams (format code 4, never split) that numcodecs.js Blosc decodes, for every clevel and shuffle", async () => {
    const dec = new Blosc();
    const f32 = new Float32Array(makeInput("f32smooth", 1 << 20).buffer);
    const f64 = new Float64Array(makeInput("f64noisy", 600_008).buffer);
    const rnd = makeInput("random", 70_000);
    const small = new Int16Array(makeInput("runs", 1000).buffer.slice(0, 1000));
    for (const data of [f32, f64, rnd, small] as ArrayBufferView[]) {
      for (const clevel of [1, 3, 5, 9]) {
        for (const shuffle of [0, 1, 2] as const) {
          const c = new BloscCodec({ cname: "zstd", clevel, shuffle });
          expect(c.encodeSync, "kernel-backed").toBeDefined();
          const enc = c.encodeSync!(data);
          const h = bloscHeader(enc);
          const what = `${data.constructor.name} ${data.byteLength} clevel ${clevel} shuffle ${shuffle}`;
          if ((h.flags & 2) === 0) {
            expect((h.flags >> 5) & 7, what).toBe(4);
            expect(h.flags & 0x10, what).toBe(0x10);
          }
          expect(buf(await dec.decode(enc)).equals(buf(data)), what).toBe(true);
        }
      }
    }
    // Blosc zstd + shuffle on smooth floats compresses well.
    const enc = new BloscCodec({ cname: "zstd", clevel: 1, shuffle: 1 }).encodeSync!(f32);
    expect(enc.length).toBeLessThan(f32.byteLength * 0.8);
  }, 120_000);
});
