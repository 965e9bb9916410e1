import { describe, expect, it } from "vitest";
import { Blosc, GZip, LZ4, Zlib, Zstd } from "numcodecs";
import { CodecError, Pipeline, codec, type Codec, type CodecConfig } from "../../src/codecs/index.js";
import { kernels } from "../../src/kernels/instance.js";
import { smoothFloat32, textBytes } from "./corpus.js";

function codecError(f: () => unknown): CodecError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(CodecError);
    return e as CodecError;
  }
  throw new Error("expected a CodecError");
}

describe("codec(config)", () => {
  it("builds every codec from numcodecs JSON and describes itself back with only the keys numcodecs 0.11 accepts", () => {
    const cases: [CodecConfig, object][] = [
      [{ id: "blosc", cname: "lz4", clevel: 5, shuffle: 1, blocksize: 0 }, { id: "blosc", cname: "lz4", clevel: 5, shuffle: 1, blocksize: 0 }],
      [{ id: "blosc" }, { id: "blosc", cname: "lz4", clevel: 5, shuffle: 1, blocksize: 0 }],
      [{ id: "lz4", acceleration: 1 }, { id: "lz4", acceleration: 1 }],
      [{ id: "lz4" }, { id: "lz4", acceleration: 1 }],
      [{ id: "zstd", level: 3 }, { id: "zstd", level: 3 }],
      [{ id: "zstd", level: 0, checksum: false }, { id: "zstd", level: 0 }],
      [{ id: "gzip", level: 6 }, { id: "gzip", level: 6 }],
      [{ id: "zlib" }, { id: "zlib", level: 1 }],
      [{ id: "shuffle", elementsize: 8 }, { id: "shuffle", elementsize: 8 }],
    ];
    for (const [cfg, v2] of cases) expect(codec(cfg).toV2(), JSON.stringify(cfg)).toEqual(v2);
  });

  it("builds zarr v3 codecs and round-trips their metadata", () => {
    const cases: CodecConfig[] = [
      { name: "blosc", configuration: { cname: "lz4", clevel: 5, shuffle: "shuffle", typesize: 4, blocksize: 0 } },
      { name: "blosc", configuration: { cname: "zstd", clevel: 3, shuffle: "bitshuffle", typesize: 1, blocksize: 0 } },
      { name: "zstd", configuration: { level: 0, checksum: false } },
      { name: "gzip", configuration: { level: 5 } },
      { name: "bytes", configuration: { endian: "little" } },
      { name: "bytes" },
      { name: "numcodecs.lz4", configuration: { acceleration: 2 } },
      { name: "numcodecs.zlib", configuration: { level: 1 } },
      { name: "numcodecs.shuffle", configuration: { elementsize: 2 } },
      { name: "crc32c" },
    ];
    for (const cfg of cases) expect(codec(cfg).toV3(), JSON.stringify(cfg)).toEqual(cfg);
    expect(codec({ name: "blosc", configuration: { cname: "lz4", clevel: 5, shuffle: "noshuffle", typesize: 8, blocksize: 0 } }).toV2())
      .toEqual({ id: "blosc", cname: "lz4", clevel: 5, shuffle: 0, blocksize: 0 });
    expect(codec({ id: "blosc", cname: "lz4", clevel: 5, shuffle: 2 }).toV3()).toEqual({ name: "blosc", configuration: { cname: "lz4", clevel: 5, shuffle: "bitshuffle", blocksize: 0 } });
  });

  it("rejects unknown codecs and bad settings with errors naming codec and setting", () => {
    const bad: [unknown, string, string | undefined][] = [
      [{ id: "blosc", clevel: 12 }, "blosc", "clevel"],
      [{ id: "blosc", cname: "foo" }, "blosc", "cname"],
      [{ id: "blosc", shuffle: 3 }, "blosc", "shuffle"],
      [{ id: "blosc", clvel: 5 }, "blosc", "clvel"],
      [{ name: "blosc", configuration: { cname: "lz4", clevel: 5, shuffle: "sometimes", typesize: 4 } }, "blosc", "shuffle"],
      [{ name: "blosc", configuration: { cname: "lz4", clevel: 5, shuffle: "shuffle", typesize: 0 } }, "blosc", "typesize"],
      [{ id: "lz4", acceleration: 1.5 }, "lz4", "acceleration"],
      [{ id: "gzip", level: 10 }, "gzip", "level"],
      [{ id: "zlib", level: "9" }, "zlib", "level"],
      [{ id: "zstd", level: 23 }, "zstd", "level"],
      [{ name: "zstd", configuration: { level: 3, checksum: "yes" } }, "zstd", "checksum"],
      [{ name: "bytes", configuration: { endian: "middle" } }, "bytes", "endian"],
      [{ id: "snappy-ish" }, "snappy-ish", undefined],
      [{ id: "shuffle", elementsize: 0 }, "shuffle", "elementsize"],
      [{ name: "crc32c", configuration: { seed: 1 } }, "crc32c", "seed"],
      [{ name: "foo.bar" }, "foo.bar", undefined],
      [{ cname: "lz4" }, "?", undefined],
    ];
    for (const [cfg, name, setting] of bad) {
      const e = codecError(() => codec(cfg as CodecConfig));
      expect(e.codec, JSON.stringify(cfg)).toBe(name);
      expect(e.setting, JSON.stringify(cfg)).toBe(setting);
      if (name !== "?") expect(e.message).toContain(name);
      if (setting) expect(e.message).toContain(setting);
    }
  });

  it("gzip is deterministic (MTIME 0) and readable by numcodecs.js; zlib, zstd, lz4 decode", async () => {
    const data = textBytes(100_000);
    const a = await codec({ id: "gzip", level: 1 }).encode(data);
    await new Promise((r) => setTimeout(r, 1100));
    const b = await codec({ id: "gzip", level: 1 }).encode(data);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    expect(Array.from(a.subarray(0, 8))).toEqual([0x1f, 0x8b, 8, 0, 0, 0, 0, 0]);
    expect(Buffer.from(await new GZip().decode(a)).equals(Buffer.from(data))).toBe(true);
    const z = await codec({ id: "zlib", level: 1 }).encode(data);
    expect(Array.from(z.subarray(0, 2))).toEqual([0x78, 0x01]);
    expect(Buffer.from(await new Zlib().decode(z)).equals(Buffer.from(data))).toBe(true);
    const s = await codec({ id: "zstd", level: 0 }).encode(data);
    expect(Buffer.from(await new Zstd().decode(s)).equals(Buffer.from(data))).toBe(true);
    const l = await codec({ name: "numcodecs.lz4", configuration: { acceleration: 3 } }).encode(data);
    expect(Buffer.from(await new LZ4().decode(l)).equals(Buffer.from(data))).toBe(true);
  });

  it("blosc with zstd inside is encoded and decodes", async () => {
    const f = smoothFloat32(100_000);
    const enc = await codec({ id: "blosc", cname: "zstd", clevel: 5, shuffle: 1 }).encode(f);
    expect((enc[2]! >> 5) & 7).toBe(4);
    expect(Buffer.from(await new Blosc().decode(enc)).equals(Buffer.from(f.buffer))).toBe(true);
  });
});

describe("Pipeline", () => {
  it("chains span encoders inside WASM memory and matches stage-by-stage encoding", async () => {
    const f = smoothFloat32(65_536);
    const p = Pipeline.fromV3([{ name: "bytes", configuration: { endian: "little" } }, { name: "numcodecs.lz4" }, { name: "gzip", configuration: { level: 1 } }]);
    expect(p.spanCapable).toBe(true);
    const k = kernels();
    const mark = k.arena.mark();
    const v = k.arena.allocView(Float32Array, f.length);
    v.set(f);
    const input = { ptr: v.byteOffset, len: v.byteLength }; // keep the pointer: growth detaches `v`
    const inner = k.arena.mark();
    const out = p.encodeSpan(k, input, 4);
    const viaSpan = k.u8.slice(out.ptr, out.ptr + out.len);
    k.arena.release(inner);
    const viaChunk = await p.encodeChunk(input, 4);
    expect(k.arena.mark()).toBe(inner);
    k.arena.release(mark);
    const stepwise = await codec({ name: "gzip", configuration: { level: 1 } }).encode(await codec({ id: "lz4" }).encode(f));
    expect(Buffer.from(viaSpan).equals(Buffer.from(stepwise))).toBe(true);
    expect(Buffer.from(viaChunk).equals(Buffer.from(stepwise))).toBe(true);
  });

  it("encodes a zstd pipeline (kernel-backed since the WASM zstd encoder), keeping the element size", async () => {
    const f = new Float64Array(50_000).map((_, i) => Math.cos(i / 300));
    const p = Pipeline.fromV2(null, { id: "zstd", level: 1 });
    expect(p.spanCapable).toBe(true);
    const enc = await p.encodeChunk(f);
    expect(Buffer.from(await new Zstd().decode(enc)).equals(Buffer.from(f.buffer))).toBe(true);
    expect(p.toV2()).toEqual({ filters: null, compressor: { id: "zstd", level: 1 } });
    expect(Pipeline.fromV3([{ name: "bytes" }, { name: "zstd", configuration: { level: 0, checksum: false } }]).toV3())
      .toEqual([{ name: "bytes" }, { name: "zstd", configuration: { level: 0, checksum: false } }]);
  });

  it("runs v2 filters then compressor, and v3 bytes -> blosc -> crc32c, all in WASM", async () => {
    const f = smoothFloat32(40_000);
    const v2 = Pipeline.fromV2([{ id: "shuffle", elementsize: 4 }], { id: "lz4" });
    expect(v2.spanCapable).toBe(true);
    const enc = await v2.encodeChunk(f);
    const shuffledBack = await new LZ4().decode(enc);
    expect(shuffledBack.length).toBe(f.byteLength);
    const v3 = Pipeline.fromV3([{ name: "bytes", configuration: { endian: "little" } }, { name: "blosc", configuration: { cname: "lz4", clevel: 5, shuffle: "shuffle", typesize: 4, blocksize: 0 } }, { name: "crc32c" }]);
    expect(v3.spanCapable).toBe(true);
    const out = await v3.encodeChunk(f);
    expect(Buffer.from(await new Blosc().decode(out.subarray(0, out.length - 4))).equals(Buffer.from(f.buffer))).toBe(true);
  });

  it("falls back to async encode for a stage with no span form (a user codec), leaving the arena as it was", async () => {
    // A bytes->bytes codec with only an async encode: reverses the bytes (checkable, not a kernel).
    const reverse: Codec = {
      id: "test.reverse",
      kind: "bytes-bytes",
      async encode(d: ArrayBufferView) {
        return new Uint8Array(d.buffer, d.byteOffset, d.byteLength).slice().reverse();
      },
      toV2: () => ({ id: "test.reverse" }),
      toV3: () => ({ name: "test.reverse" }),
    };
    const f = smoothFloat32(30_000);
    const p = new Pipeline([codec({ id: "shuffle", elementsize: 4 }), reverse, codec({ id: "lz4" })]);
    expect(p.spanCapable).toBe(false);
    const k = kernels();
    const mark = k.arena.mark();
    expect(() => p.encodeSpan(k, { ptr: k.arena.input(f), len: f.byteLength }, 4)).toThrow(CodecError);
    k.arena.release(mark);
    const out = await p.encodeChunk(f);
    expect(k.arena.mark()).toBe(mark);
    const unreversed = (await new LZ4().decode(out)).slice().reverse();
    const shuffled = await codec({ id: "shuffle", elementsize: 4 }).encode(f);
    expect(Buffer.from(unreversed).equals(Buffer.from(shuffled))).toBe(true);
  });

  it("rejects codecs out of zarr order", () => {
    expect(() => Pipeline.fromV3([{ name: "gzip" }, { name: "bytes" }])).toThrow(CodecError);
  });
});
