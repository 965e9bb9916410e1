// Rechunking an existing store, whole processes side by side: a D1-sized zarr v2 store written by Debian's
// xarray (Blosc lz4+shuffle clevel 5, chunks (1, 1, 256, 256)) rechunked to (24, 1, 256, 256) by
//   ours: `xpartition run in.zarr out.zarr --chunks time=24 --ranks 2 --dims time --workers 2 --zarr-format 2`
//   peer: Debian's xarray + dask + the original xpartition v0.2.2 on a spawn Pool(2) (bench/rechunk_peer.py)
// Rounds alternate which side goes first. Both outputs are checked to have the same chunks, codec and values
// (equal to the source). Peak RSS: GNU time for our process (its 2 ranks are worker threads of one process),
// getrusage in each Python rank. Then one profiled in-process run of ours says where the time goes.
//
// Needs: apt-get install -y python3-xarray python3-dask python3-zarr python3-numcodecs, and the original
// xpartition v0.2.2 unpacked at $XPARTITION_PY:
//   git clone https://github.com/spencerkclark/xpartition /tmp/xp-src  (or the `fetch` tool's mirror)
//   mkdir -p /tmp/xpy022 && git -C /tmp/xp-src archive v0.2.2 | tar -x -C /tmp/xpy022
//   XPARTITION_PY=/tmp/xpy022 flock /tmp/xp-bench.lock node bench/rechunk.bench.mjs
// Env: BENCH_TIME (time length, default 96 = D1), BENCH_ROUNDS (default 3).
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { median, mib, originalXpartition, raceRounds, timed } from "./peers.mjs";
import { d1Generate } from "xpartition/demo";
import { FileSystemStore, initializeStore, openZarr, writePartition } from "xpartition";
import { kernels } from "xpartition/kernels";
import * as zarr from "zarrita";
import { bloscDecode, bloscHeader } from "../dist/codecs/blosc-decode.js";
import { pooledReader } from "../dist/sources/chunk-files.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const PY = "/usr/bin/python3";
const peer = join(root, "bench", "rechunk_peer.py");
const cli = join(root, "dist", "cli", "main.js");
const T = Number(process.env.BENCH_TIME ?? 96);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const xpy = originalXpartition();
const pyEnv = { ...process.env, PYTHONPATH: xpy, PYTHONWARNINGS: "ignore" };

const dir = mkdtempSync(join(tmpdir(), "xp-rechunk-"));
const src = join(dir, "in.zarr");

function ours(out) {
  const r = timed(process.execPath, [cli, "run", src, out, "--chunks", "time=24", "--ranks", "2", "--dims", "time", "--workers", "2", "--zarr-format", "2"], process.env);
  return { seconds: r.seconds, processMaxRSS: r.maxRSS };
}

function python(out) {
  const r = timed(PY, [peer, "rechunk", src, out, "2"], pyEnv);
  const j = JSON.parse(r.stdout.trim().split("\n").pop());
  return { seconds: r.seconds, innerSeconds: j.seconds, rankMaxRSS: j.ranks.map((x) => x.maxRSS), parentMaxRSS: j.parentMaxRSS };
}

/**
 * Where our time goes, one rank after the other in this process (each CLI worker does the same for its rank):
 * read = every source chunk's file read (pooled buffers as the source reader reads them, 8 at a time), decode = our Blosc kernel on those bytes from
 * memory into WASM memory, as the source reader does (src/codecs/blosc-decode.ts; numcodecs.js, which zarrita
 * would use, timed beside it), encode and store = writePartition's timings of the rechunk itself; the rest of
 * the rechunk's wall time is placing, scheduling and the block's writes.
 */
async function profile(out) {
  const fs = new FileSystemStore(src);
  const bytes = new Map();
  let readSeconds = 0;
  let numcodecsSeconds = 0;
  // The source reader's pooled chunk-file reads (src/sources/chunk-files.ts), 8 at a time as it fetches them.
  const files = pooledReader(256 * 256 * 4 + 16, async (p) => new Uint8Array(readFileSync(p)));
  const k = kernels();
  const cached = { get: async (k) => (bytes.has(k) ? bytes.get(k) : fs.get(k)) };
  let decodeSeconds = 0, chunks = 0;
  for (const v of ["temp", "wind"]) {
    const a = await zarr.open.v2(new zarr.Location(cached, `/${v}`), { kind: "array", attrs: false });
    const grid = a.shape.map((s, d) => Math.ceil(s / a.chunks[d]));
    const keys = [];
    for (let t = 0; t < grid[0]; t++) for (let k = 0; k < grid[1]; k++) keys.push(`/${v}/${t}.${k}.0.0`);
    // Reads in batches of 8, as the source reader fetches them.
    for (let i = 0; i < keys.length; i += 8) {
      const t1 = performance.now();
      const got = await Promise.all(keys.slice(i, i + 8).map(async (key) => {
        const b = await files.read(fs.path(key));
        const own = b.slice(); // kept for the decode timing below; the reader's buffer goes back to its pool
        files.release(b);
        return own;
      }));
      readSeconds += (performance.now() - t1) / 1e3;
      keys.slice(i, i + 8).forEach((key, j) => bytes.set(key, got[j]));
    }
    await a.getChunk([0, 0, 0, 0]); // the codec's WASM compiled before timing
    const t0 = performance.now();
    for (const key of keys) await a.getChunk(key.split("/")[2].split(".").map(Number)); // numcodecs.js (zarrita's default)
    numcodecsSeconds += (performance.now() - t0) / 1e3;
    const mark = k.arena.mark();
    const dst = k.arena.alloc(a.chunks.reduce((p, c) => p * c, 4));
    const t2 = performance.now();
    for (const key of keys) {
      const b = bytes.get(key);
      bloscDecode(b, new Uint8Array(k.memory.buffer, dst, bloscHeader(b).nbytes));
      chunks++;
    }
    decodeSeconds += (performance.now() - t2) / 1e3;
    k.arena.release(mark);
  }
  bytes.clear();
  const ds = (await openZarr(src)).chunk({ time: 24 });
  await initializeStore(ds, out, { zarrFormat: 2 });
  const t0 = performance.now();
  const recs = [];
  for (const rank of [0, 1]) recs.push(await writePartition(ds, out, { ranks: 2, rank, dims: ["time"] }));
  const seconds = (performance.now() - t0) / 1e3;
  const sum = (k) => recs.reduce((p, r) => p + r.timings[k], 0);
  const encodeSeconds = sum("encodeSeconds"), storeSeconds = sum("storeSeconds");
  return { seconds, sourceChunks: chunks, readSeconds, decodeSeconds, numcodecsDecodeSeconds: numcodecsSeconds, encodeSeconds, storeSeconds, computeSeconds: sum("computeSeconds"),
    // compute = read + decode + place (the store's writes overlap it on the writer thread).
    restSeconds: seconds - sum("computeSeconds") - encodeSeconds };
}

try {
  console.log(`D1 of time ${T}: ${(2 * T * 6 * 256 * 256 * 4 / 1e6).toFixed(0)} MB of float32, ${ROUNDS} rounds; load ${loadavg().map((x) => x.toFixed(2)).join(" ")}`);
  const raw = join(dir, "raw");
  mkdirSync(raw);
  for (const [k, v] of Object.entries(d1Generate(T))) writeFileSync(join(raw, `${k}.f32`), v);
  execFileSync(PY, [peer, "make", raw, String(T), src], { env: pyEnv, stdio: "inherit" });
  rmSync(raw, { recursive: true });

  const rounds = raceRounds(dir, ROUNDS, ours, python);
  const check = JSON.parse(execFileSync(PY, [peer, "compare", join(dir, "ours.zarr"), join(dir, "py.zarr"), src], { env: pyEnv, encoding: "utf8" }).trim().split("\n").pop());
  console.log(`outputs agree (chunks, codec, values = source): ${JSON.stringify(check)}`);

  const prof = await profile(join(dir, "prof.zarr"));
  console.log(`profile (in process, ranks one after the other): ${JSON.stringify(prof)}`);

  const ratios = rounds.map((r) => r.ratio);
  const result = {
    benchmark: "rechunk", date: new Date().toISOString(), node: process.version, time: T, rounds,
    medianOurs: median(rounds.map((r) => r.ours.seconds)), medianPeer: median(rounds.map((r) => r.peer.seconds)),
    medianRatio: median(ratios), ratioSpan: [Math.min(...ratios), Math.max(...ratios)], target: 3, check, profile: prof,
    loadAfter: loadavg(),
  };
  console.log(`median: ours ${result.medianOurs.toFixed(2)} s, peer ${result.medianPeer.toFixed(2)} s, ratio ${result.medianRatio.toFixed(2)}x (span ${result.ratioSpan.map((x) => x.toFixed(2)).join("-")}), target >= 3x ${result.medianRatio >= 3 ? "met" : "NOT met"}`);
  mkdirSync(join(root, "build", "bench"), { recursive: true });
  writeFileSync(join(root, "build", "bench", `rechunk${T === 96 ? "" : `-t${T}`}.json`), JSON.stringify(result, null, 2) + "\n");
} finally {
  rmSync(dir, { recursive: true, force: true });
}
