// The xpartition command as users run it (node on the bin's file): help for every command, errors as one
// line with a non-zero exit, dataset-module loading errors, and status on hand-made records.
import { describe, expect, it, beforeAll } from "vitest";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, writeFileSync, readFileSync, rmSync, utimesSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { planFingerprint } from "../../src/write/schema.js";

const root = resolve(import.meta.dirname, "../..");
const bin = join(root, "dist", "cli", "main.js");
let dir = "";

function xp(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: dir, encoding: "utf8", env: { PATH: process.env.PATH!, ...env } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
/** An error: exactly one line on stderr, nothing on stdout, the given exit status. */
/** A hand-made store's initialisation marked complete (init.json and complete.json of one generation, "g0"). */
function markInitComplete(store: string): void {
  const claim = { generation: "g0", startedAt: new Date().toISOString(), host: "h", pid: 1, schemaFingerprint: "" };
  writeFileSync(join(store, ".xpartition", "init.json"), JSON.stringify(claim));
  writeFileSync(join(store, ".xpartition", "complete.json"), JSON.stringify({ generation: "g0" }));
}

function fails(args: string[], code: number, pattern: RegExp, env: Record<string, string> = {}) {
  const r = xp(args, env);
  expect(r.err).toMatch(pattern);
  expect(r.err.trimEnd().split("\n")).toHaveLength(1);
  expect(r.code).toBe(code);
  return r;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "xpartition-cli-"));
  writeFileSync(join(dir, "named.mjs"), "export const a = 1;\nexport function b() { return 'x'; }\n");
  writeFileSync(join(dir, "throws.mjs"), "export default async () => { throw new Error('no data today'); };\n");
  writeFileSync(join(dir, "syntax.mjs"), "export default {{;\n");
  writeFileSync(join(dir, "number.mjs"), "export default 42;\n");
});

describe("xpartition CLI", () => {
  it("package.json's bin is the CLI, with a shebang", () => {
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
    expect(pkg.bin).toEqual({ xpartition: "dist/cli/main.js" });
    expect(readFileSync(bin, "utf8").startsWith("#!/usr/bin/env node\n")).toBe(true);
  });

  it("--help lists every command; no command is a usage error", () => {
    const r = xp(["--help"]);
    expect(r.code).toBe(0);
    for (const c of ["plan", "init", "write", "run", "status", "verify", "clean", "demo"]) expect(r.out).toMatch(new RegExp(`^  ${c} `, "m"));
    expect(xp([]).code).toBe(2);
  });

  it.each(["plan", "init", "write", "run", "status", "verify", "clean", "demo"])("%s --help", (c) => {
    const r = xp([c, "--help"]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(new RegExp(`^usage: xpartition ${c} `));
    expect(r.err).toBe("");
    expect(xp(["help", c]).out).toBe(r.out);
  });

  it("write --help lists the rank variables", () => {
    const out = xp(["write", "-h"]).out;
    for (const v of ["SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX", "AWS_BATCH_JOB_ARRAY_INDEX", "CLOUD_RUN_TASK_INDEX", "BATCH_TASK_INDEX", "PBS_ARRAY_INDEX", "PBS_ARRAYID", "SGE_TASK_ID", "LSB_JOBINDEX", "OMPI_COMM_WORLD_RANK", "PMI_RANK"]) {
      expect(out).toContain(v);
    }
  });

  it("usage errors: one line, exit 2", () => {
    fails(["frobnicate"], 2, /^xpartition: unknown command "frobnicate": expected one of plan, init, write, run, status, verify, clean, demo/);
    fails(["plan", "named.mjs", "--ranks", "4"], 2, /^xpartition plan: --dims is required$/m);
    fails(["plan", "named.mjs", "--dims", "time"], 2, /^xpartition plan: --ranks is required$/m);
    fails(["plan", "named.mjs", "--ranks", "0", "--dims", "time"], 2, /--ranks "0" is not valid: expected an integer >= 1/);
    fails(["plan", "named.mjs", "--ranks", "2.5", "--dims", "time"], 2, /--ranks "2.5" is not valid/);
    fails(["plan", "named.mjs", "--ranks", "2", "--dims", "time,"], 2, /--dims "time," is not valid/);
    fails(["plan", "named.mjs", "--ranks", "2", "--dims", "x,x"], 2, /--dims names "x" twice/);
    fails(["init", "named.mjs"], 2, /^xpartition init: missing <store>/);
    fails(["init", "named.mjs", "s", "--ranks", "2", "--dims", "t", "--zarr-format", "4"], 2, /--zarr-format "4" is not valid: expected one of 2, 3/);
    fails(["init", "named.mjs", "s", "--ranks", "2", "--dims", "t", "--mode", "a"], 2, /--mode "a" is not valid: expected one of w-, w/);
    fails(["run", "m", "s", "--ranks", "2", "--dims", "t", "--workers", "0"], 2, /--workers "0" is not valid/);
    fails(["run", "m", "s", "--nope"], 2, /^xpartition run: unknown option --nope/);
    fails(["write", "m", "s", "--rank"], 2, /^xpartition write: option --rank needs a value/);
    fails(["status", "a", "b"], 2, /^xpartition status: unexpected argument "b"/);
    fails(["demo", "--time=-3"], 2, /--time "-3" is not valid/);
    fails(["demo", "--time", "-3"], 2, /option --time needs a value \(for one starting with "-", write --time=VALUE\)/);
  });

  it("dataset module errors name the module and what is wrong", () => {
    fails(["plan", "missing.mjs", "--ranks", "2", "--dims", "t"], 1, /^xpartition plan: dataset module not found: .*missing\.mjs$/m);
    fails(["plan", "named.mjs", "--ranks", "2", "--dims", "t"], 1, /named\.mjs has no default export \(its exports: a, b\); pick one with --export NAME/);
    fails(["plan", "named.mjs", "--export", "c", "--ranks", "2", "--dims", "t"], 1, /has no export named "c" \(its exports: a, b\)/);
    fails(["plan", "named.mjs", "--export", "a", "--ranks", "2", "--dims", "t"], 1, /export "a" of .*named\.mjs is number, expected a Dataset/);
    fails(["plan", "named.mjs", "--export", "b", "--ranks", "2", "--dims", "t"], 1, /export "b" of .*named\.mjs is string, expected a Dataset/);
    fails(["plan", "number.mjs", "--ranks", "2", "--dims", "t"], 1, /the default export of .*number\.mjs is number, expected a Dataset or a function returning one/);
    fails(["plan", "throws.mjs", "--ranks", "2", "--dims", "t"], 1, /the default export of .*throws\.mjs threw while building the dataset: no data today/);
    fails(["plan", "syntax.mjs", "--ranks", "2", "--dims", "t"], 1, /^xpartition plan: cannot import dataset module .*syntax\.mjs: /m);
  });

  it("write without a recorded plan, or without a rank, fails before loading anything", () => {
    fails(["write", "named.mjs", "nostore"], 1, /nostore is not an initialised xpartition store \(no \/\.xpartition\/init\.json\): initialise it first/);
    const s = join(dir, "planned");
    mkdirSync(join(s, ".xpartition"), { recursive: true });
    markInitComplete(s);
    fails(["write", "named.mjs", "planned"], 1, /planned has no recorded plan \(\/\.xpartition\/plan\.json\): initialise it with 'xpartition init'/);
    writeFileSync(join(s, ".xpartition", "plan.json"), JSON.stringify({ ranks: 4, dims: ["time"] }));
    fails(["write", "named.mjs", "planned"], 1, /^xpartition write: no rank: pass --rank R or run under an engine that sets one of SLURM_ARRAY_TASK_ID, JOB_COMPLETION_INDEX, AWS_BATCH_JOB_ARRAY_INDEX, CLOUD_RUN_TASK_INDEX, BATCH_TASK_INDEX, PBS_ARRAY_INDEX, PBS_ARRAYID, SGE_TASK_ID, LSB_JOBINDEX, OMPI_COMM_WORLD_RANK, PMI_RANK$/m);
    fails(["write", "named.mjs", "planned"], 1, /SLURM_ARRAY_TASK_ID=4 is out of range: the plan has 4 ranks \(0\.\.3\)/, { SLURM_ARRAY_TASK_ID: "4" });
    fails(["write", "named.mjs", "planned"], 1, /JOB_COMPLETION_INDEX="x1" is not a rank: expected a non-negative integer/, { JOB_COMPLETION_INDEX: "x1" });
    fails(["write", "named.mjs", "planned", "--rank", "1", "--ranks", "5"], 1, /ranks 5 does not match the plan recorded in planned: 4 ranks over time/);
    fails(["write", "named.mjs", "planned", "--rank", "1", "--dims", "tile"], 1, /dims tile does not match the plan recorded in planned/);
  });

  it("status: missing store, no plan, and hand-made records", () => {
    fails(["status", "nowhere"], 2, /^xpartition status: no such store: nowhere$/m);
    const s = join(dir, "recs");
    mkdirSync(join(s, ".xpartition", "ranks"), { recursive: true });
    writeFileSync(join(s, ".xpartition", "schema.json"), "{}");
    fails(["status", "recs"], 2, /^xpartition status: recs: initialisation of this store did not complete \(no \/\.xpartition\/init\.json/);
    markInitComplete(s);
    fails(["status", "recs"], 2, /recs has no recorded plan/);
    writeFileSync(join(s, ".xpartition", "plan.json"), JSON.stringify({ ranks: 8, dims: ["time"] }));
    const rec = (r: number, extra = {}) =>
      writeFileSync(join(s, ".xpartition", "ranks", `${r}.json`), JSON.stringify({ rank: r, ranks: 8, dims: ["time"], fingerprint: planFingerprint({} as never, 8, ["time"]), generation: "g0", chunks: 2, bytesIn: 100, bytesOut: 50, ...extra }));
    for (const r of [0, 1, 2, 6]) rec(r);
    rec(7, { ranks: 4 }); // another plan's record: missing
    writeFileSync(join(s, ".xpartition", "ranks", "5.json"), "{not json");
    let r = xp(["status", "recs"]);
    expect(r.code).toBe(1);
    expect(r.out).toContain("complete: 4 of 8 ranks (8 chunks, 400 B in, 200 B out)");
    expect(r.out).toContain("missing: 4 ranks: 3-5,7");
    expect(r.out).toMatch(/rank 5: record invalid/);
    expect(r.out).toMatch(/rank 7: record stale \(written for 4 ranks\)/);
    expect(r.out).toMatch(/^resubmit: --array=3-5,7$/m);
    r = xp(["status", "recs", "--json"]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out)).toMatchObject({ ranks: 8, complete: [0, 1, 2, 6], missing: [3, 4, 5, 7], resubmit: "--array=3-5,7" });
    for (const k of [3, 4, 5, 7]) rec(k);
    r = xp(["status", "recs"]);
    expect(r.out).toContain("all ranks complete");
    expect(r.code).toBe(0);
    expect(JSON.parse(xp(["status", "recs", "--json"]).out).resubmit).toBeNull();
  });
});

describe("xpartition clean", () => {
  it("removes temporary files of interrupted writes older than --min-age, never a key; --dry-run lists them", () => {
    const s = join(dir, "cleanme");
    mkdirSync(join(s, "a", "c", "0"), { recursive: true });
    writeFileSync(join(s, "a", "c", "0", "0"), "chunk");
    writeFileSync(join(s, "zarr.json"), "{}");
    const old = [join(s, "a", "c", "0", ".0.123.abc.0.xptmp"), join(s, ".zarr.json.9.def.3.xptmp")];
    const fresh = join(s, "a", "c", "0", ".0.456.ghi.1.xptmp");
    for (const f of [...old, fresh]) writeFileSync(f, "partial");
    const past = new Date(Date.now() - 120_000);
    for (const f of old) utimesSync(f, past, past);
    let r = xp(["clean", "cleanme", "--dry-run"]);
    expect(r.code).toBe(0);
    expect(r.out.split("\n").filter((l) => l.endsWith(".xptmp")).sort()).toEqual([...old].sort());
    expect(r.out).toMatch(/cleanme: would remove 2 temporary files \(14 B\) left by interrupted writes/);
    expect([...old, fresh].every((f) => existsSync(f))).toBe(true);
    r = xp(["clean", "cleanme"]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/removed 2 temporary files/);
    expect(old.some((f) => existsSync(f))).toBe(false);
    expect(existsSync(fresh)).toBe(true); // younger than 60 s: maybe a live writer's
    expect(readFileSync(join(s, "a", "c", "0", "0"), "utf8")).toBe("chunk");
    r = xp(["clean", "cleanme", "--min-age", "0"]);
    expect(r.out).toMatch(/removed 1 temporary file \(7 B\)/);
    expect(existsSync(fresh)).toBe(false);
    expect(existsSync(join(s, "zarr.json"))).toBe(true);
    fails(["clean", "nowhere"], 2, /^xpartition clean: no such store: nowhere$/m);
    fails(["clean", "cleanme", "--min-age", "soon"], 2, /--min-age "soon" is not valid: expected an integer >= 0/);
    fails(["clean", "gs://bucket/x"], 2, /gs:\/\/bucket\/x is not a filesystem store/);
  });
});

describe("xpartition CLI with the writer", () => {
  const ds = () => join(root, "test", "fixtures", "small-dataset.mjs");

  it("plan: per variable and rank, idle ranks, spread; --json", () => {
    let r = xp(["plan", ds(), "--ranks", "4", "--dims", "time"]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^a \(time, x\) shape 12x10 chunks 2x5 float32$/m);
    expect(r.out).toMatch(/^  rank   1  time 4:8, x 0:10 +4 chunks  160 B$/m);
    expect(r.out).toMatch(/^  rank   3  idle +0 chunks  0 B$/m);
    expect(r.out).toMatch(/^idle ranks: 3 \(nothing to write\)$/m);
    expect(r.out).toMatch(/^per rank: 0\.\.5 chunks/m);
    r = xp(["plan", ds(), "--ranks", "4", "--dims", "time", "--json"]);
    const j = JSON.parse(r.out);
    expect(j.idle).toEqual([3]);
    expect(j.perRank.map((p: { chunks: number }) => p.chunks)).toEqual([5, 5, 5, 0]);
    fails(["plan", ds(), "--ranks", "4", "--dims", "y"], 1, /^xpartition plan: partition dim "y" is not a dimension of any chunked variable/m);
  });

  it("init, write each rank (--rank and every engine variable), status", () => {
    let r = xp(["init", ds(), "s1", "--ranks", "7", "--dims", "time"]);
    expect(r.code, r.err).toBe(0);
    // The plan records how to rebuild the dataset: the module's absolute URL.
    expect(JSON.parse(readFileSync(join(dir, "s1", ".xpartition", "plan.json"), "utf8"))).toEqual({ ranks: 7, dims: ["time"], source: { kind: "module", url: pathToFileURL(ds()).href } });
    fails(["init", ds(), "s1", "--ranks", "7", "--dims", "time"], 1, /already holds a zarr node .*pass --mode w to replace it/);
    r = xp(["status", "s1"]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^resubmit: --array=0-6$/m);
    const vars = ["SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX", "AWS_BATCH_JOB_ARRAY_INDEX", "CLOUD_RUN_TASK_INDEX", "BATCH_TASK_INDEX"];
    vars.forEach((name, rank) => {
      const w = xp(["write", ds(), "s1"], { [name]: String(rank) });
      expect(w.code, w.err).toBe(0);
      expect(w.out).toMatch(new RegExp(`^rank ${rank}/7 \\(from ${name}\\): \\d+ chunks`));
    });
    r = xp(["status", "s1"]);
    expect(r.out).toMatch(/^missing: 2 ranks: 5,6$/m);
    expect(r.out).toMatch(/^resubmit: --array=5,6$/m);
    r = xp(["write", ds(), "s1", "--rank", "5"], { OMPI_COMM_WORLD_RANK: "2" });
    expect(r.out).toMatch(/^rank 5\/7: 2 chunks/m);
    r = xp(["write", ds(), "s1", "--rank", "6"]);
    expect(r.out).toMatch(/^rank 6\/7: nothing to write \(idle rank\), recorded$/m);
    r = xp(["status", "s1"]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("all ranks complete");
    r = xp(["write", ds(), "s1"], { OMPI_COMM_WORLD_RANK: "1" });
    expect(r.out).toMatch(/^rank 1\/7 \(from OMPI_COMM_WORLD_RANK\)/);
    r = xp(["write", ds(), "s1"], { SGE_TASK_ID: "3" });
    expect(r.out).toMatch(/^rank 2\/7 \(from SGE_TASK_ID=3\)/);
  });

  it("a rank whose compute fails: one line, exit 1, no record; status names it", () => {
    expect(xp(["init", ds(), "s2", "--ranks", "3", "--dims", "time", "--zarr-format", "2"]).code).toBe(0);
    fails(["write", ds(), "s2", "--rank", "1"], 1, /^xpartition write: .*injected failure at time 4/, { XP_FAIL_TIME_START: "4" });
    expect(xp(["write", ds(), "s2", "--rank", "0"]).code).toBe(0);
    expect(xp(["write", ds(), "s2", "--rank", "2"]).code).toBe(0);
    const r = xp(["status", "s2", "--json"]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out)).toMatchObject({ complete: [0, 2], missing: [1], resubmit: "--array=1" });
  });

  it("a record from another schema counts as missing (fingerprint)", () => {
    const s = join(dir, "s3");
    expect(xp(["init", ds(), "s3", "--ranks", "2", "--dims", "time"]).code).toBe(0);
    expect(xp(["write", ds(), "s3", "--rank", "0"]).code).toBe(0);
    expect(xp(["write", ds(), "s3", "--rank", "1"]).code).toBe(0);
    const p = join(s, ".xpartition", "ranks", "1.json");
    const rec = JSON.parse(readFileSync(p, "utf8"));
    writeFileSync(p, JSON.stringify({ ...rec, fingerprint: "0".repeat(64) }));
    const r = xp(["status", "s3"]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/rank 1: record stale \(fingerprint does not match the store's schema and plan\)/);
    expect(r.out).toMatch(/^resubmit: --array=1$/m);
  });

  it("run: init plus every rank on the pool, plain progress lines off a terminal; --resume", () => {
    let r = xp(["run", ds(), "s4", "--ranks", "4", "--dims", "time,x", "--workers", "2"]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^run: 4 ranks written on 2 workers: 15 chunks/);
    expect(r.err.trim().split("\n")).toHaveLength(4);
    expect(r.err).toMatch(/^rank \d written: 4\/4 ranks done, 15 chunks/m);
    expect(xp(["status", "s4"]).code).toBe(0);
    rmSync(join(dir, "s4", ".xpartition", "ranks", "2.json"));
    r = xp(["run", ds(), "s4", "--ranks", "4", "--dims", "time,x", "--resume"]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^run: 1 ranks written, 3 already complete/);
    fails(["run", ds(), "s4", "--ranks", "4", "--dims", "time,x"], 1, /already holds a zarr node/);
    r = xp(["run", ds(), "s4", "--ranks", "2", "--dims", "time", "--resume"]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/ranks 2 does not match the plan recorded/);
  });

  it("run with a failing rank: exit 1 naming it; --resume completes", () => {
    let r = xp(["run", ds(), "s5", "--ranks", "3", "--dims", "time"], { XP_FAIL_TIME_START: "8" });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^xpartition run: writeAll: 1 of 3 ranks failed \(2\); rank 2: .*injected failure at time 8/m);
    r = xp(["run", ds(), "s5", "--ranks", "3", "--dims", "time", "--resume"]);
    expect(r.code, r.err).toBe(0);
    expect(xp(["status", "s5"]).code).toBe(0);
  });

  it("run: SIGINT stops handing out ranks, exits 130; --resume completes", async () => {
    const child = spawn(process.execPath, [bin, "run", ds(), "s6", "--ranks", "6", "--dims", "time", "--workers", "1"], {
      cwd: dir, env: { PATH: process.env.PATH!, XP_SLOW_MS: "150" },
    });
    let err = "";
    const code = await new Promise<number | null>((resolve) => {
      child.stderr.on("data", (d) => {
        err += d;
        if (/rank 0 written/.test(err) && !child.killed) child.kill("SIGINT");
      });
      child.on("exit", (c) => resolve(c));
    });
    expect(code).toBe(130);
    expect(err).toMatch(/^xpartition run: SIGINT: stopping: no new ranks or chunks, letting the chunk writes in flight finish/m);
    expect(err).toMatch(/aborted after \d of 6 ranks/);
    const st = JSON.parse(xp(["status", "s6", "--json"]).out);
    expect(st.complete.length).toBeGreaterThanOrEqual(1);
    expect(st.missing.length).toBeGreaterThanOrEqual(1);
    const r = xp(["run", ds(), "s6", "--ranks", "6", "--dims", "time", "--resume"]);
    expect(r.code, r.err).toBe(0);
    expect(xp(["status", "s6"]).code).toBe(0);
  });

  it("demo: D1 on the pool, complete", () => {
    const r = xp(["demo", "d1.zarr", "--time", "16", "--ranks", "2", "--workers", "2"]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^D1: time=16, tile=6, y=256, x=256 -> .*d1.zarr \(zarr v3, 2 ranks over time, Blosc lz4\+shuffle\)$/m);
    expect(r.out).toMatch(/^demo: 2 ranks written on 2 workers: 24 chunks, 50\.3 MB in/m);
    expect(xp(["status", "d1.zarr"]).out).toContain("all ranks complete");
  });
});
