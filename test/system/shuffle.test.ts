// Our shuffle codec's output decodes with Debian's python3-numcodecs `Shuffle(elementsize)` (numcodecs 0.11's
// own Cython unshuffle, independent of Blosc) to the original bytes, for every typesize we have SIMD paths for
// and some we do not.
import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ShuffleCodec } from "../../src/codecs/shuffle.js";
import { bitShuffle, byteShuffle } from "../../src/kernels/shuffle.js";


describe("shuffle codec output decodes with python3-numcodecs", () => {
  it("numcodecs.Shuffle(elementsize).decode gives back the input", () => {
    const dir = mkdtempSync(join(tmpdir(), "xp-shuffle-"));
    const cases: { es: number; data: Uint8Array }[] = [];
    let seed = 5;
    const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 16) & 255;
    for (const es of [1, 2, 3, 4, 5, 7, 8, 12, 16, 17, 32, 255]) {
      for (const n of [0, 1, 15, 16, 17, 1000, 65537]) {
        const data = new Uint8Array(n * es).map(rnd);
        cases.push({ es, data });
      }
    }
    cases.forEach((c, i) => {
      writeFileSync(join(dir, `${i}.in`), c.data);
      writeFileSync(join(dir, `${i}.shuf`), new ShuffleCodec(c.es).encodeSync(c.data));
    });
    const script = `
import sys, numcodecs
d, n = sys.argv[1], int(sys.argv[2])
sizes = [int(x) for x in sys.argv[3].split(",")]
bad = []
for i in range(n):
    codec = numcodecs.get_codec({"id": "shuffle", "elementsize": sizes[i]})
    out = bytes(codec.decode(open(f"{d}/{i}.shuf", "rb").read()))
    if out != open(f"{d}/{i}.in", "rb").read():
        bad.append(i)
print(",".join(map(str, bad)) or "ok")
`;
    const out = execFileSync("/usr/bin/python3", ["-c", script, dir, String(cases.length), cases.map((c) => c.es).join(",")], { encoding: "utf8" });
    expect(out.trim()).toBe("ok");
    expect(readFileSync(join(dir, "0.in")).length).toBe(0);
  });
});

// c-blosc stores a stream raw when it does not compress, so the raw streams of an incompressible block are
// c-blosc's own shuffled bytes of that block. A zero block first keeps the whole container from falling back
// to memcpyed. Checked: byte shuffle and bit shuffle of full blocks and of leftover blocks whose element
// count is (or is not) a multiple of 8, against our kernels on the same bytes.
describe("our shuffle kernels give c-blosc's shuffled bytes (python3-numcodecs Blosc, raw streams)", () => {
  it("byte shuffle and bitshuffle of full and leftover blocks", () => {
    const dir = mkdtempSync(join(tmpdir(), "xp-cblosc-"));
    // xorshift32, top byte: an LCG's low bits repeat, and bit-shuffled they would compress.
    let seed = 99;
    const rnd = () => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 24) & 255;
    };
    const BS = 16384; // forced block size, enlarged by c-blosc's split rule (FORMATS.md §5.3) as computed below
    const cases: { ts: number; shuffle: number; leftover: number }[] = [];
    for (const ts of [1, 2, 3, 4, 8, 16, 32]) {
      for (const shuffle of [1, 2]) {
        for (const leftover of [1000, 1001, 8, 13]) cases.push({ ts, shuffle, leftover });
      }
    }
    const inputs = cases.map((c) => {
      const split = c.ts <= 16 && BS / c.ts >= 128;
      const bs0 = split ? Math.min(Math.max(Math.min(BS, 262144) * c.ts, 65536), 1048576) : BS;
      const bs = Math.floor(bs0 / c.ts) * c.ts;
      const data = new Uint8Array(2 * bs + c.leftover * c.ts);
      for (let i = bs; i < data.length; i++) data[i] = rnd();
      return { bs, data };
    });
    inputs.forEach((x, i) => writeFileSync(join(dir, `${i}.raw`), x.data));
    const script = `
import sys, numpy as np, numcodecs
from numcodecs import blosc
blosc.use_threads = False
d = sys.argv[1]
for i, spec in enumerate(sys.argv[2].split(";")):
    ts, sh = (int(x) for x in spec.split(","))
    a = np.frombuffer(open(f"{d}/{i}.raw", "rb").read(), dtype=np.dtype((np.void, ts)))
    open(f"{d}/{i}.blosc", "wb").write(blosc.compress(a, b"lz4", 5, sh, ${BS}))
`;
    execFileSync("/usr/bin/python3", ["-c", script, dir, cases.map((c) => `${c.ts},${c.shuffle}`).join(";")]);
    let checkedBlocks = 0;
    cases.forEach((c, i) => {
      const { bs, data } = inputs[i]!;
      const f = readFileSync(join(dir, `${i}.blosc`));
      const v = new DataView(f.buffer, f.byteOffset, f.byteLength);
      const flags = f[2]!;
      const name = `ts ${c.ts} shuffle ${c.shuffle} leftover ${c.leftover}`;
      expect(flags & 0x02, `${name}: not memcpyed`).toBe(0);
      expect(v.getUint32(8, true), name).toBe(bs);
      const nblocks = Math.ceil(data.length / bs);
      for (const j of [1, 2]) {
        const start = j * bs;
        const bsize = Math.min(bs, data.length - start);
        const nsplits = !(flags & 0x10) && c.ts <= 16 && bsize / c.ts >= 128 && j < nblocks - 1 ? c.ts : 1;
        const neblock = bsize / nsplits;
        let p = v.getInt32(16 + 4 * j, true);
        const got = new Uint8Array(bsize);
        for (let s = 0; s < nsplits; s++) {
          const csize = v.getInt32(p, true);
          expect(csize, `${name} block ${j} stream ${s} stored raw`).toBe(neblock);
          got.set(f.subarray(p + 4, p + 4 + csize), s * neblock);
          p += 4 + csize;
        }
        const block = data.subarray(start, start + bsize);
        const want = c.shuffle === 1 ? (c.ts > 1 ? byteShuffle(block, c.ts) : block) : bitShuffle(block, c.ts);
        expect(Buffer.compare(Buffer.from(got), Buffer.from(want)), `${name} block ${j}`).toBe(0);
        checkedBlocks++;
      }
    });
    expect(checkedBlocks).toBe(2 * cases.length);
  });
});
