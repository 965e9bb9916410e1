// `concurrency` inside one rank: the whole of D1 written by a single rank to the in-memory store with the
// default Blosc lz4+shuffle, concurrency 1 (slice + encode on the calling thread) vs 2 and 3 (slice + encode on
// encode threads, pipelined with the compute). D1 is generated once beforehand and the compute copies from it,
// so that the writer is measured, not the generator. Runs alternate; the median of each is reported, and the
// ratio against concurrency 1. Encode threads are started once per process: a first untimed run warms them.
// Run under the bench lock: `flock /tmp/xp-bench.lock npm run bench -- concurrency`.
import { Worker } from "node:worker_threads";
import { d1Dataset, d1Generate } from "xpartition/demo";
import { initializeStore, writePartition } from "xpartition";

/**
 * How much of a second core this process gets right now: a fixed integer loop on one thread, then on two
 * threads at once. 2.00x means two idle cores; on a machine shared with other jobs, less. Printed beside
 * the result, since no speed-up from threads can exceed it.
 */
async function parallelCapacity() {
  const code = `const { parentPort } = require("node:worker_threads");
    parentPort.on("message", (n) => { let x = 0; for (let i = 0; i < n; i++) x = (x * 31 + i) | 0; parentPort.postMessage(x); });`;
  const ws = [new Worker(code, { eval: true }), new Worker(code, { eval: true })];
  const run = (w, n) => new Promise((res) => { w.once("message", res); w.postMessage(n); });
  await Promise.all(ws.map((w) => run(w, 2e7)));
  const n = 1e8;
  let t = performance.now();
  await run(ws[0], n);
  const one = performance.now() - t;
  t = performance.now();
  await Promise.all(ws.map((w) => run(w, n)));
  const two = performance.now() - t;
  await Promise.all(ws.map((w) => w.terminate()));
  return (2 * one) / two;
}

const time = Number(process.env.XP_BENCH_TIME ?? 96);
const rounds = Number(process.env.XP_BENCH_ROUNDS ?? 5);
const ds = d1Dataset({ time, source: d1Generate(time) });
const levels = [1, 2, 3];

async function once(concurrency) {
  const store = new Map();
  await initializeStore(ds, store);
  const t0 = performance.now();
  const r = await writePartition(ds, store, { ranks: 1, dims: ["time"], rank: 0, concurrency });
  const s = (performance.now() - t0) / 1000;
  let bytes = 0;
  for (const [k, v] of store) if (!k.startsWith("/.xpartition")) bytes += v.length;
  return { s, mbIn: r.bytesIn / 1e6, bytes, compute: r.timings.computeSeconds };
}

const capacityBefore = await parallelCapacity();
for (const c of levels) await once(c); // warm-up: JIT, encode threads
const times = Object.fromEntries(levels.map((c) => [c, []]));
let last = {};
for (let i = 0; i < rounds; i++) for (const c of levels) {
  const r = await once(c);
  times[c].push(r.s);
  last[c] = r;
}
const capacityAfter = await parallelCapacity();
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`D1 (time ${time}): ${last[1].mbIn.toFixed(1)} MB, one rank, in-memory store, Blosc lz4+shuffle; ${rounds} rounds, median`);
console.log(`  machine: two threads do ${capacityBefore.toFixed(2)}x / ${capacityAfter.toFixed(2)}x the work of one (before / after; 2.00x = two idle cores)`);
for (const c of levels) {
  const m = median(times[c]);
  console.log(
    `  concurrency ${c}: ${m.toFixed(3)} s  ${(last[c].mbIn / m).toFixed(0)} MB/s  store ${(last[c].bytes / 1e6).toFixed(1)} MB` +
      `  speed-up vs 1: ${(median(times[1]) / m).toFixed(2)}x  (runs: ${times[c].map((t) => t.toFixed(3)).join(" ")})`,
  );
}
