// zstd encoder benchmark: xpartition's WASM zstd against @bokuweb/zstd-wasm, numcodecs.js Zstd and native
// libzstd (zstd-napi) at levels 1 and 3, on 16 distinct 2 MiB D1 float32 chunks, unshuffled and byte-shuffled
// (and the zstd CLI on the same chunks, for reference);
// then Blosc zstd + shuffle clevel 1 against numcodecs.js Blosc. Single thread, one process, peers side by
// side; compressed sizes are compared with libzstd at the same level.
// Run: `flock /tmp/xp-bench.lock npm run bench -- zstd`  (BENCH_TIME=ms per task, default 400).
import { Bench } from "tinybench";
import { Blosc, Zstd } from "numcodecs";
import { init as bokuInit, compress as bokuCompress } from "@bokuweb/zstd-wasm";
import { createRequire } from "node:module";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { codec } from "xpartition";
import { byteShuffle, kernels, zstdCompress, zstdCompressSpan } from "xpartition/kernels";
import { d1Chunks } from "./d1-chunks.mjs";

const napi = createRequire(import.meta.url)("zstd-napi");
await bokuInit();

const NCHUNKS = 16;
const chunks = d1Chunks(NCHUNKS).map((f) => new Uint8Array(f.buffer));
const CHUNK = chunks[0].byteLength;
const sets = { unshuffled: chunks, shuffled: chunks.map((c) => new Uint8Array(byteShuffle(new Float32Array(c.buffer), 4).buffer)) };
const time = Number(process.env.BENCH_TIME ?? 400);
const k = kernels();

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);

/** One tinybench run per task and round; the median latency per run, best round (load spikes on a shared machine). */
async function speeds(tasks) {
  const best = Object.fromEntries(Object.keys(tasks).map((n) => [n, Infinity]));
  for (let r = 0; r < ROUNDS; r++) {
    const names = r % 2 ? Object.keys(tasks).reverse() : Object.keys(tasks);
    for (const name of names) {
      const bench = new Bench({ time, warmupTime: 150 });
      let i = 0;
      const fn = tasks[name];
      bench.add(name, async () => { await fn(i++ % NCHUNKS); });
      await bench.run();
      best[name] = Math.min(best[name], bench.tasks[0].result.latency.p50);
    }
  }
  return Object.fromEntries(Object.entries(best).map(([n, ms]) => [n, CHUNK / 1e6 / (ms / 1000)]));
}

const summary = [];
for (const [setName, data] of Object.entries(sets)) {
  const ptrs = data.map((d) => { const p = k.arena.alloc(d.length); k.u8.set(d, p); return p; });
  for (const level of [1, 3]) {
    const nc = Zstd.fromConfig({ id: "zstd", level });
    const size = (f) => data.reduce((s, d) => s + f(d).length, 0);
    const ours = size((d) => zstdCompress(d, level));
    const ref = size((d) => napi.compress(d, { compressionLevel: level }));
    const boku = size((d) => bokuCompress(d, level));
    const total = NCHUNKS * CHUNK;
    const sp = await speeds({
      ours: (i) => zstdCompress(data[i], level),
      oursSpan: (i) => { const m = k.arena.mark(); zstdCompressSpan(k, { ptr: ptrs[i], len: CHUNK }, level); k.arena.release(m); },
      boku: (i) => bokuCompress(data[i], level),
      numcodecs: (i) => nc.encode(data[i]),
      native: (i) => napi.compress(data[i], { compressionLevel: level }),
    });
    const line = `${setName} level ${level}: xpartition ${sp.ours.toFixed(0)} MB/s (span ${sp.oursSpan.toFixed(0)}), ` +
      `@bokuweb/zstd-wasm ${sp.boku.toFixed(0)}, numcodecs.js ${sp.numcodecs.toFixed(0)}, native ${sp.native.toFixed(0)} | ` +
      `x${(sp.ours / sp.boku).toFixed(2)} bokuweb, x${(sp.ours / sp.numcodecs).toFixed(2)} numcodecs.js, x${(sp.ours / sp.native).toFixed(2)} native | ` +
      `ratio ${(total / ours).toFixed(4)} (libzstd ${(total / ref).toFixed(4)}, bokuweb ${(total / boku).toFixed(4)}), size vs libzstd ${((ours / ref - 1) * 100).toFixed(2)}%`;
    console.log(line);
    summary.push(line);
  }
}

// The zstd CLI (native libzstd; Debian's `zstd`, installed by `npm run test:system`) on the same chunks, for
// reference: one process for all files, one thread, no checksum; includes process start and file I/O.
for (const [setName, data] of Object.entries(sets)) {
  for (const level of [1, 3]) {
    try {
      const dir = mkdtempSync(join(tmpdir(), "xp-zstd-cli-"));
      const files = data.map((c, idx) => { const f = join(dir, `c${idx}`); writeFileSync(f, c); return f; });
      let best = Infinity;
      for (let r = 0; r < 3; r++) {
        const t0 = performance.now();
        execFileSync("zstd", [`-${level}`, "-q", "-f", "-T1", "--no-check", ...files]);
        best = Math.min(best, (performance.now() - t0) / 1000);
      }
      const out = files.reduce((sum, f) => sum + statSync(`${f}.zst`).size, 0);
      const line = `zstd CLI -${level} ${setName} (native, one process for all ${NCHUNKS} files, incl. file I/O): ${((NCHUNKS * CHUNK) / 1e6 / best).toFixed(0)} MB/s, ratio ${((NCHUNKS * CHUNK) / out).toFixed(4)}`;
      console.log(line);
      summary.push(line);
      rmSync(dir, { recursive: true });
    } catch (e) {
      console.log(`zstd CLI: not run (${String(e).split("\n")[0]})`);
      break;
    }
  }
}

// Blosc zstd + byte shuffle, clevel 1 (typesize 4: numcodecs.js always writes 4).
{
  const ours = codec({ id: "blosc", cname: "zstd", clevel: 1, shuffle: 1, blocksize: 0 });
  const peer = Blosc.fromConfig({ id: "blosc", cname: "zstd", clevel: 1, shuffle: 1, blocksize: 0 });
  const f32 = chunks.map((c) => new Float32Array(c.buffer));
  const { a, b } = await speeds({ a: (i) => ours.encodeSync(f32[i]), b: (i) => peer.encode(chunks[i]) });
  let so = 0, sp = 0;
  for (let i = 0; i < NCHUNKS; i++) { so += ours.encodeSync(f32[i]).length; sp += (await peer.encode(chunks[i])).length; }
  const line = `Blosc zstd+shuffle clevel 1: xpartition ${a.toFixed(0)} MB/s, numcodecs.js ${b.toFixed(0)} MB/s | x${(a / b).toFixed(2)} | ratio ${((NCHUNKS * CHUNK) / so).toFixed(4)} vs ${((NCHUNKS * CHUNK) / sp).toFixed(4)}`;
  console.log(line);
  summary.push(line);
}
console.log("\nsummary:\n  " + summary.join("\n  "));
