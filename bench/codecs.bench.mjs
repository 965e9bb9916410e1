// Codec benchmarks: Blosc lz4+shuffle and raw LZ4 blocks (and, for information, Blosc's other inner codecs),
// side by side with their JS/WASM peers in one run,
// over distinct 2 MiB chunks of D1 float32 (never one cache-resident buffer). Single thread.
// Run: `flock /tmp/xp-bench.lock npm run bench -- codecs` (the runner passes --experimental-wasm-modules).
import { Bench } from "tinybench";
import { Blosc } from "numcodecs";
import * as lz4wasm from "lz4-wasm/lz4_wasm.js";
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync, statSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { codec } from "xpartition";
import { byteShuffle, lz4CompressBlock, kernels } from "xpartition/kernels";
import { BloscCodec } from "xpartition/codecs";
import { d1Chunks } from "./d1-chunks.mjs";

const NCHUNKS = 24;
const chunks = d1Chunks(NCHUNKS);
const MB = chunks[0].byteLength / 1e6;
const shuffled = chunks.map((c) => byteShuffle(c, 4));

const time = Number(process.env.BENCH_TIME ?? 700);
const results = [];

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const best = (xs) => Math.min(...xs);

/**
 * Time ours, the peer (and our zero-copy variant) over the chunks in ROUNDS alternating rounds. The machine is
 * shared with other jobs, so each round keeps the median per-chunk latency and the task's figure is its best
 * round: a load spike in one task's round does not decide a ratio.
 */
async function pair(title, ours, peer, size) {
  const tasks = [ours, peer, ...(ours.span ? [ours.span] : [])];
  const means = tasks.map(() => []);
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 ? [...tasks.keys()].reverse() : [...tasks.keys()];
    for (const t of order) {
      const bench = new Bench({ time, warmupTime: 200 });
      let i = 0;
      const fn = tasks[t].fn;
      bench.add(tasks[t].name, async () => { await fn(i++ % NCHUNKS); });
      await bench.run();
      means[t].push(bench.tasks[0].result.latency.p50);
    }
  }
  const mbps = (t) => MB / (best(means[t]) / 1000);
  const a = { name: ours.name, t: 0 };
  const b = { name: peer.name, t: 1 };
  const c = ours.span ? { name: ours.span.name, t: 2 } : undefined;
  let bytesOurs = 0;
  let bytesPeer = 0;
  for (let k = 0; k < NCHUNKS; k++) {
    bytesOurs += await size.ours(k);
    bytesPeer += await size.peer(k);
  }
  const ratioOurs = (NCHUNKS * MB * 1e6) / bytesOurs;
  const ratioPeer = (NCHUNKS * MB * 1e6) / bytesPeer;
  const row = {
    title,
    ours: `${a.name}: ${mbps(a.t).toFixed(0)} MB/s, ratio ${ratioOurs.toFixed(4)}`,
    peer: `${b.name}: ${mbps(b.t).toFixed(0)} MB/s, ratio ${ratioPeer.toFixed(4)}`,
    span: c ? `${c.name}: ${mbps(c.t).toFixed(0)} MB/s` : undefined,
    speedup: mbps(a.t) / mbps(b.t),
    spanSpeedup: c ? mbps(c.t) / mbps(b.t) : undefined,
    ratioRel: ratioOurs / ratioPeer,
  };
  results.push(row);
  console.log(`\n${title}\n  ${row.ours}\n  ${row.peer}${row.span ? `\n  ${row.span}` : ""}\n  throughput x${row.speedup.toFixed(2)}${c ? ` (zero-copy span x${row.spanSpeedup.toFixed(2)})` : ""}, compression ratio x${row.ratioRel.toFixed(4)} of the peer`);
}

// Blosc lz4 + byte shuffle, clevel 5 (typesize 4: the peer always uses 4, so this is like for like).
const ours = codec({ id: "blosc", cname: "lz4", clevel: 5, shuffle: 1, blocksize: 0 });
const peer = Blosc.fromConfig({ id: "blosc", cname: "lz4", clevel: 5, shuffle: 1, blocksize: 0 });
const peerBytes = chunks.map((c) => new Uint8Array(c.buffer));
const k = kernels();
// Chunks already in WASM memory (how the writer hands them over): the zero-copy span path.
const spanPtrs = chunks.map((c) => { const p = k.arena.alloc(c.byteLength); k.u8.set(new Uint8Array(c.buffer), p); return p; });
const spanLen = chunks[0].byteLength;
const bloscSpan = (idx) => { const m = k.arena.mark(); ours.encodeSpan(k, { ptr: spanPtrs[idx], len: spanLen }, 4); k.arena.release(m); };
await pair(
  "Blosc lz4 + shuffle, clevel 5, D1 float32 2 MiB chunks",
  { name: "xpartition Blosc (encode, copy in/out)", fn: (idx) => ours.encodeSync(chunks[idx]), span: { name: "xpartition Blosc (encodeSpan, zero copy)", fn: bloscSpan } },
  { name: "numcodecs.js Blosc", fn: (idx) => peer.encode(peerBytes[idx]) },
  { ours: (idx) => ours.encodeSync(chunks[idx]).length, peer: async (idx) => (await peer.encode(peerBytes[idx])).length },
);

// Raw LZ4 blocks of byte-shuffled chunks, acceleration 1 (lz4-wasm = lz4_flex; its output has a 4-byte size prefix).
const lz4Span = (idx) => { const m = k.arena.mark(); lz4Exports.lz4Compress(lz4Ptrs[idx], spanLen, lz4Dst, lz4Cap, 1); k.arena.release(m); };
const lz4Exports = k.exports;
const lz4Ptrs = shuffled.map((c) => { const p = k.arena.alloc(c.byteLength); k.u8.set(c, p); return p; });
const lz4Cap = spanLen + Math.floor(spanLen / 255) + 16;
const lz4Dst = k.arena.alloc(lz4Cap);
await pair(
  "LZ4 raw block, acceleration 1, byte-shuffled D1 float32 2 MiB chunks",
  { name: "xpartition lz4CompressBlock (copy in/out)", fn: (idx) => lz4CompressBlock(shuffled[idx]), span: { name: "xpartition lz4Compress (pointers, zero copy)", fn: lz4Span } },
  { name: "lz4-wasm compress", fn: (idx) => lz4wasm.compress(shuffled[idx]) },
  { ours: (idx) => lz4CompressBlock(shuffled[idx]).length, peer: (idx) => lz4wasm.compress(shuffled[idx]).length - 4 },
);

// The other Blosc inner codecs, clevel 5 + byte shuffle, against numcodecs.js Blosc with the same settings
// (information: no target). BENCH_CNAMES=none skips them. Fewer, shorter rounds: lz4hc and zlib are slow.
if (process.env.BENCH_CNAMES !== "none") {
  for (const cname of ["blosclz", "lz4hc", "snappy", "zlib"]) {
    const o = codec({ id: "blosc", cname, clevel: 5, shuffle: 1, blocksize: 0 });
    const p = Blosc.fromConfig({ id: "blosc", cname, clevel: 5, shuffle: 1, blocksize: 0 });
    await pair(
      `Blosc ${cname} + shuffle, clevel 5, D1 float32 2 MiB chunks (information)`,
      { name: `xpartition Blosc ${cname}`, fn: (idx) => o.encodeSync(chunks[idx]) },
      { name: `numcodecs.js Blosc ${cname}`, fn: (idx) => p.encode(peerBytes[idx]) },
      { ours: (idx) => o.encodeSync(chunks[idx]).length, peer: async (idx) => (await p.encode(peerBytes[idx])).length },
    );
  }
}

// The lz4 CLI (liblz4, native; frame format, so a few bytes more) on the same shuffled chunks, for reference.
try {
  const dir = mkdtempSync(join(tmpdir(), "xp-lz4-"));
  const files = shuffled.map((c, idx) => { const f = join(dir, `c${idx}`); writeFileSync(f, c); return f; });
  const t0 = performance.now();
  execFileSync("lz4", ["-1", "-q", "-f", "-m", "--no-frame-crc", ...files]);
  const secs = (performance.now() - t0) / 1000;
  const out = files.reduce((s, f) => s + statSync(`${f}.lz4`).size, 0);
  console.log(`\nlz4 CLI -1 (native liblz4, one process for all ${NCHUNKS} files, incl. file I/O): ${((NCHUNKS * MB) / secs).toFixed(0)} MB/s, ratio ${((NCHUNKS * MB * 1e6) / out).toFixed(4)}`);
  rmSync(dir, { recursive: true });
} catch (e) {
  console.log(`\nlz4 CLI: not run (${String(e).split("\n")[0]})`);
}

console.log("\nsummary:");
for (const r of results) console.log(`  ${r.title}: throughput x${r.speedup.toFixed(2)}${r.spanSpeedup ? ` (span x${r.spanSpeedup.toFixed(2)})` : ""}, ratio x${r.ratioRel.toFixed(4)}`);
