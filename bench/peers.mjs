// Shared by the benchmarks that race whole processes against the Python peers (rechunk, netCDF): where the
// original xpartition is, and timing a command with its peak RSS (GNU time).
import { spawnSync } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { loadavg } from "node:os";
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

/**
 * `rounds` rounds of ours against the Python peer, interleaved (who goes first alternates), each writing a
 * fresh `ours.zarr` / `py.zarr` under `dir`; logs each round and returns them with their ratios.
 */
export function raceRounds(dir, rounds, ours, python) {
  const out = [];
  for (let i = 0; i < rounds; i++) {
    const [a, b] = [join(dir, "ours.zarr"), join(dir, "py.zarr")];
    rmSync(a, { recursive: true, force: true });
    rmSync(b, { recursive: true, force: true });
    const round = { load1: loadavg()[0] };
    if (i % 2 === 0) { round.ours = ours(a); round.peer = python(b); } else { round.peer = python(b); round.ours = ours(a); }
    round.ratio = round.peer.seconds / round.ours.seconds;
    out.push(round);
    console.log(`round ${i + 1}: ours ${round.ours.seconds.toFixed(2)} s (process peak ${mib(round.ours.processMaxRSS).toFixed(0)} MiB), ` +
      `xarray+dask+xpartition 0.2.2 ${round.peer.seconds.toFixed(2)} s (rank peaks ${round.peer.rankMaxRSS.map((x) => mib(x).toFixed(0)).join(", ")} MiB): ${round.ratio.toFixed(2)}x`);
  }
  return out;
}
