// Issue 15, finding 1 end to end: an init of a dataset with a 16 MiB unchunked coordinate is SIGKILLed midway
// (after a seeded store operation); Debian's xarray cannot open what it left, and `status` refuses it; running
// the same `xpartition init` again takes the store over (its claim's process is dead), `xpartition run --resume`
// writes every rank, and xarray (consolidated) reads the coordinate and every variable's values exactly.
import { beforeAll, describe, expect, it } from "vitest";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { rng } from "../helpers/rng.js";

const repo = resolve(import.meta.dirname, "../..");
const cli = join(repo, "dist", "cli", "main.js");
const child = join(repo, "test", "write", "init-fault-child.mjs");
const fixture = join(repo, "test", "fixtures", "init-dataset.mjs");

const CHECK = `
import json, sys
import numpy as np, xarray as xr
ds = xr.open_zarr(sys.argv[1], consolidated=True)
errors = []
level = ds["level"].values
if level.shape != (1 << 21,) or not np.array_equal(level, np.arange(1 << 21) * 0.5): errors.append("level differs")
for i in range(12):
    v = ds[f"a{i}"].values
    want = np.array([[i * 1000 + t * 10 + x for x in range(4)] for t in range(8)], dtype="float32")
    if v.dtype != np.float32 or not np.array_equal(v, want): errors.append(f"a{i} differs")
    if ds[f"a{i}"].attrs.get("units") != "K": errors.append(f"a{i} units")
if ds.attrs.get("title") != "init fault dataset A": errors.append("title")
print(json.dumps({"errors": errors, "vars": sorted(ds.data_vars)}))
`;

let root = "";
beforeAll(() => {
  if (!existsSync(cli)) execFileSync(process.execPath, [join(repo, "scripts/build.mjs")], { cwd: repo, stdio: "inherit" });
  root = mkdtempSync(join(tmpdir(), "xp-init-xarray-"));
});

/** Run the init child; SIGKILL it after its `afterOps`-th store operation (-1: never). Resolves with its op count. */
function initChild(dir: string, afterOps: number): Promise<{ ops: number; finished: boolean }> {
  return new Promise((res, rej) => {
    const p = spawn(process.execPath, [child, dir, "A"], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "", err = "", armed = afterOps >= 0;
    p.stdout.on("data", (d: Buffer) => {
      out += d;
      if (armed && out.split("\n").filter((l) => l === "op").length >= afterOps) {
        armed = false;
        p.kill("SIGKILL");
      }
    });
    p.stderr.on("data", (d) => (err += d));
    p.on("close", (code, signal) => {
      const finished = out.includes("done");
      if (!finished && signal !== "SIGKILL") rej(new Error(`init child exited ${code}: ${err}`));
      else res({ ops: out.split("\n").filter((l) => l === "op").length, finished });
    });
  });
}

const xp = (args: string[]) => spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: "utf8" });
const python = (dir: string) => spawnSync("/usr/bin/python3", ["-c", CHECK, dir], { encoding: "utf8", maxBuffer: 1 << 24 });

describe("an init killed midway, taken over, then read by xarray", () => {
  it("xarray cannot open the killed init's store; after the same init again and run --resume it reads every value", async () => {
    const total = (await initChild(join(root, "whole.zarr"), -1)).ops;
    const r = rng(15);
    const dir = join(root, "killed.zarr");
    // After the claim (op 2) and before the last operation (complete.json): an unfinished init.
    const after = 3 + Math.floor(r() * (total - 4));
    expect((await initChild(dir, after)).finished).toBe(false);
    const before = python(dir);
    expect(before.status, `xarray opened the unfinished store: ${before.stdout}`).not.toBe(0);
    const status = xp(["status", dir]);
    expect(status.status).toBe(2);
    expect(status.stderr).toMatch(/initialisation of this store did not complete \(claimed by host .*, pid \d+, started /);

    const init = xp(["init", fixture, dir, "--export", "A", "--ranks", "2", "--dims", "time", "--zarr-format", "2"]);
    expect(init.status, init.stderr).toBe(0);
    const run = xp(["run", fixture, dir, "--export", "A", "--ranks", "2", "--dims", "time", "--resume", "--workers", "2"]);
    expect(run.status, run.stderr).toBe(0);
    expect(xp(["status", dir]).status).toBe(0);
    const read = python(dir);
    expect(read.status, read.stderr).toBe(0);
    expect(JSON.parse(read.stdout)).toEqual({ errors: [], vars: Array.from({ length: 12 }, (_, i) => `a${i}`).sort() });
  }, 120_000);
});
