// writeRegion on the writer's machinery: encode threads (which run from dist/) and a memory budget below one
// chunk give the same chunk bytes as one thread.
import { describe, expect, it } from "vitest";
import { mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Dataset, FileSystemStore, fromArray, initializeStore } from "xpartition";
import { writeRegion } from "../../dist/write/region.js";

const full = Float32Array.from({ length: 12 * 10 }, (_, i) => Math.sin(i) * 100);
const ds = (a: number, b: number) =>
  new Dataset({ dataVars: { t: { dims: ["x", "y"], data: fromArray(full.slice(a * 10, b * 10), [b - a, 10], { chunks: [1, 10] }) } } });

describe("writeRegion with encode threads", () => {
  it("concurrency 2 and a tiny memory budget: identical chunk files, with the budget warning", async () => {
    const dirs: string[] = [];
    const warnings: string[] = [];
    for (const opts of [{}, { concurrency: 2, memoryBudget: 64, onWarning: (m: string) => warnings.push(m) }]) {
      const dir = mkdtempSync(join(tmpdir(), "xp-region-threads-"));
      const store = new FileSystemStore(dir);
      await initializeStore(new Dataset({ dataVars: { t: { dims: ["x", "y"], data: fromArray(new Float32Array(120), [12, 10], { chunks: [4, 5] }) } } }), store);
      await writeRegion(ds(0, 8), store, { x: { start: 0, stop: 8 } }, opts);
      await writeRegion(ds(8, 12), store, { x: { start: 8, stop: 12 } }, opts);
      dirs.push(dir);
    }
    expect(warnings.join()).toMatch(/more than memoryBudget 64: using one chunk per block/);
    const files = (d: string) => (readdirSync(join(d, "t", "c"), { recursive: true }) as string[]).filter((f) => statSync(join(d, "t", "c", f)).isFile()).sort();
    expect(files(dirs[0]!)).toHaveLength(6);
    expect(files(dirs[1]!)).toEqual(files(dirs[0]!));
    for (const f of files(dirs[0]!)) expect(readFileSync(join(dirs[1]!, "t", "c", f)).equals(readFileSync(join(dirs[0]!, "t", "c", f))), f).toBe(true);
  });
});
