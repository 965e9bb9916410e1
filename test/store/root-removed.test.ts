// A store removed while a rank writes (issue 15, finding 5): the writer never re-creates the store root, so the
// rank fails naming it, exits non-zero and leaves no completion record (nor any directory) behind.
import { describe, expect, it } from "vitest";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "../..");
const bin = join(root, "dist", "cli", "main.js");
const dist = new URL("../../dist/index.js", import.meta.url).href;
// 64 chunks of 256 KiB, each block's compute 100 ms late: a write that lasts long enough to remove its store.
const DATASET = `import { Dataset, lazy } from ${JSON.stringify(dist)};
export default () => new Dataset({ dataVars: { a: { dims: ["time", "x"], data: lazy({
  shape: [64, 65536], dtype: "float32", chunks: [1, 65536],
  compute: async ([t, x]) => { await new Promise((r) => setTimeout(r, 100)); return new Float32Array((t.stop - t.start) * (x.stop - x.start)).fill(t.start); },
}) } } });
`;

describe("a store root removed mid-write", () => {
  it.each(["1", "2"])("fails the rank naming the root, exits non-zero, leaves no record (concurrency %s)", async (concurrency) => {
    const dir = mkdtempSync(join(tmpdir(), "xp-gone-"));
    const ds = join(mkdtempSync(join(tmpdir(), "xp-gone-ds-")), "slow.mjs");
    writeFileSync(ds, DATASET);
    const store = join(dir, "gone.zarr");
    const init = spawnSync(process.execPath, [bin, "init", ds, store, "--ranks", "1", "--dims", "time"], { encoding: "utf8" });
    expect(init.status, init.stderr).toBe(0);
    // The store is removed once the first chunk is written.
    const child = spawn(process.execPath, [bin, "write", ds, store, "--rank", "0", "--concurrency", concurrency, "--memory-budget", "1"], {
      env: { PATH: process.env.PATH! },
    });
    let err = "";
    child.stderr.on("data", (d) => (err += d));
    const exited = new Promise<number | null>((r) => child.on("exit", (c) => r(c)));
    const t0 = Date.now();
    while (!existsSync(join(store, "a", "c")) && Date.now() - t0 < 20_000) await new Promise((r) => setTimeout(r, 20));
    expect(existsSync(join(store, "a", "c")), err).toBe(true);
    // Moved away in one step (an `rm -r` races the writer's own new files), then removed.
    const away = join(mkdtempSync(join(tmpdir(), "xp-away-")), "x");
    renameSync(store, away);
    rmSync(away, { recursive: true, force: true });
    const code = await exited;
    expect(code, err).not.toBe(0);
    // The store's own error, or the writer's generation check if that sees the removal first: either names it.
    expect(err).toContain(store);
    expect(err).toMatch(/no longer exists: was it removed\?|\(removed\?\)/);
    expect(err.trim().split("\n")).toHaveLength(1);
    expect(existsSync(store)).toBe(false); // no record, and no directory made again
    expect(readdirSync(dir)).toEqual([]);
  }, 40_000);
});
