// The array-job workflow on a real (single-node, localhost) SLURM cluster: `xpartition init`, `sbatch -W
// --array=0-7` of examples/slurm/write.sbatch (rank from SLURM_ARRAY_TASK_ID), `xpartition status`, and the
// store byte-identical to one written in-process. Then one failing index: sbatch -W fails, status names
// exactly that rank, and resubmitting only it completes the store, byte-identical again.
import { describe, expect, it, beforeAll, afterAll } from "vitest";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { initializeStore, openMfDataset, writePartition, Dataset } from "xpartition";
import { snapshotStore } from "../fixtures/snapshot.js";

const root = resolve(import.meta.dirname, "../..");
const cli = join(root, "dist", "cli", "main.js");
const example = join(root, "examples", "slurm");
const dataset = join(example, "dataset.mjs");
const RANKS = 8;
let work = "";
let startedCluster = false;

// Every child has a deadline: a blocked spawnSync cannot be interrupted by vitest's test timeout, so a hang
// here would otherwise hang the whole CI run. On a timeout the cluster's state goes to stderr.
const DEADLINE_MS = 240_000;
function diagnose(what: string) {
  const run = (c: string, a: string[]) => spawnSync(c, a, { encoding: "utf8", timeout: 15_000 });
  const parts = [`--- ${what} timed out; cluster state:`];
  for (const [c, a] of [["squeue", ["-a"]], ["sinfo", ["-N", "-l"]], ["scontrol", ["show", "jobs"]], ["tail", ["-n", "30", "/var/log/slurm/slurmctld.log", "/var/log/slurm/slurmd.log"]]] as const) {
    const r = run(c, [...a]);
    parts.push(`$ ${c} ${a.join(" ")}`, r.stdout ?? "", r.stderr ?? "");
  }
  console.error(parts.join("\n"));
  run("scancel", ["--user", "root"]);
}
function sh(cmd: string, args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(cmd, args, { cwd: work, encoding: "utf8", timeout: DEADLINE_MS, killSignal: "SIGKILL", env: { ...process.env, XPARTITION: `${process.execPath} ${cli}`, ...env } });
  if (r.error) {
    diagnose(`${cmd} ${args.join(" ")}`);
    throw new Error(`${cmd} ${args.join(" ")}: ${r.error.message} (deadline ${DEADLINE_MS / 1000} s)`);
  }
  return { code: r.status, out: r.stdout, err: r.stderr };
}
const script = (name: string) => execFileSync("bash", [join(root, "scripts", "slurm", name)], { stdio: "inherit", timeout: DEADLINE_MS, killSignal: "SIGKILL" });
const xp = (args: string[]) => sh(process.execPath, [cli, ...args]);

// The CLI's plan record is absent from the in-process reference store.
const snapshot = (dir: string) => snapshotStore(dir, { skip: ["/.xpartition/plan.json"] }).keys;

function expectSameStore(a: string, b: string) {
  const sa = snapshot(a), sb = snapshot(b);
  expect([...sa.keys()].sort()).toEqual([...sb.keys()].sort());
  for (const [k, v] of sa) expect(sb.get(k), k).toBe(v);
}

// Test runs side by side (several checkouts on one machine) share the cluster: each registers itself, and the
// run that started the cluster stops it only when no other registered run is alive.
const USERS = "/run/xpartition-slurm-users";
const me = join(USERS, String(process.pid));
const othersAlive = () => readdirSync(USERS).filter((p) => p !== String(process.pid) && existsSync(`/proc/${p}`)).length > 0;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "xpartition-slurm-"));
  mkdirSync(USERS, { recursive: true });
  writeFileSync(me, "");
  startedCluster = spawnSync("scontrol", ["ping"], { encoding: "utf8" }).status !== 0;
  script("start.sh");
  // The reference: the same dataset module, every rank written in this process through the library.
  const { default: build } = await import(dataset);
  const ds = (await build()) as Dataset;
  const ref = join(work, "reference.zarr");
  await initializeStore(ds, ref, {});
  for (let rank = 0; rank < RANKS; rank++) await writePartition(ds, ref, { ranks: RANKS, dims: ["time"], rank });
});

afterAll(() => {
  rmSync(me, { force: true });
  if (startedCluster && !othersAlive()) script("stop.sh");
});

describe("SLURM array job", () => {
  it("start.sh leaves its lock free: no daemon inherits the lock's file descriptor", () => {
    // A daemon holding /run/xpartition-slurm.lock made the next stop.sh wait forever (a CI run timed out so).
    const holders: string[] = [];
    for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
      let fds: string[] = [];
      try { fds = readdirSync(`/proc/${pid}/fd`); } catch { continue; }
      for (const fd of fds) {
        let target = "";
        try { target = readlinkSync(`/proc/${pid}/fd/${fd}`); } catch { continue; }
        if (target === "/run/xpartition-slurm.lock") holders.push(`${pid} (${readFileSync(`/proc/${pid}/comm`, "utf8").trim()})`);
      }
    }
    expect(holders).toEqual([]);
    expect(spawnSync("flock", ["-n", "/run/xpartition-slurm.lock", "true"]).status).toBe(0);
  });

  it("init, sbatch -W --array=0-7, status complete, byte-identical to an in-process write", () => {
    let r = xp(["init", dataset, "ok.zarr", "--ranks", String(RANKS), "--dims", "time"]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    r = sh("sbatch", ["-W", `--array=0-${RANKS - 1}`, join(example, "write.sbatch"), dataset, "ok.zarr"]);
    expect(r.code, r.err).toBe(0);
    const job = /Submitted batch job (\d+)/.exec(r.out)![1]!;
    const logs = readdirSync(work).filter((f) => f.startsWith(`xpartition-${job}_`));
    expect(logs).toHaveLength(RANKS);
    expect(readFileSync(join(work, `xpartition-${job}_3.out`), "utf8")).toMatch(/^rank 3\/8 \(from SLURM_ARRAY_TASK_ID\): 4 chunks/m);
    r = xp(["status", "ok.zarr"]);
    expect(r.out).toContain("complete: 8 of 8 ranks");
    expect(r.out).toContain("all ranks complete");
    expect(r.code).toBe(0);
    expectSameStore(join(work, "ok.zarr"), join(work, "reference.zarr"));
  });

  it("a failing index: sbatch -W fails, status names it, resubmitting only it completes the store", () => {
    const K = 5;
    expect(xp(["init", dataset, "fail.zarr", "--ranks", String(RANKS), "--dims", "time"]).code).toBe(0);
    let r = sh("sbatch", ["-W", `--array=0-${RANKS - 1}`, join(example, "write.sbatch"), dataset, "fail.zarr"], { XPARTITION_EXAMPLE_FAIL_RANK: String(K) });
    expect(r.code).not.toBe(0);
    const job = /Submitted batch job (\d+)/.exec(r.out)![1]!;
    expect(readFileSync(join(work, `xpartition-${job}_${K}.out`), "utf8")).toMatch(/^xpartition write: .*XPARTITION_EXAMPLE_FAIL_RANK=5: failing on purpose/m);
    r = xp(["status", "fail.zarr"]);
    expect(r.code).toBe(1);
    expect(r.out).toContain("complete: 7 of 8 ranks");
    expect(r.out).toMatch(/^missing: 1 rank: 5$/m);
    expect(r.out).toMatch(/^resubmit: --array=5$/m);
    const resubmit = /^resubmit: (--array=\S+)$/m.exec(r.out)![1]!;
    r = sh("sbatch", ["-W", resubmit, join(example, "write.sbatch"), dataset, "fail.zarr"]);
    expect(r.code, r.err).toBe(0);
    r = xp(["status", "fail.zarr"]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("all ranks complete");
    expectSameStore(join(work, "fail.zarr"), join(work, "reference.zarr"));
  });

  it("netCDF: init from a glob, an array job of `write STORE` (the source init recorded), status complete, byte-identical to an in-process conversion", async () => {
    // 6 netCDF-4 files by netCDF4-python (zlib+shuffle, unlimited time).
    mkdirSync(join(work, "model"));
    execFileSync("/usr/bin/python3", ["-W", "ignore", "-c", `
import sys, numpy as np, netCDF4 as nc
for i in range(6):
    d = nc.Dataset(f'{sys.argv[1]}/model/out_{i}.nc', 'w'); d.createDimension('time', None); d.createDimension('x', 5)
    t = d.createVariable('time', 'f8', ('time',)); t.units = 'days since 2000-01-01'; t[:] = [2 * i, 2 * i + 1]
    v = d.createVariable('v', 'f4', ('time', 'x'), zlib=True, shuffle=True, chunksizes=(1, 5)); v[:] = np.arange(10).reshape(2, 5) + 10 * i
    d.close()
`, work]);
    const ds = await openMfDataset(join(work, "model", "out_*.nc"), { concatDim: "time" });
    await initializeStore(ds, join(work, "nc-reference.zarr"), {});
    for (let rank = 0; rank < 4; rank++) await writePartition(ds, join(work, "nc-reference.zarr"), { ranks: 4, dims: ["time"], rank });
    let r = xp(["init", "model/out_*.nc", "nc.zarr", "--concat-dim", "time", "--ranks", "4", "--dims", "time"]);
    expect(r.code, r.err).toBe(0);
    r = sh("sbatch", ["-W", "--array=0-3", join(example, "write.sbatch"), "nc.zarr"]);
    expect(r.code, r.err).toBe(0);
    r = xp(["status", "nc.zarr"]);
    expect(r.out).toContain("all ranks complete");
    expectSameStore(join(work, "nc.zarr"), join(work, "nc-reference.zarr"));
  });
});
