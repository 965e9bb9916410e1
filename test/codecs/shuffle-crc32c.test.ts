import { describe, expect, it } from "vitest";
import { ShuffleCodec, shuffleCodec } from "../../src/codecs/shuffle.js";
import { Crc32cCodec, crc32cCodec } from "../../src/codecs/crc32c.js";
import { CodecError } from "../../src/codecs/types.js";
import { kernels } from "../../src/kernels/instance.js";
import { byteUnshuffle } from "../../src/kernels/shuffle.js";

describe("shuffle codec", () => {
  it("reads v2 and v3 configs, describes itself back, defaults to numcodecs' elementsize 4", () => {
    const c = shuffleCodec({ id: "shuffle", elementsize: 8 });
    expect(c.toV2()).toEqual({ id: "shuffle", elementsize: 8 });
    expect(c.toV3()).toEqual({ name: "numcodecs.shuffle", configuration: { elementsize: 8 } });
    expect(shuffleCodec({ name: "numcodecs.shuffle", configuration: { elementsize: 2 } }).elementsize).toBe(2);
    expect(shuffleCodec({ id: "shuffle" }).elementsize).toBe(4);
    expect(c.kind).toBe("bytes-bytes");
  });

  it("rejects bad settings naming codec and setting, before writing anything", () => {
    for (const e of [0, 256, 2.5, "4", -1]) {
      let err: unknown;
      try {
        shuffleCodec({ id: "shuffle", elementsize: e });
      } catch (x) {
        err = x;
      }
      expect(err).toBeInstanceOf(CodecError);
      expect((err as CodecError).codec).toBe("shuffle");
      expect((err as CodecError).setting).toBe("elementsize");
      expect((err as Error).message).toMatch(/shuffle: elementsize/);
    }
    expect(() => shuffleCodec({ id: "shuffle", elementsize: 4, typesize: 4 })).toThrow(/typesize/);
    expect(() => new ShuffleCodec(8).encodeSync(new Uint8Array(12))).toThrow(/whole number of elements/);
  });

  it("encodes sync, async and as a span, and round-trips", async () => {
    const a = new Float64Array(1001).map((_, i) => Math.sin(i) * 1e3);
    const c = new ShuffleCodec(8);
    const s = c.encodeSync(a);
    expect(s.length).toBe(a.byteLength);
    expect(await c.encode(a)).toEqual(s);
    expect(new Float64Array(byteUnshuffle(s, 8).buffer)).toEqual(a);
    const k = kernels();
    const mark = k.arena.mark();
    const v = k.arena.allocView(Float64Array, a.length);
    v.set(a);
    const span = c.encodeSpan(k, { ptr: v.byteOffset, len: v.byteLength });
    expect(k.u8.slice(span.ptr, span.ptr + span.len)).toEqual(s);
    k.arena.release(mark);
  });
});

describe("crc32c codec", () => {
  it("appends the CRC-32C as u32le; v3 only", async () => {
    const c = crc32cCodec({ name: "crc32c" });
    const data = new TextEncoder().encode("123456789");
    const out = c.encodeSync(data);
    expect(Array.from(out.subarray(0, 9))).toEqual(Array.from(data));
    expect(Array.from(out.subarray(9))).toEqual([0x83, 0x92, 0x06, 0xe3]);
    expect(await c.encode(data)).toEqual(out);
    expect(c.toV3()).toEqual({ name: "crc32c" });
    expect(c.toV2()).toBeNull();
    expect(new Crc32cCodec().encodeSync(new Uint8Array(0))).toEqual(new Uint8Array(4));
    expect(() => crc32cCodec({ name: "crc32c", configuration: { seed: 1 } })).toThrow(CodecError);
  });

  it("encodes a span in WASM memory", () => {
    const k = kernels();
    const mark = k.arena.mark();
    const v = k.arena.allocView(Uint8Array, 32).fill(0); // arena memory is reused, not zeroed
    const span = new Crc32cCodec().encodeSpan(k, { ptr: v.byteOffset, len: 32 });
    expect(span.len).toBe(36);
    expect(new DataView(k.memory.buffer).getUint32(span.ptr + 32, true)).toBe(0x8a9136aa);
    k.arena.release(mark);
  });
});
