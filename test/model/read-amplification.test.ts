// Read amplification of a rechunked source: `write` warns once, before writing, when the source chunks a row of
// output chunks overlaps do not fit in memoryBudget, and the simulation behind it predicts the reads made.
import { describe, expect, it } from "vitest";
import { Dataset, fromArray, initializeStore, writePartition } from "../../src/index.js";
import { openZarr } from "../../src/sources/zarr.js";
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
