// The zstd encoder: worked bytes of FORMATS.md §7.12, XXH64 check values, and round trips of the corpus and of
// a seeded randomized property test through two independent JS decoders (fzstd and numcodecs.js Zstd).
// The zstd CLI and python3-zstandard check the same corpus in test/system/zstd.test.ts.
import { describe, expect, it } from "vitest";
import { decompress } from "fzstd";
import Zstd from "numcodecs/zstd";
import { zstdCompress, xxh64 } from "../../src/kernels/zstd.js";
import { corpus, rng } from "./zstd-corpus.js";

const hex = (a: Uint8Array) => Buffer.from(a).toString("hex").replace(/(..)(?!$)/g, "$1 ");
const enc = (s: string) => new TextEncoder().encode(s);

function sameBytes(a: Uint8Array, b: Uint8Array, what: string): void {
  if (a.length !== b.length) throw new Error(`${what}: length ${a.length}, expected ${b.length}`);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) throw new Error(`${what}: byte ${i} is ${a[i]}, expected ${b[i]}`);
}

describe("zstd frames: worked bytes", () => {
  it("empty, 'hello' and 1000 zeros are the frames libzstd writes", () => {
    expect(hex(zstdCompress(new Uint8Array(0), 1))).toBe("28 b5 2f fd 20 00 01 00 00");
    expect(hex(zstdCompress(enc("hello"), 3))).toBe("28 b5 2f fd 20 05 29 00 00 68 65 6c 6c 6f");
    expect(hex(zstdCompress(new Uint8Array(1000), 1))).toBe("28 b5 2f fd 60 e8 02 43 1f 00 00");
  });

  it("'hello hello hello hello' is byte-identical to libzstd's frame (raw literals, one predefined sequence)", () => {
    expect(hex(zstdCompress(enc("hello hello hello hello"), 1))).toBe("28 b5 2f fd 20 17 65 00 00 30 68 65 6c 6c 6f 20 01 00 99 4b 11");
  });

  it("XXH64 check values and the content checksum trailer", () => {
    expect(xxh64(new Uint8Array(0))).toBe(0xef46db3751d8e999n);
    expect(xxh64(enc("a"))).toBe(0xd24ec4f1a98c6e5bn);
    expect(xxh64(enc("hello hello hello hello"))).toBe(0xb084e7400dae5e17n);
    expect(hex(zstdCompress(new Uint8Array(0), 1, true))).toBe("28 b5 2f fd 24 00 01 00 00 99 e9 d8 51");
    const f = zstdCompress(enc("hello hello hello hello"), 1, true);
    expect(hex(f.subarray(f.length - 4))).toBe("17 5e ae 0d");
  });

  it("rejects bad levels with a message naming the value", () => {
    expect(() => zstdCompress(enc("x"), 1.5)).toThrow(/level .* got 1.5/);
    expect(() => zstdCompress(enc("x"), 23)).toThrow(/got 23/);
  });
});

describe("zstd frames decode with fzstd and numcodecs.js", () => {
  const cases = corpus();
  const numcodecs = Zstd.fromConfig({ id: "zstd", level: 1 });
  it(`round-trips ${cases.length} corpus frames`, async () => {
    for (const c of cases) {
      const frame = zstdCompress(c.data, c.level, c.checksum);
      expect(frame.length, c.name).toBeLessThanOrEqual(c.data.length + (c.data.length >> 8) + 64);
      sameBytes(decompress(frame), c.data, `fzstd ${c.name}`);
      // numcodecs rejects a zero content size (FORMATS.md §7.2); every other frame must decode.
      if (c.data.length > 0) sameBytes(await numcodecs.decode(frame), c.data, `numcodecs ${c.name}`);
      if (c.checksum) {
        const want = Number(xxh64(c.data) & 0xffffffffn);
        expect(new DataView(frame.buffer, frame.byteOffset).getUint32(frame.length - 4, true), c.name).toBe(want);
      }
    }
  });
});

/** A random small input mixing literal noise, copies of earlier spans (near and far, overlapping) and runs. */
function randomInput(r: () => number): Uint8Array {
  const size = r() < 0.1 ? (r() * 16) | 0 : (r() * r() * 6000) | 0;
  const out = new Uint8Array(size);
  const alphabet = 1 + ((r() * 256) | 0);
  let i = 0;
  while (i < size) {
    const kind = r();
    const len = Math.min(size - i, 1 + ((r() * r() * 200) | 0));
    if (kind < 0.4 || i === 0) for (let j = 0; j < len; j++) out[i + j] = (r() * alphabet) | 0;
    else if (kind < 0.85) {
      const dist = 1 + ((r() < 0.5 ? r() * 16 : r() * i) | 0);
      for (let j = 0; j < len; j++) out[i + j] = i + j - dist >= 0 ? out[i + j - dist]! : 0;
    } else out.fill((r() * alphabet) | 0, i, i + len);
    i += len;
  }
  return out;
}

describe("zstd randomized property test (fzstd)", () => {
  const n = Number(process.env.ZSTD_FUZZ ?? 3000);
  it(`${n} seeded random inputs at random levels decode to the original`, () => {
    const r = rng(12345);
    const levels = [-5, 0, 1, 2, 3, 4, 5, 19, 22];
    for (let t = 0; t < n; t++) {
      const data = randomInput(r);
      const level = levels[(r() * levels.length) | 0]!;
      const checksum = r() < 0.5;
      const frame = zstdCompress(data, level, checksum);
      sameBytes(decompress(frame), data, `case ${t} (size ${data.length}, level ${level})`);
    }
  });
});

describe("zstd compression ratio vs libzstd (zstd-napi) on D1 chunks", () => {
  it("levels 1 and 3, unshuffled and byte-shuffled: at most 2% larger than libzstd at the same level", async () => {
    const { createRequire } = await import("node:module");
    const napi = createRequire(import.meta.url)("zstd-napi");
    const { d1Bytes, byteShuffle } = await import("./zstd-corpus.js");
    const chunks = [d1Bytes(2 << 20, "temp", 0), d1Bytes(2 << 20, "wind", 8)];
    for (const shuffled of [false, true]) {
      const data = shuffled ? chunks.map((c) => byteShuffle(c, 4)) : chunks;
      for (const level of [1, 3]) {
        let ours = 0;
        let ref = 0;
        for (const d of data) {
          const f = zstdCompress(d, level);
          sameBytes(decompress(f), d, `D1 level ${level}`);
          ours += f.length;
          ref += napi.compress(d, { compressionLevel: level }).length;
        }
        expect(ours / ref, `${shuffled ? "shuffled" : "unshuffled"} level ${level}: ${ours} vs libzstd ${ref}`).toBeLessThanOrEqual(1.02);
      }
    }
  });
});
