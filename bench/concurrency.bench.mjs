// `concurrency` inside one rank: the whole of D1 written by a single rank to the in-memory store with the
// default Blosc lz4+shuffle, concurrency 1 (slice + encode on the calling thread) vs 2 and 3 (slice + encode on
// encode threads, pipelined with the compute). D1 is generated once beforehand and the compute copies from it,
// so that the writer is measured, not the generator. Runs alternate; the median of each is reported, and the
// ratio against concurrency 1. Encode threads are started once per process: a first untimed run warms them.
// Run under the bench lock: `flock /tmp/xp-bench.lock npm run bench -- concurrency`.
import { d1Dataset, d1Generate, initializeStore, writePartition } from "xpartition";

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

for (const c of levels) await once(c); // warm-up: JIT, encode threads
const times = Object.fromEntries(levels.map((c) => [c, []]));
let last = {};
for (let i = 0; i < rounds; i++) for (const c of levels) {
  const r = await once(c);
  times[c].push(r.s);
  last[c] = r;
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`D1 (time ${time}): ${last[1].mbIn.toFixed(1)} MB, one rank, in-memory store, Blosc lz4+shuffle; ${rounds} rounds, median`);
for (const c of levels) {
  const m = median(times[c]);
  console.log(
    `  concurrency ${c}: ${m.toFixed(3)} s  ${(last[c].mbIn / m).toFixed(0)} MB/s  store ${(last[c].bytes / 1e6).toFixed(1)} MB` +
      `  speed-up vs 1: ${(median(times[1]) / m).toFixed(2)}x  (runs: ${times[c].map((t) => t.toFixed(3)).join(" ")})`,
  );
}
