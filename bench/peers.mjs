// Shared by the benchmarks that race whole processes against the Python peers (rechunk, netCDF): where the
// original xpartition is, and timing a command with its peak RSS (GNU time).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";

/** The directory holding the original xpartition.py at v0.2.2 ($XPARTITION_PY), or exit 2 saying how to get it. */
export function originalXpartition() {
  const xpy = process.env.XPARTITION_PY;
  if (!xpy || !existsSync(join(xpy, "xpartition.py"))) {
    console.error("XPARTITION_PY must name a directory holding the original xpartition.py at v0.2.2: see the header of bench/rechunk.bench.mjs");
    process.exit(2);
  }
  return xpy;
}

export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
export const mib = (b) => b / 2 ** 20;

/** Run a command under GNU time: wall seconds, peak RSS (bytes) and stdout. */
export function timed(cmd, args, env) {
  const t0 = performance.now();
  const r = spawnSync("/usr/bin/time", ["-v", cmd, ...args], { encoding: "utf8", env, maxBuffer: 1 << 26 });
  const seconds = (performance.now() - t0) / 1e3;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.status}):\n${r.stderr}`);
  const kb = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr)?.[1]);
  return { seconds, maxRSS: kb * 1024, stdout: r.stdout };
}
