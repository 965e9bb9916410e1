// Fault injection: a rank's process is SIGKILLed (12 times) while it writes chunks (and v3 shards) to a
// filesystem store, 0-3 ms after a seeded chunk (first to last) went to the store. After each kill: every key in
// the store is byte-identical to the same key of a store written without faults (a file is absent, or
// complete — never torn), the rank has a completion record only if every key is there, and zarrita reads the partial store (each chunk either the right values or the fill value). Then the
// rank is re-run — killed once more first, every fourth time — and the store equals the reference byte for
// byte (records compared by content except timings). Temporary files of killed writes are never keys, and
// `cleanTemporary` (`xpartition clean`) removes them without touching a key.
import { describe, expect, it, beforeAll } from "vitest";
import { cpSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import * as zarr from "zarrita";
import { FileSystemStore, initializeStore, writePartition } from "../../src/index.js";
import { faultDataset, RANKS } from "../fixtures/fault-dataset.mjs";
import { rng } from "../helpers/rng.js";
import { killAfter } from "../helpers/kill.js";
import { snapshotStore } from "../fixtures/snapshot.js";
import { verifyStore } from "../../src/verify/verify.js";
import { expectVerified } from "../helpers/verify.js";

const child = resolve(import.meta.dirname, "fault-child.mjs");
const VICTIM = 1;
const KILLS = 12;
const tmp = () => mkdtempSync(join(tmpdir(), "xp-fault-"));
const isTemp = (name: string) => name.endsWith(".xptmp");

/**
 * Run the victim rank in a child; SIGKILL it `delayMs` after it has handed its `afterChunks`-th chunk to the
 * store (never, for -1). Resolves with whether it finished and how many chunks it reported.
 */
function killRank(dir: string, format: number, afterChunks: number, delayMs = 0): Promise<{ finished: boolean; chunks: number }> {
  return killAfter([child, dir, String(format), String(VICTIM)], "c", afterChunks, delayMs).then(({ finished, steps }) => ({ finished, chunks: steps }));
}

function copyOf(dir: string): string {
  const to = tmp();
  cpSync(dir, to, { recursive: true });
  return to;
}

async function initialised(format: 2 | 3, ranksDone: number[]): Promise<string> {
  const dir = tmp();
  const ds = faultDataset(format);
  await initializeStore(ds, dir, { zarrFormat: format });
  for (const r of ranksDone) await writePartition(ds, dir, { ranks: RANKS, dims: ["time"], rank: r });
  return dir;
}

/** zarrita reads every variable of the partial store; each time step is the reference's values or all fill. */
async function checkPartialReads(dir: string, refDir: string, format: 2 | 3): Promise<{ present: number; absent: number }> {
  const open = async (d: string) => {
    const root = await zarr.withConsolidatedMetadata(new FileSystemStore(d) as never, { format: format === 2 ? "v2" : "v3" });
    return zarr.open(root, { kind: "group" });
  };
  const [g, gr] = [await open(dir), await open(refDir)];
  let present = 0, absent = 0;
  for (const name of ["a", "s"]) {
    const a = await zarr.open(g.resolve(name), { kind: "array" });
    const got = await zarr.get(a);
    const want = await zarr.get(await zarr.open(gr.resolve(name), { kind: "array" }));
    const step = got.shape.slice(1).reduce((p, s) => p * s, 1);
    const fill = a.fillValue as number | null;
    for (let t = 0; t < got.shape[0]!; t++) {
      const x = Array.from((got.data as Float32Array).subarray(t * step, (t + 1) * step));
      const y = Array.from((want.data as Float32Array).subarray(t * step, (t + 1) * step));
      const same = x.every((v, i) => v === y[i]);
      const empty = x.every((v) => (fill === null || Number.isNaN(fill) ? Number.isNaN(v) || v === 0 : v === fill));
      expect(same || empty, `${name} time ${t}: neither the reference values nor the fill value`).toBe(true);
      if (same) present++;
      else absent++;
    }
  }
  return { present, absent };
}

describe("fault injection: ranks SIGKILLed while writing", () => {
  const refs: Record<number, { dir: string; snap: ReturnType<typeof snapshotStore> }> = {};
  /** Per format: a store initialised, with every rank but the victim written (copied for each kill). */
  const bases: Record<number, string> = {};
  /** Per format: time steps the base store already has (the other ranks'), over both variables. */
  const basePresent: Record<number, number> = {};
  /** Per format: how many chunks (shards in v3) the victim hands to the store. */
  const total: Record<number, number> = {};

  beforeAll(async () => {
    for (const format of [2, 3] as const) {
      const dir = await initialised(format, [...Array(RANKS).keys()]);
      refs[format] = { dir, snap: snapshotStore(dir) };
      bases[format] = await initialised(format, [0, 2]);
      basePresent[format] = (await checkPartialReads(bases[format]!, dir, format)).present;
    }
    // How many chunks the victim writes (not killed): the kills are spread over them.
    for (const format of [2, 3] as const) {
      const dir = copyOf(bases[format]!);
      total[format] = (await killRank(dir, format, -1)).chunks;
      expect(total[format]).toBeGreaterThan(5);
      expect(snapshotStore(dir).keys).toEqual(refs[format]!.snap.keys);
    }
  }, 120_000);

  it("every kill leaves only complete files, a record only with every key, a readable store; re-running converges byte for byte", async () => {
    const r = rng(20261125);
    let killedMidWrite = 0, tempsSeen = 0, cleaned = 0;
    for (let i = 0; i < KILLS; i++) {
      const format = i % 2 === 0 ? 2 : 3;
      const ref = refs[format]!;
      const dir = copyOf(bases[format]!);
      // After a seeded chunk (the first to the last), and a seeded 0-3 ms later: the store writes in flight then
      // are cut anywhere in their steps.
      const after = 1 + Math.floor(r() * total[format]!), delay = Math.floor(r() * 4);
      const { finished } = await killRank(dir, format, after, delay);
      const left = snapshotStore(dir);
      tempsSeen += left.temps;
      for (const [key, body] of left.keys) {
        if (key === `/.xpartition/ranks/${VICTIM}.json`) continue;
        expect(body === ref.snap.keys.get(key), `kill ${i} (format ${format}, after chunk ${after} + ${delay} ms): ${key} differs from the reference (torn?)`).toBe(true);
      }
      // The record only with every chunk written (a kill can land between the record and the child's "done").
      const recorded = left.keys.has(`/.xpartition/ranks/${VICTIM}.json`);
      if (finished) expect(recorded).toBe(true);
      if (recorded) expect([...left.keys.keys()].sort()).toEqual([...ref.snap.keys.keys()].sort());
      // verify: every file decodes (none torn) and matches its rank's manifest; the killed rank is all to resubmit.
      const v = await verifyStore(dir);
      expect(v.problems.filter((p) => p.kind !== "rank"), `kill ${i}`).toEqual([]);
      expect(v.resubmitRanks, `kill ${i}`).toEqual(recorded ? [] : [VICTIM]);
      expect((await new FileSystemStore(dir).list()).some((k) => isTemp(k))).toBe(false);
      // Mid-write: the victim had written some of its partition, not all.
      const { present, absent } = await checkPartialReads(dir, ref.dir, format);
      if (present > basePresent[format]! && absent > 0) killedMidWrite++;
      // Re-run: every fourth time the re-run is itself killed first.
      if (i % 4 === 1) await killRank(dir, format, Math.ceil(total[format]! / 3));
      await writePartition(faultDataset(format), dir, { ranks: RANKS, dims: ["time"], rank: VICTIM });
      expect(snapshotStore(dir).keys, `kill ${i}: the re-run store differs from the reference`).toEqual(ref.snap.keys);
      await expectVerified(dir);
      // `xpartition clean`: the killed writes' temporary files go; every key stays.
      const { files } = await new FileSystemStore(dir).cleanTemporary({ minAgeSeconds: 0 });
      cleaned += files.length;
      const clean = snapshotStore(dir);
      expect(clean.temps).toBe(0);
      expect(clean.keys).toEqual(ref.snap.keys);
    }
    // The kills really landed inside the write (some of the partition written), not all before or after it.
    expect(killedMidWrite).toBeGreaterThanOrEqual(KILLS / 3);
    expect(cleaned).toBeGreaterThanOrEqual(tempsSeen);
    console.log(`fault injection: ${KILLS} kills over writes of ${total[2]} chunks (v2) and ${total[3]} shards (v3), ${killedMidWrite} mid-write, ${tempsSeen} temporary files left by killed writes (never keys)`);
  }, 180_000);
});
