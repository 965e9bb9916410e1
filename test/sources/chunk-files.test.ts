// The pooled chunk-file reader (src/sources/chunk-files.ts): bytes equal to the file's, a missing file is
// undefined, a file larger than the bound goes to the fallback, released buffers are reused (and only so many).
import { describe, expect, it } from "vitest";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pooledReader } from "../../src/sources/chunk-files.js";

describe("pooledReader", () => {
  it("reads files into reused buffers; missing is undefined; larger than the bound goes to the fallback", async () => {
    const dir = mkdtempSync(join(tmpdir(), "xp-chunk-files-"));
    try {
      const small = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7) & 255);
      writeFileSync(join(dir, "a"), small);
      writeFileSync(join(dir, "exact"), new Uint8Array(1024).fill(3));
      writeFileSync(join(dir, "big"), new Uint8Array(1025).fill(9));
      writeFileSync(join(dir, "empty"), new Uint8Array(0));
      const fellBack: string[] = [];
      const r = pooledReader(1024, async (p) => {
        fellBack.push(p);
        return new Uint8Array(1025).fill(9);
      });
      const a = (await r.read(join(dir, "a")))!;
      expect(Buffer.compare(a, small)).toBe(0);
      const buf = a.buffer;
      r.release(a);
      const again = (await r.read(join(dir, "exact")))!;
      expect(again.buffer).toBe(buf); // the released buffer, reused
      expect(again.length).toBe(1024);
      expect(again.every((b) => b === 3)).toBe(true);
      expect((await r.read(join(dir, "big")))!.length).toBe(1025);
      expect(fellBack).toEqual([join(dir, "big")]);
      expect(await r.read(join(dir, "missing"))).toBeUndefined();
      expect(await r.read(join(dir, "no", "such", "dir"))).toBeUndefined();
      expect((await r.read(join(dir, "empty")))!.length).toBe(0);
      await expect(r.read(dir)).rejects.toThrow(); // a directory: the read's error, not undefined
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("keeps at most 32 MiB of idle buffers", async () => {
    const dir = mkdtempSync(join(tmpdir(), "xp-chunk-files-"));
    try {
      writeFileSync(join(dir, "f"), new Uint8Array(10));
      const r = pooledReader(20 << 20, async () => undefined); // 20 MiB chunks: one idle buffer at most
      const got = await Promise.all([r.read(join(dir, "f")), r.read(join(dir, "f"))]);
      for (const g of got) r.release(g!);
      const next = await Promise.all([r.read(join(dir, "f")), r.read(join(dir, "f"))]);
      expect(next.filter((n) => got.some((g) => g!.buffer === n!.buffer)).length).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
