// Every exit status as each command's --help lists it (plan, init, write, run, demo; status, verify and clean
// are tested by their owners; 143/130 of write and run in signals.test.ts), and run's reporting: progress
// lines and totals count only the chunks of ranks that completed, its hint names --resume.
import { describe, expect, it, beforeAll } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "../..");
const bin = join(root, "dist", "cli", "main.js");
const ds = resolve(import.meta.dirname, "../fixtures/slow-dataset.mjs");
let dir = "";

function xp(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: dir, encoding: "utf8", env: { PATH: process.env.PATH!, ...env }, timeout: 30_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** The statuses a command's --help lists after "exit status:". */
function listed(cmd: string): number[] {
  const help = xp([cmd, "--help"]).out;
  const para = help.slice(help.indexOf("exit status:")).split("\n\n")[0]!;
  expect(para, `${cmd} --help lists its exit statuses`).toMatch(/^exit status: /);
  return [...para.matchAll(/(?:^exit status: |, )(\d+) /g)].map((m) => Number(m[1])).sort((a, b) => a - b);
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "xpartition-exit-"));
  writeFileSync(join(dir, "a-file"), "not a store\n");
});

describe("exit statuses as --help says", () => {
  it("xpartition --help names them; no command is a bad command line", () => {
    expect(xp(["--help"]).out).toMatch(/^exit status: 0 success, 1 failure, 2 a bad command line/m);
    expect(xp([]).code).toBe(2);
  });

  it("plan: 0, 1, 2", () => {
    expect(listed("plan")).toEqual([0, 1, 2]);
    expect(xp(["plan", ds, "--ranks", "2", "--dims", "time"]).code).toBe(0);
    expect(xp(["plan", ds, "--ranks", "2", "--dims", "nope"]).code).toBe(1);
    expect(xp(["plan", ds, "--ranks", "0", "--dims", "time"]).code).toBe(2);
  });

  it("init: 0, 1, 2", () => {
    expect(listed("init")).toEqual([0, 1, 2]);
    expect(xp(["init", ds, "i", "--ranks", "2", "--dims", "time"]).code).toBe(0);
    expect(xp(["init", ds, "i", "--ranks", "2", "--dims", "time"]).code).toBe(1); // a store exists there
    expect(xp(["init", ds, "i", "--ranks", "2", "--dims", "time", "--mode", "a"]).code).toBe(2);
  });

  it("write: 0, 1, 2 (130 and 143: signals.test.ts)", () => {
    expect(listed("write")).toEqual([0, 1, 2, 130, 143]);
    expect(xp(["init", ds, "w", "--ranks", "2", "--dims", "time"]).code).toBe(0);
    expect(xp(["write", ds, "w", "--rank", "0"]).code).toBe(0);
    expect(xp(["write", ds, "w", "--rank", "1"], { XP_FAIL_TIME_START: "8" }).code).toBe(1);
    expect(xp(["write", ds, "w"]).code).toBe(1); // no rank: it cannot start
    expect(xp(["write", ds, "w", "--rank", "1", "--concurrency", "0"]).code).toBe(2);
  });

  it("run: 0, 1, 2 (130 and 143: signals.test.ts)", () => {
    expect(listed("run")).toEqual([0, 1, 2, 130, 143]);
    expect(xp(["run", ds, "r0", "--ranks", "2", "--dims", "time"]).code).toBe(0);
    expect(xp(["run", ds, "r0", "--ranks", "2", "--dims", "time"]).code).toBe(1); // a store exists there
    expect(xp(["run", ds, "r1", "--ranks", "2", "--dims", "time", "--workers", "0"]).code).toBe(2);
  });

  it("demo: 0, 1, 2 (130 and 143 as run's)", () => {
    expect(listed("demo")).toEqual([0, 1, 2, 130, 143]);
    expect(xp(["demo", "d1.zarr", "--time", "2", "--ranks", "1", "--workers", "1"]).code).toBe(0);
    expect(xp(["demo", "a-file", "--time", "2", "--ranks", "1", "--workers", "1"]).code).toBe(1);
    expect(xp(["demo", "--time", "0"]).code).toBe(2);
  });
});

describe("run's reporting", () => {
  it("a failed rank's chunks are not counted; the hint names --resume", () => {
    // One worker, one chunk per block: rank 2 writes the chunks of time 8 and 9, then fails at 10.
    const r = xp(["run", ds, "f", "--ranks", "4", "--dims", "time", "--workers", "1", "--memory-budget", "1"], { XP_FAIL_TIME_START: "10" });
    expect(r.code).toBe(1);
    const lines = r.err.split("\n").filter((l) => l.startsWith("rank "));
    expect(lines.map((l) => l.replace(/, [\d.]+ MB\/s.*/, ""))).toEqual([
      "rank 0 written: 1/4 ranks done, 5 chunks",
      "rank 1 written: 2/4 ranks done, 10 chunks",
      "rank 2 FAILED: 2/4 ranks done, 10 chunks",
      "rank 3 written: 3/4 ranks done, 15 chunks",
    ]);
    expect(r.err).toMatch(/^xpartition run: writeAll: 1 of 4 ranks failed \(2\); rank 2: writing variable "a" region \[10:11, 0:512, 0:512\] failed: injected failure at time 10; run again with --resume to write only the missing ranks$/m);
    expect(r.err).not.toContain("resume: true");
    const again = xp(["run", ds, "f", "--ranks", "4", "--dims", "time", "--resume", "--workers", "1"]);
    expect(again.code, again.err).toBe(0);
    expect(again.out).toMatch(/^run: 1 ranks written, 3 already complete on 1 workers: 5 chunks/);
  });
});
