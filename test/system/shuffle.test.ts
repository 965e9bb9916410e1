// Our shuffle codec's output decodes with Debian's python3-numcodecs `Shuffle(elementsize)` (numcodecs 0.11's
// own Cython unshuffle, independent of Blosc) to the original bytes, for every typesize we have SIMD paths for
// and some we do not.
import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ShuffleCodec } from "../../src/codecs/shuffle.js";


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
