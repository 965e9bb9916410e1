// Rechunking an opened store (issue 11, "Memory"): one output chunk needs 16 source chunks and each source chunk
// is cut into 4 output chunks (along y, which the writer's blocks split). The rank's peak RSS stays within 2x
// memoryBudget + 128 MiB, and since the source chunks of one row of output chunks fit in the budget, the
// rank's source-chunk cache makes each source chunk read once (without it: 4 times, once per block). Values are
// checked with zarrita (the source is written by our writer: the test is about our reader's reads and memory).
import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import * as zarr from "zarrita";
import { Dataset, initializeStore, lazy, writePartition } from "../../src/index.js";

const [T, K, Y, X] = [48, 6, 256, 256];
const value = (t: number, k: number, y: number, x: number): number => (((t * K + k) * Y + y) * X + x) % 2 ** 20;

function source(): Dataset {
  const v = lazy({
    shape: [T, K, Y, X], dtype: "float32", chunks: [1, 1, Y, X],
    compute: (region, out) => {
      const [rt, rk, ry, rx] = region;
      const o = (out as Float32Array) ?? new Float32Array(region.reduce((p, r) => p * (r.stop - r.start), 1));
      let p = 0;
      for (let t = rt!.start; t < rt!.stop; t++) for (let k = rk!.start; k < rk!.stop; k++) for (let y = ry!.start; y < ry!.stop; y++) for (let x = rx!.start; x < rx!.stop; x++) o[p++] = value(t, k, y, x);
      return o;
    },
  });
  return new Dataset({ dataVars: { v: { dims: ["time", "tile", "y", "x"], data: v } } });
}

describe("rechunking an opened store", () => {
  it("peak RSS within 2x budget + 128 MiB with 16 source chunks per output chunk; each source chunk read once", async () => {
    const dir = mkdtempSync(join(tmpdir(), "xp-rechunk-mem-"));
    try {
      const src = join(dir, "src.zarr"), out = join(dir, "out.zarr");
      await initializeStore(source(), src, { zarrFormat: 2 });
      await writePartition(source(), src, { ranks: 1, rank: 0, dims: ["time"] });
      const budget = 16 * 2 ** 20;
      const r = JSON.parse(execFileSync(process.execPath, [resolve(import.meta.dirname, "rechunk-memory-child.mjs"), src, out, String(budget)], { encoding: "utf8" }).trim().split("\n").pop()!) as
        { maxRSS: number; bytesIn: number; chunks: number; sourceChunks: number; maxReads: number; reads: number };
      expect(r.bytesIn).toBe(T * K * Y * X * 4);
      expect(r.chunks).toBe((T / 16) * K * (Y / 64));
      expect(r.sourceChunks).toBe(T * K);
      expect(r.maxReads).toBe(1);
      expect(r.maxRSS).toBeLessThan(2 * budget + 128 * 2 ** 20);
      // zarrita reads output chunks back: (16, 1, 64, 256), Blosc as the source's encoding.
      const dirStore = { get: async (key: string) => { try { return new Uint8Array(readFileSync(join(out, key))); } catch { return undefined; } } };
      const a = await zarr.open.v2(new zarr.Location(dirStore, "/v"), { kind: "array", attrs: false });
      expect(a.chunks).toEqual([16, 1, 64, 256]);
      for (const [ct, ck, cy] of [[0, 0, 0], [1, 3, 2], [2, 5, 3]] as const) {
        const c = await a.getChunk([ct, ck, cy, 0]);
        const want = Float32Array.from({ length: 16 * 64 * X }, (_, i) => value(ct * 16 + Math.floor(i / (64 * X)), ck, cy * 64 + Math.floor(i / X) % 64, i % X));
        expect(Array.from(c.data as Float32Array)).toEqual(Array.from(want));
      }
      console.log(`rechunk memory: ${(r.bytesIn / 2 ** 20).toFixed(0)} MiB under a ${budget / 2 ** 20} MiB budget, peak RSS ${(r.maxRSS / 2 ** 20).toFixed(0)} MiB, ${r.reads} source chunk reads`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
