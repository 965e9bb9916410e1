// A rank whose partition is many times the memory budget keeps its peak RSS within 2x the budget + 128 MiB.
import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

describe("memory budget", () => {
  it.each([["chunks", 2 * 8 * 6], ["sharded", 2 * 4 * 3]] as const)("peak RSS of a child writing 12x its budget (%s) stays within 2x budget + 128 MiB", (mode, objects) => {
    const budget = 16 * 1024 * 1024;
    const dir = mkdtempSync(join(tmpdir(), "xp-mem-"));
    try {
      const out = execFileSync(process.execPath, [resolve(import.meta.dirname, "memory-child.mjs"), join(dir, "d1.zarr"), String(budget), mode], { encoding: "utf8" });
      const r = JSON.parse(out.trim().split("\n").pop()!) as { maxRSS: number; bytesIn: number; chunks: number };
      expect(r.chunks).toBe(objects);
      expect(r.bytesIn).toBeGreaterThanOrEqual(12 * budget);
      expect(r.maxRSS).toBeLessThan(2 * budget + 128 * 1024 * 1024);
      console.log(`memory test (${mode}): wrote ${(r.bytesIn / 2 ** 20).toFixed(0)} MiB under a ${budget / 2 ** 20} MiB budget, peak RSS ${(r.maxRSS / 2 ** 20).toFixed(0)} MiB`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
