// A compute whose promise never settles: `xpartition write` names the variable and region and exits 1 (was:
// exit 13 with no message), `run` fails that rank naming them (was: a hang); a worker thread that exits
// without a result fails its rank, naming it, and --resume completes the store.
import { describe, expect, it, beforeAll } from "vitest";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "../..");
const bin = join(root, "dist", "cli", "main.js");
const ds = resolve(import.meta.dirname, "../fixtures/slow-dataset.mjs");
let dir = "";

function xp(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: dir, encoding: "utf8", env: { PATH: process.env.PATH!, ...env }, timeout: 20_000 });
  expect(r.signal, `timed out: ${r.stderr}`).toBeNull();
  return { code: r.status, out: r.stdout, err: r.stderr };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "xpartition-hangs-"));
});

describe("a compute that never settles", () => {
  it.each([[[]], [["--concurrency", "2", "--memory-budget", "1"]]])("write %j: one line naming the variable and region, exit 1, no record", (extra) => {
    expect(xp(["init", ds, "w", "--ranks", "2", "--dims", "time", "--mode", "w"]).code).toBe(0);
    const r = xp(["write", ds, "w", "--rank", "1", ...extra], { XP_HANG_TIME_START: "8" });
    expect(r.code).toBe(1);
    const region = extra.length ? "[8:9, 0:512, 0:512]" : "[8:16, 0:512, 0:512]";
    expect(r.err).toBe(`xpartition write: the compute of variable "a" region ${region} never settled: its promise is pending and nothing is left to run (a promise never resolved nor rejected)\n`);
    expect(existsSync(join(dir, "w", ".xpartition", "ranks", "1.json"))).toBe(false);
  });

  it("run: the rank fails naming the variable and region, its thread is replaced, the others complete", () => {
    const r = xp(["run", ds, "r", "--ranks", "4", "--dims", "time", "--workers", "2"], { XP_HANG_TIME_START: "8" });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^xpartition run: writeAll: 1 of 4 ranks failed \(2\); rank 2: the compute of variable "a" region \[8:12, 0:512, 0:512\] never settled/m);
    expect(JSON.parse(xp(["status", "r", "--json"]).out)).toMatchObject({ complete: [0, 1, 3], missing: [2] });
    expect(xp(["run", ds, "r", "--ranks", "4", "--dims", "time", "--resume"]).code).toBe(0);
  });
});

describe("a worker thread that exits without a result", () => {
  it("run fails that rank naming it; --resume completes", () => {
    const r = xp(["run", ds, "e", "--ranks", "4", "--dims", "time", "--workers", "2"], { XP_EXIT_TIME_START: "4" });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^xpartition run: writeAll: 1 of 4 ranks failed \(1\); rank 1: its worker thread exited \(code 0\) without a result; run again with --resume/m);
    expect(JSON.parse(xp(["status", "e", "--json"]).out)).toMatchObject({ complete: [0, 2, 3], missing: [1] });
    const again = xp(["run", ds, "e", "--ranks", "4", "--dims", "time", "--resume"]);
    expect(again.code, again.err).toBe(0);
    expect(again.out).toMatch(/^run: 1 ranks written, 3 already complete/);
  });
});
