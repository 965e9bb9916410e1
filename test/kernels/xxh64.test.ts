import { describe, expect, it } from "vitest";
import { createRequire } from "node:module";
import { xxh64Hex as xxh64 } from "../../src/kernels/xxh64.js";

const require = createRequire(import.meta.url);

describe("XXH64 hex digests", () => {
  it("matches the published XXH64 values (seed 0)", () => {
    expect(xxh64(new Uint8Array(0))).toBe("ef46db3751d8e999");
    expect(xxh64(new TextEncoder().encode("abc"))).toBe("44bc2cf5ad770999");
  });

  it("its low 32 bits equal native libzstd's content checksum (zstd-napi) on every length 0..300 and big inputs", () => {
    const zstd = require("zstd-napi") as { Compressor: new () => { setParameters(p: Record<string, unknown>): void; compress(b: Uint8Array): Buffer } };
    const c = new zstd.Compressor();
    c.setParameters({ checksumFlag: true, compressionLevel: 1 });
    let seed = 12345;
    const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 24);
    const lengths = [...Array.from({ length: 301 }, (_, i) => i), 4095, 65_537, 1 << 20];
    for (const n of lengths) {
      const data = Uint8Array.from({ length: n }, rnd);
      const frame = c.compress(data);
      const checksum = frame.readUInt32LE(frame.length - 4);
      expect(xxh64(data).slice(8)).toBe(checksum.toString(16).padStart(8, "0"));
    }
  });
});
