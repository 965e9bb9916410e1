// inflateInto (netCDF-4 chunks): the reused zlib stream against streams made by python3's zlib (an independent
// deflate: levels, a stored block) and its refusals — a stream longer than the buffer, a truncated or corrupt
// one — never passing garbage for a whole chunk.
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { inflateInto } from "../../src/sources/netcdf/inflate.js";

const PY = "/usr/bin/python3";
const hasPython = (() => {
  try {
    execFileSync(PY, ["-c", "import zlib"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

/** python's zlib.compress of each [data, level], in one python run (each output length-prefixed). */
function pyDeflateAll(jobs: [Uint8Array, number][]): Uint8Array[] {
  const head = JSON.stringify(jobs.map(([d, l]) => [d.length, l]));
  const input = Buffer.concat([Buffer.from(head + "\n"), ...jobs.map(([d]) => d)]);
  const code = `import sys, json, zlib, struct
b = sys.stdin.buffer
jobs = json.loads(b.readline())
for n, level in jobs:
    z = zlib.compress(b.read(n), level)
    sys.stdout.buffer.write(struct.pack("<I", len(z)) + z)`;
  const out = execFileSync(PY, ["-c", code], { input, maxBuffer: 1 << 26 });
  const res: Uint8Array[] = [];
  for (let at = 0; at < out.length; ) {
    const n = out.readUInt32LE(at);
    res.push(new Uint8Array(out.subarray(at + 4, at + 4 + n)));
    at += 4 + n;
  }
  return res;
}
const pyDeflate = (data: Uint8Array, level: number): Uint8Array => pyDeflateAll([[data, level]])[0]!;

/** Byte equality (vitest's toEqual walks big typed arrays element by element: seconds). */
const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

const sample = (n: number): Uint8Array => {
  const a = new Uint8Array(n);
  let x = 12345;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    a[i] = i % 7 === 0 ? x >>> 24 : (i >> 6) & 0xff; // runs and noise: matches and literals
  }
  return a;
};

describe.runIf(hasPython)("inflateInto", () => {
  it.each([0, 1, 6, 9])("inflates python zlib level %i exactly into the caller's buffer, many times over (one reused stream)", (level) => {
    const sizes = [1, 1000, 256 * 1024];
    const streams = pyDeflateAll(sizes.map((n) => [sample(n), level]));
    for (const [i, n] of sizes.entries()) {
      const data = sample(n);
      const z = streams[i]!;
      for (let rep = 0; rep < 3; rep++) {
        const out = new Uint8Array(n);
        expect(inflateInto(z, out, n)).toBe(n);
        expect(same(out, data)).toBe(true);
      }
    }
  });

  it("a stream longer than the buffer is refused (throws), and the next chunk still inflates", () => {
    const data = sample(5000);
    const z = pyDeflate(data, 1);
    expect(() => inflateInto(z, new Uint8Array(4000), 4000)).toThrow();
    const ok = new Uint8Array(5000);
    expect(inflateInto(z, ok, 5000)).toBe(5000);
    expect(same(ok, data)).toBe(true);
  });

  it("a truncated or corrupt stream throws or reports another length, never the expected one", () => {
    const data = sample(100_000);
    const z = pyDeflate(data, 6);
    const cut = z.subarray(0, z.length >> 1);
    const flipped = z.slice();
    flipped[flipped.length - 2]! ^= 0xff; // the Adler-32 trailer
    for (const bad of [cut, flipped]) {
      let got: number | Error;
      try {
        got = inflateInto(bad, new Uint8Array(100_000), 100_000);
      } catch (e) {
        got = e as Error;
      }
      expect(got).not.toBe(100_000);
    }
    const out = new Uint8Array(100_000);
    expect(inflateInto(z, out, 100_000)).toBe(100_000);
    expect(same(out, data)).toBe(true);
  });
});
