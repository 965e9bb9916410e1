// Many netCDF files into one zarr store, whole processes side by side: D1 split into 48 netCDF-4 files (2 time
// steps each, deflate level 1 + shuffle, HDF5 chunks (1, 1, 256, 256), written by python3-netcdf4 here),
// converted to zarr v2 with chunks (8, 1, 256, 256), Blosc lz4+shuffle clevel 5, by
//   ours: `xpartition run 'in/out_*.nc' out.zarr --concat-dim time --chunks time=8 --ranks 2 --dims time --workers 2`
//   peer: Debian's xarray open_mfdataset(nested, minimal, override) + dask + the original xpartition v0.2.2 on
//         a spawn Pool(2) (bench/netcdf_peer.py)
// Rounds alternate which side goes first; both outputs are checked (same chunks and codec; xarray reads both
// equal to open_mfdataset of the inputs). Peak RSS: GNU time for our process (its 2 ranks are worker threads of
// one process), getrusage in each Python rank. One profiled in-process run of ours says where the time goes
// (HDF5 reads + inflate, slicing, encoding, writing). Then the many-files case: a rank of 16 over 1 000 tiny
// files, rebuilt from init's per-file records: files it opens and its time to first chunk.
// Writes build/bench/netcdf.json and bench/netcdf.svg (each side's time by phase).
//
// Needs: apt-get install -y python3-netcdf4 python3-xarray python3-dask python3-zarr python3-numcodecs, and the
// original xpartition v0.2.2 unpacked at $XPARTITION_PY (see bench/rechunk.bench.mjs):
//   XPARTITION_PY=/tmp/xpy022 flock /tmp/xp-bench.lock node bench/netcdf.bench.mjs
// Env: BENCH_TIME (default 96 = D1; 48 files of TIME/48 steps), BENCH_ROUNDS (default 3), BENCH_MANY (default 1000).
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { median, mib, originalXpartition, raceRounds, timed } from "./peers.mjs";
import { d1Generate } from "xpartition/demo";
import { initializeStore, openMfDataset, openSource, writePartition } from "xpartition";
import { mfOpenedFiles } from "../dist/sources/netcdf/mf.js";
import { h5Files } from "../dist/sources/netcdf/hdf5.js";
import { rawFiles } from "../dist/sources/netcdf/h5direct.js";
import { chartSvg } from "./netcdf-chart.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const PY = "/usr/bin/python3";
const peer = join(root, "bench", "netcdf_peer.py");
const cli = join(root, "dist", "cli", "main.js");
const T = Number(process.env.BENCH_TIME ?? 96);
const FILES = 48;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const MANY = Number(process.env.BENCH_MANY ?? 1000);
const xpy = originalXpartition();
if (T % FILES) throw new Error(`BENCH_TIME ${T} must be a multiple of ${FILES}`);
const pyEnv = { ...process.env, PYTHONPATH: xpy, PYTHONWARNINGS: "ignore" };
const BLOSC = { id: "blosc", cname: "lz4", clevel: 5, shuffle: 1, blocksize: 0 };
const ENCODING = { temp: { compressor: BLOSC }, wind: { compressor: BLOSC } };

const dir = mkdtempSync(join(tmpdir(), "xp-netcdf-bench-"));
const inDir = join(dir, "in");

function ours(out) {
  const r = timed(process.execPath, [cli, "run", join(inDir, "out_*.nc"), out, "--concat-dim", "time", "--chunks", "time=8", "--ranks", "2", "--dims", "time",
    "--workers", "2", "--zarr-format", "2", "--encoding", JSON.stringify(ENCODING)], process.env);
  return { seconds: r.seconds, processMaxRSS: r.maxRSS };
}

function python(out) {
  const r = timed(PY, [peer, "convert", inDir, out, "2"], pyEnv);
  const j = JSON.parse(r.stdout.trim().split("\n").pop());
  return { seconds: r.seconds, innerSeconds: j.seconds, initSeconds: j.initSeconds, rankSeconds: j.ranks.map((x) => x.seconds), rankMaxRSS: j.ranks.map((x) => x.maxRSS), parentMaxRSS: j.parentMaxRSS };
}

/**
 * Where our time goes, ranks one after the other in this process: read+inflate = every HDF5 chunk of both
 * variables read whole (direct reads, src/sources/netcdf/h5direct.ts: pread, node:zlib inflate, our unshuffle
 * kernel; into fresh arrays here, into the writer's blocks in a rank); writePartition's own timings
 * give compute (read+inflate+slicing into output blocks) and encode; slicing = compute - read+inflate; writing
 * = the rest of the wall time (one store write at a time: the writer's own storeSeconds add up overlapping
 * writes, so they are kept in the JSON but not charted).
 */
async function profile(out) {
  const ds = await openMfDataset(join(inDir, "out_*.nc"), { concatDim: "time" });
  let readSeconds = 0;
  // Twice, the second timed: files and WASM warm, as for the write that follows.
  for (const pass of [0, 1]) {
    readSeconds = 0;
    for (const v of ["temp", "wind"]) {
      const t0 = performance.now();
      for (let t = 0; t < T; t++) for (let k = 0; k < 6; k++) await ds.get(v).data.compute([{ start: t, stop: t + 1 }, { start: k, stop: k + 1 }, { start: 0, stop: 256 }, { start: 0, stop: 256 }]);
      readSeconds += (performance.now() - t0) / 1e3;
    }
  }
  const fresh = (await openMfDataset(join(inDir, "out_*.nc"), { concatDim: "time" })).chunk({ time: 8 });
  await initializeStore(fresh, out, { zarrFormat: 2, encoding: ENCODING });
  const t0 = performance.now();
  const recs = [];
  for (const rank of [0, 1]) recs.push(await writePartition(fresh, out, { ranks: 2, rank, dims: ["time"], storeConcurrency: 1 }));
  const seconds = (performance.now() - t0) / 1e3;
  const sum = (k) => recs.reduce((p, r) => p + r.timings[k], 0);
  const computeSeconds = sum("computeSeconds"), encodeSeconds = sum("encodeSeconds"), storeSeconds = sum("storeSeconds");
  return { seconds, readInflateSeconds: readSeconds, computeSeconds, slicingSeconds: Math.max(0, computeSeconds - readSeconds), encodeSeconds,
    writingSeconds: Math.max(0, seconds - computeSeconds - encodeSeconds), storeSecondsSummed: storeSeconds };
}

/** A rank of 16 over MANY one-step files, from init's records: time to its first chunk and files opened. */
async function manyFiles() {
  const many = join(dir, "many");
  mkdirSync(many);
  execFileSync(PY, [peer, "small", many, String(MANY)], { env: pyEnv, stdio: "inherit" });
  const store = join(dir, "many.zarr");
  const init = timed(process.execPath, [cli, "init", join(many, "f_*.nc"), store, "--concat-dim", "time", "--ranks", "16", "--dims", "time"], process.env);
  const plan = JSON.parse(readFileSync(join(store, ".xpartition", "plan.json"), "utf8"));
  const before = mfOpenedFiles(), opens0 = h5Files.opens, direct0 = rawFiles.opens;
  const t0 = performance.now();
  const ds = await openSource(plan.source);
  const rank = 5, per = Math.ceil(MANY / 16), start = rank * per;
  await ds.get("v").data.compute([{ start, stop: start + 1 }, { start: 0, stop: 64 }]);
  const firstChunkSeconds = (performance.now() - t0) / 1e3;
  const openedForFirst = mfOpenedFiles() - before;
  await ds.get("v").data.compute([{ start, stop: Math.min(MANY, start + per) }, { start: 0, stop: 64 }]);
  return { files: MANY, initSeconds: init.seconds, rank, ranks: 16, firstChunkSeconds, filesOpenedForFirstChunk: openedForFirst,
    filesOpenedForWholeRank: mfOpenedFiles() - before, hdf5Opens: h5Files.opens - opens0, directOpens: rawFiles.opens - direct0, descriptorCap: rawFiles.max };
}

try {
  console.log(`D1 of time ${T} in ${FILES} netCDF-4 files, ${ROUNDS} rounds; load ${loadavg().map((x) => x.toFixed(2)).join(" ")}`);
  const raw = join(dir, "raw");
  mkdirSync(raw);
  mkdirSync(inDir);
  for (const [k, v] of Object.entries(d1Generate(T))) writeFileSync(join(raw, `${k}.f32`), v);
  execFileSync(PY, [peer, "make", raw, String(T), inDir, String(FILES)], { env: pyEnv, stdio: "inherit" });
  rmSync(raw, { recursive: true });

  const rounds = raceRounds(dir, ROUNDS, ours, python);
  const check = JSON.parse(execFileSync(PY, [peer, "compare", join(dir, "ours.zarr"), join(dir, "py.zarr"), inDir], { env: pyEnv, encoding: "utf8" }).trim().split("\n").pop());
  console.log(`outputs agree (chunks, codec; xarray reads both equal to open_mfdataset): ${JSON.stringify(check)}`);

  const prof = await profile(join(dir, "prof.zarr"));
  console.log(`profile (in process, ranks one after the other): ${JSON.stringify(prof)}`);
  const many = MANY > 0 ? await manyFiles() : undefined;
  if (many) console.log(`${MANY} files, rank ${many.rank} of 16 from init's records: first chunk ${many.firstChunkSeconds.toFixed(3)} s, files opened ${many.filesOpenedForFirstChunk} (whole rank ${many.filesOpenedForWholeRank}; at most ${many.descriptorCap} held open); init ${many.initSeconds.toFixed(2)} s`);

  const ratios = rounds.map((r) => r.ratio);
  const result = {
    benchmark: "netcdf", date: new Date().toISOString(), node: process.version, time: T, files: FILES, rounds,
    medianOurs: median(rounds.map((r) => r.ours.seconds)), medianPeer: median(rounds.map((r) => r.peer.seconds)),
    medianRatio: median(ratios), ratioSpan: [Math.min(...ratios), Math.max(...ratios)], target: 3, check, profile: prof, many,
    loadBefore: rounds[0].load1, loadAfter: loadavg(),
  };
  console.log(`median: ours ${result.medianOurs.toFixed(2)} s, peer ${result.medianPeer.toFixed(2)} s, ratio ${result.medianRatio.toFixed(2)}x (span ${result.ratioSpan.map((x) => x.toFixed(2)).join("-")}), target >= 3x ${result.medianRatio >= 3 ? "met" : "NOT met"}`);
  mkdirSync(join(root, "build", "bench"), { recursive: true });
  const name = `netcdf${T === 96 ? "" : `-t${T}`}`;
  writeFileSync(join(root, "build", "bench", `${name}.json`), JSON.stringify(result, null, 2) + "\n");
  writeFileSync(join(root, "bench", `${name}.svg`), chartSvg(result));
  console.log(`wrote build/bench/${name}.json and bench/${name}.svg`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
