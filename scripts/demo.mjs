// `npm run demo [-- <store-path> [time-length] [ranks]]`: builds the benchmark dataset D1 lazily, initialises
// a zarr store in a local folder, writes every rank in turn, and prints what it wrote.
import { rmSync } from "node:fs";
import { resolve } from "node:path";
import { d1Dataset, initializeStore, writePartition } from "xpartition";

const [storeArg = "d1.zarr", timeArg = "96", ranksArg = "4"] = process.argv.slice(2);
const store = resolve(storeArg);
const time = Number(timeArg), ranks = Number(ranksArg);
if (!Number.isInteger(time) || time < 1 || !Number.isInteger(ranks) || ranks < 1) {
  console.error("usage: npm run demo -- [store-path] [time-length >= 1] [ranks >= 1]");
  process.exit(2);
}
const dims = ["time"];
const ds = d1Dataset({ time });
console.log(`D1: ${Object.entries(ds.sizes).map(([d, n]) => `${d}=${n}`).join(", ")} -> ${store} (zarr v3, ${ranks} ranks over ${dims.join(",")})`);
for (const [name, v] of Object.entries(ds.dataVars)) {
  const nchunks = v.chunks.reduce((p, c) => p * c.length, 1);
  console.log(`  ${name.padEnd(5)} ${v.dtype} [${v.shape.join(", ")}] chunks [${v.chunks.map((c) => c[0]).join(", ")}] (${nchunks} chunks)`);
}
const t0 = performance.now();
await initializeStore(ds, store, { zarrFormat: 3, mode: "w" });
let chunks = 0, bytesIn = 0, bytesOut = 0, compute = 0, encode = 0;
for (let rank = 0; rank < ranks; rank++) {
  const r = await writePartition(ds, store, { ranks, dims, rank });
  chunks += r.chunks;
  bytesIn += r.bytesIn;
  bytesOut += r.bytesOut;
  compute += r.timings.computeSeconds;
  encode += r.timings.encodeSeconds;
  console.log(`  rank ${rank}/${ranks}: ${r.idle ? "idle" : `${r.chunks} chunks, ${(r.bytesIn / 1e6).toFixed(1)} MB -> ${(r.bytesOut / 1e6).toFixed(1)} MB in ${r.timings.seconds.toFixed(2)} s`}`);
}
const s = (performance.now() - t0) / 1000;
console.log(`wrote ${chunks} chunks: ${(bytesIn / 1e6).toFixed(1)} MB in, ${(bytesOut / 1e6).toFixed(1)} MB out, ratio ${(bytesIn / bytesOut).toFixed(2)}, ${s.toFixed(2)} s, ${(bytesIn / 1e6 / s).toFixed(0)} MB/s (Blosc lz4+shuffle, one process)`);
console.log(`  of which computing D1's values ${compute.toFixed(2)} s, slicing + encoding ${encode.toFixed(2)} s (${(bytesIn / 1e6 / encode).toFixed(0)} MB/s)`);
if (process.env.XP_DEMO_CLEANUP) rmSync(store, { recursive: true, force: true });
