// Read amplification of a rechunked source: `write` warns once, before writing, when the source chunks a row of
// output chunks overlaps do not fit in memoryBudget, and the simulation behind it predicts the reads made.
import { describe, expect, it } from "vitest";
import { Dataset, fromArray, initializeStore, writePartition } from "../../src/index.js";
import { openZarr } from "../../src/sources/zarr.js";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../src/cli/main.js";
import { readAll } from "../write/helpers.js";

const [T, K, X] = [40, 4, 64];

async function source(): Promise<{ map: Map<string, Uint8Array>; full: Float64Array }> {
  const full = Float64Array.from({ length: T * K * X }, (_, i) => i);
  const ds = new Dataset({ dataVars: { v: { dims: ["time", "tile", "x"], data: fromArray(full, [T, K, X], { chunks: [T, 1, X] }) } } });
  const map = new Map<string, Uint8Array>();
  await initializeStore(ds, map, { zarrFormat: 2 });
  await writePartition(ds, map, { ranks: 1, rank: 0, dims: ["time"] });
  return { map, full };
}

describe("read amplification of a rechunked source", () => {
  it.each([
    // 20 KiB source chunks, each cut by every 4-KiB-row block: a 8 KiB budget holds none of them (10 reads each).
    { budget: 8 * 1024, reads: 10, warned: true },
    // The 4 source chunks of a row (80 KiB) fit: each read once, no warning.
    { budget: 96 * 1024, reads: 1, warned: false },
  ])("memoryBudget $budget: each source chunk read $reads times, warned: $warned", async ({ budget, reads, warned }) => {
    const { map, full } = await source();
    const counts = new Map<string, number>();
    const ds = (await openZarr(map, { onChunkRead: (_v, c) => counts.set(c.join(","), (counts.get(c.join(",")) ?? 0) + 1) })).chunk({ time: 2, tile: -1 });
    const out = new Map<string, Uint8Array>();
    await initializeStore(ds, out, { zarrFormat: 2 });
    const warnings: string[] = [];
    await writePartition(ds, out, { ranks: 1, rank: 0, dims: ["time"], memoryBudget: budget, onWarning: (m) => warnings.push(m) });
    expect([...counts.values()]).toEqual([reads, reads, reads, reads]);
    const amp = warnings.filter((w) => w.includes("read amplification"));
    expect(amp.length).toBe(warned ? 1 : 0);
    if (warned) expect(amp[0]).toMatch(/v 10\.0x \(800\.0 KiB read for 80\.0 KiB of source chunks\).*memoryBudget 8192/);
    expect(Array.from((await readAll(out, 2)).arrays.v!.data as Float64Array)).toEqual(Array.from(full));
  });
});

describe("xpartition plan", () => {
  it("reports the read amplification of a rechunked source under --memory-budget", async () => {
    const dir = mkdtempSync(join(tmpdir(), "xp-amp-"));
    try {
      // 2.5 MiB source chunks (40, 1, 8192) cut by blocks of 4 time steps: a 1 MiB budget keeps none.
      const X2 = 8192;
      const ds = new Dataset({ dataVars: { v: { dims: ["time", "tile", "x"], data: fromArray(new Float64Array(T * K * X2).fill(1), [T, K, X2], { chunks: [T, 1, X2] }) } } });
      const src = join(dir, "src.zarr");
      await initializeStore(ds, src, { zarrFormat: 2 });
      await writePartition(ds, src, { ranks: 1, rank: 0, dims: ["time"] });
      const plan = async (...extra: string[]) => {
        let out = "", err = "";
        const code = await main(["plan", src, "--ranks", "2", "--dims", "time", "--chunks", "time=2,tile=-1", ...extra], { out: { write: (s: string) => (out += s) }, err: { write: (s: string) => (err += s) }, env: {}, cwd: dir });
        expect(code, err).toBe(0);
        return out;
      };
      const tight = JSON.parse(await plan("--json", "--memory-budget", "1")) as { readAmplification: Record<string, { ratio: number; bytesRead: number; bytesNeeded: number }> };
      // Each rank: 20 time steps = 5 blocks, each reading the 4 source chunks whole.
      expect(tight.readAmplification.v).toEqual({ ratio: 5, bytesRead: 2 * 5 * 4 * T * X2 * 8, bytesNeeded: 2 * 4 * T * X2 * 8 });
      expect(await plan("--memory-budget", "1")).toMatch(/read amplification 5\.00x: .* \(memory budget 1 MiB\)/);
      expect(await plan()).toMatch(/read amplification 1\.00x: .* \(memory budget 256 MiB\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
