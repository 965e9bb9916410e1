// Our zstd frames decode with libzstd through two independent front ends: the `zstd` command-line tool
// (Debian package zstd; it also verifies content checksums) and Debian's python3-zstandard. The whole corpus
// plus a batch of random inputs is written to one directory and each decoder runs once over all of it.
import { describe, expect, it, beforeAll } from "vitest";
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { zstdCompress } from "../../src/kernels/zstd.js";
import { corpus, rng, type Case } from "../kernels/zstd-corpus.js";

let dir = "";
const cases: Case[] = corpus([1, 2, 3, 4, 0]);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "xp-zstd-"));
  const r = rng(777);
  for (let i = 0; i < 300; i++) {
    const size = (r() * r() * 300000) | 0;
    const data = new Uint8Array(size);
    let j = 0;
    while (j < size) {
      const len = Math.min(size - j, 1 + ((r() * 500) | 0));
      if (r() < 0.5 || j < 64) for (let q = 0; q < len; q++) data[j + q] = (r() * 40) | 0;
      else {
        const d = 1 + ((r() * j) | 0);
        for (let q = 0; q < len; q++) data[j + q] = data[j + q - d]!;
      }
      j += len;
    }
    cases.push({ name: `random-${i}`, data, level: 1 + (i % 4), checksum: i % 3 === 0 });
  }
  for (let i = 0; i < cases.length; i++) writeFileSync(join(dir, `${i}.zst`), zstdCompress(cases[i]!.data, cases[i]!.level, cases[i]!.checksum));
}, 600_000);

function check(suffix: string): void {
  for (let i = 0; i < cases.length; i++) {
    const got = readFileSync(join(dir, `${i}${suffix}`));
    const want = cases[i]!.data;
    expect(got.length, cases[i]!.name).toBe(want.length);
    expect(Buffer.compare(got, Buffer.from(want.buffer, want.byteOffset, want.length)), cases[i]!.name).toBe(0);
  }
}

describe("zstd frames decode with libzstd", () => {
  it("the zstd CLI decodes every frame and verifies the checksums", () => {
    const files = cases.map((_, i) => `${i}.zst`);
    execFileSync("zstd", ["-d", "-q", "-f", ...files], { cwd: dir, stdio: "pipe" });
    check("");
  });

  it("python3-zstandard decodes every frame (content size read from the header)", () => {
    const script = `
import sys, zstandard
d = zstandard.ZstdDecompressor()
n = int(sys.argv[2])
for i in range(n):
    src = open(f"{sys.argv[1]}/{i}.zst", "rb").read()
    params = zstandard.get_frame_parameters(src)
    out = d.decompress(src) if params.content_size > 0 else d.decompressobj().decompress(src)
    assert params.content_size == len(out), (i, params.content_size, len(out))
    open(f"{sys.argv[1]}/{i}.py", "wb").write(out)
`;
    execFileSync("/usr/bin/python3", ["-c", script, dir, String(cases.length)], { stdio: "pipe" });
    check(".py");
  });
});
