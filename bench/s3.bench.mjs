// S3 writes (issue 13, Performance), side by side in one run, against a local S3 server (s3rver on 127.0.0.1,
// in a process of its own under --openssl-legacy-provider):
//  - ours: D1 written by `writeAll` (2 worker threads, 4 ranks along time) into an S3Store: compute, encoding,
//    Content-MD5 and SigV4 included, init included;
//  - boto3: the same already-encoded files (D1 written once to a local directory beforehand) uploaded with
//    Debian's python3-boto3 (bench/s3_upload.py: upload_file's TransferManager and its thread pool);
//    target: ours <= 1.2x boto3;
//  - discard: ours against the tests' proxy answering chunk PUTs 200 after checking Content-MD5, without
//    forwarding them (metadata and records still reach s3rver): the client's own cost;
//  - local dir: the same writeAll into a directory on tmpfs (/dev/shm): our side without any S3 request;
//  - cloud-like link: the proxy adding 30 ms per request and 50 MB/s per connection (chunks discarded after
//    the MD5 check, so that s3rver's own speed does not bound it), storeConcurrency 8, 32 and 64 (S3Store's
//    maxConcurrency raised to match), and the default (none given).
// Sides interleave (the order rotates each round); medians and spreads of BENCH_ROUNDS rounds (default 3).
// XP_BENCH_TIME=8 (time steps of D1, default 96) for a quick check. Results: build/bench/s3-t<time>.json.
// Needs /usr/bin/python3 with python3-boto3 (apt-get install -y python3-boto3). Under the bench lock:
// `flock /tmp/xp-bench.lock node bench/s3.bench.mjs` after `node scripts/build.mjs`.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { loadavg, cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { S3Store, writeAll } from "xpartition";

const root = fileURLToPath(new URL("..", import.meta.url));
const time = Number(process.env.XP_BENCH_TIME ?? 96);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
// BENCH_LEVELS="" leaves the cloud-like link out (quick runs).
const levels = (process.env.BENCH_LEVELS ?? "8,32,64").split(",").filter(Boolean).map(Number);
const PY = process.env.PYTHON ?? "/usr/bin/python3";
const creds = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };
const dataset = new URL(`../dist/demo/d1-module.js?time=${time}`, import.meta.url);
const common = { dataset, ranks: 4, dims: ["time"], workers: 2, init: "w" };
const CHUNK_KEYS = "(^|/)(temp|wind)/c/"; // D1's chunk keys (zarr v3): what the discard proxy drops

/** A child process printing one JSON line when ready; `ask` sends a line and reads the next JSON line. */
async function child(cmd, args) {
  const p = spawn(cmd, args, { stdio: ["pipe", "pipe", "inherit"] });
  const lines = [];
  let waiting;
  let buf = "";
  p.stdout.on("data", (d) => {
    buf += d;
    let i;
    while ((i = buf.indexOf("\n")) >= 0) {
      const l = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (waiting) [waiting, waiting = undefined][0](JSON.parse(l));
      else lines.push(JSON.parse(l));
    }
  });
  let failed;
  p.once("exit", (c) => failed?.(new Error(`${args.join(" ")} exited (${c})`)));
  const next = () => (lines.length ? Promise.resolve(lines.shift()) : new Promise((r, j) => ((waiting = r), (failed = j))));
  const ready = await next();
  return {
    ready,
    pid: p.pid,
    ask: (line) => (p.stdin.write(line + "\n"), next()),
    stop: () => new Promise((r) => (p.once("exit", r), p.stdin.end())),
  };
}

const s3dir = mkdtempSync(join(tmpdir(), "xp-bench-s3rver-"));
const s3 = await child(process.execPath, ["--openssl-legacy-provider", join(root, "test/helpers/s3rver-child.mjs"), s3dir, "bkt"]);
const s3rver = `http://127.0.0.1:${s3.ready.port}`;
const proxyChild = (o) => child(process.execPath, [join(root, "bench/s3-proxy-child.mjs"), s3rver, JSON.stringify(o)]);
const discard = await proxyChild({ discard: CHUNK_KEYS });
const cloud = await proxyChild({ discard: CHUNK_KEYS, latencyMs: 30, bytesPerSecond: 50e6 });

/** CPU seconds (user + system, all threads) a process has used, from /proc (Linux); NaN elsewhere. */
function cpuOf(pid) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return NaN;
  }
}
const ownCpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };

// tmpfs when there is one (the disk's own costs are not the point here).
const localBase = existsSync("/dev/shm") ? "/dev/shm" : tmpdir();
const store = (endpoint, prefix, o = {}) => new S3Store({ bucket: "bkt", prefix, endpoint, credentials: creds, env: {}, ...o });
const clear = (prefix) => store(s3rver, prefix).deletePrefix("/");

// The already-encoded files: D1 written once to a local directory (the same keys and bytes as the S3 stores).
const filesDir = join(mkdtempSync(join(tmpdir(), "xp-bench-s3files-")), "d1.zarr");
await writeAll({ ...common, store: filesDir });
let nFiles = 0, storeBytes = 0;
(function walk(d) {
  for (const e of readdirSync(d, { withFileTypes: true })) {
    if (e.isDirectory()) walk(join(d, e.name));
    else (nFiles++, (storeBytes += statSync(join(d, e.name)).size));
  }
})(filesDir);
const bytesIn = time * 6 * 256 * 256 * 4 * 2;

/** CPU seconds each process spent over `fn` (the timed part of a side): s3rver, the proxies, this process (all threads). */
async function cpuOver(fn) {
  const c0 = { own: ownCpu(), s3rver: cpuOf(s3.pid), proxy: cpuOf(discard.pid) + cpuOf(cloud.pid) };
  const r = await fn();
  return { ...r, clientCpu: r.clientCpu ?? ownCpu() - c0.own, s3rverCpu: cpuOf(s3.pid) - c0.s3rver, proxyCpu: cpuOf(discard.pid) + cpuOf(cloud.pid) - c0.proxy };
}

function ours(endpoint, prefix, o = {}, writeOpts = {}) {
  return cpuOver(async () => {
    const st = store(endpoint, prefix, o);
    const t0 = performance.now();
    const r = await writeAll({ ...common, ...writeOpts, store: st });
    const s = (performance.now() - t0) / 1000;
    if (r.written.length !== 4) throw new Error(`ours: ranks written ${r.written}`);
    return { s };
  });
}

function boto(prefix) {
  // The client's CPU is what python reports for itself (its uploads only).
  return cpuOver(async () => {
    const out = execFileSync(PY, [join(root, "bench/s3_upload.py"), s3rver, "bkt", prefix, filesDir], { encoding: "utf8" });
    const r = JSON.parse(out);
    if (r.files !== nFiles) throw new Error(`boto3 uploaded ${r.files} files, expected ${nFiles}`);
    return { s: r.seconds, clientCpu: r.cpuSeconds };
  });
}

async function viaProxy(proxy, run) {
  await proxy.ask("reset");
  const r = await run();
  const st = await proxy.ask("stats");
  return { ...r, requests: st.requests, discarded: st.discarded, discardedBytes: st.discardedBytes, badDigest: st.badDigest };
}

const tasks = {
  ours: async (i) => { const r = await ours(s3rver, `ours-${i}`); await clear(`ours-${i}`); return r; },
  boto3: async (i) => { const r = await boto(`boto-${i}`); await clear(`boto-${i}`); return r; },
  discard: (i) => viaProxy(discard, () => ours(discard.ready.endpoint, `discard-${i}`)),
  // The same write without S3 (compute, encoding, workers, records): what our side costs before any request.
  "local dir": (i) => cpuOver(async () => {
    const d = mkdtempSync(join(localBase, `xp-bench-s3-local-${i}-`));
    try {
      const t0 = performance.now();
      const r = await writeAll({ ...common, store: join(d, "d1.zarr") });
      if (r.written.length !== 4) throw new Error(`local: ranks written ${r.written}`);
      return { s: (performance.now() - t0) / 1000 };
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  }),
};
for (const c of levels) {
  tasks[`cloud c${c}`] = (i) => viaProxy(cloud, () => ours(cloud.ready.endpoint, `cloud${c}-${i}`, { maxConcurrency: Math.max(32, c) }, { storeConcurrency: c }));
}
if (levels.length) tasks["cloud default"] = (i) => viaProxy(cloud, () => ours(cloud.ready.endpoint, `clouddef-${i}`));

const loadBefore = loadavg();
const started = new Date();
await tasks.ours("warm");
await tasks.boto3("warm");
const names = Object.keys(tasks);
const results = Object.fromEntries(names.map((n) => [n, []]));
for (let r = 0; r < rounds; r++) {
  // The order rotates each round, so that no side always follows the same one.
  const order = names.map((_, i) => names[(i + r) % names.length]);
  for (const n of order) {
    const res = await tasks[n](r);
    results[n].push(res);
    process.stdout.write(`  round ${r + 1} ${n}: ${res.s.toFixed(3)} s (CPU s: client ${res.clientCpu.toFixed(2)}, s3rver ${res.s3rverCpu.toFixed(2)}, proxy ${res.proxyCpu.toFixed(2)})\n`);
  }
}
const loadAfter = loadavg();

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const summary = {};
for (const n of names) {
  const ss = results[n].map((x) => x.s);
  const m = median(ss);
  const reqs = results[n][0].requests;
  summary[n] = {
    medianSeconds: m, minSeconds: Math.min(...ss), maxSeconds: Math.max(...ss), runs: ss,
    cpuSeconds: Object.fromEntries(["clientCpu", "s3rverCpu", "proxyCpu"].map((k) => [k.replace("Cpu", ""), median(results[n].map((x) => x[k]))])),
    mbPerSecondIn: bytesIn / 1e6 / m, mbPerSecondStored: storeBytes / 1e6 / m,
    ...(reqs !== undefined ? { requests: reqs, requestsPerSecond: reqs / m, discarded: results[n][0].discarded, badDigest: results[n].reduce((a, x) => a + x.badDigest, 0) } : {}),
  };
}
const ratio = summary.ours.medianSeconds / summary.boto3.medianSeconds;
const out = {
  benchmark: "s3", date: started.toISOString(), node: process.version, cpus: cpus().length, cpuModel: cpus()[0]?.model,
  loadAverageBefore: loadBefore, loadAverageAfter: loadAfter, rounds, time, ranks: 4, workers: 2,
  files: nFiles, storeBytes, bytesIn, summary,
  oursOverBoto3: ratio, target: "ours <= 1.2x boto3", met: ratio <= 1.2,
};
mkdirSync(join(root, "build/bench"), { recursive: true });
writeFileSync(join(root, `build/bench/s3-t${time}.json`), JSON.stringify(out, null, 2) + "\n");

const f = (x, d = 2) => x.toFixed(d);
console.log(`\nD1 time ${time}: ${f(bytesIn / 1e6, 1)} MB in, ${nFiles} keys, ${f(storeBytes / 1e6, 1)} MB stored; ${rounds} rounds, median [min-max]`);
console.log(`load average before ${loadBefore.map((x) => f(x)).join(" ")}, after ${loadAfter.map((x) => f(x)).join(" ")} (${cpus().length} cpus)`);
for (const n of names) {
  const s = summary[n];
  console.log(
    `  ${n.padEnd(14)} ${f(s.medianSeconds, 3)} s [${f(s.minSeconds, 3)}-${f(s.maxSeconds, 3)}]  ${f(s.mbPerSecondIn, 0)} MB/s in  ${f(s.mbPerSecondStored, 0)} MB/s stored` +
      (s.requests !== undefined ? `  ${s.requests} requests, ${f(s.requestsPerSecond, 0)} req/s` : "") +
      `  CPU s: client ${f(s.cpuSeconds.client)}, s3rver ${f(s.cpuSeconds.s3rver)}, proxy ${f(s.cpuSeconds.proxy)}`,
  );
}
console.log(`  ours / boto3: ${f(ratio)}x (target <= 1.2x: ${ratio <= 1.2 ? "met" : "NOT met"}); discard / boto3: ${f(summary.discard.medianSeconds / summary.boto3.medianSeconds)}x`);

await Promise.all([discard.stop(), cloud.stop(), s3.stop()]);
rmSync(s3dir, { recursive: true, force: true });
rmSync(join(filesDir, ".."), { recursive: true, force: true });
