// Content-MD5 (issue 13): the 4-lane WASM SIMD MD5 kernel (src/kernels/md5.ts) against node:crypto's MD5, on
// the size of D1's encoded chunks (~1.3 MB), 4 messages at a time, over 32 distinct buffers (42 MB: more than
// the last-level cache, as in the writer). Rounds interleave the two sides; medians and spread. Single thread.
// Run after `npm run build`, under the lock: flock /tmp/xp-bench.lock node bench/md5.bench.mjs
import { createHash, randomFillSync } from "node:crypto";
import { kernels } from "../dist/kernels/instance.js";
import { md5x4Ptr, base64Digest } from "../dist/kernels/md5.js";

const LEN = Number(process.env.MD5_LEN ?? 1_300_000);
const NBUF = 32;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
const k = kernels();
const ptrs = Array.from({ length: NBUF }, () => k.arena.alloc(LEN));
for (const p of ptrs) randomFillSync(k.u8, p, LEN);
const views = () => ptrs.map((p) => k.u8.subarray(p, p + LEN)); // node:crypto reads the same memory

function ours() {
  const out = [];
  for (let i = 0; i < NBUF; i += 4) out.push(...md5x4Ptr(ptrs.slice(i, i + 4).map((ptr) => ({ ptr, len: LEN })), k).map(base64Digest));
  return out;
}
function node() {
  return views().map((v) => createHash("md5").update(v).digest("base64"));
}

if (ours().join() !== node().join()) throw new Error("md5 bench: the kernel's digests differ from node:crypto's");
const t = { ours: [], node: [] };
for (let r = 0; r < ROUNDS; r++) {
  for (const [name, f] of r % 2 ? [["node", node], ["ours", ours]] : [["ours", ours], ["node", node]]) {
    const t0 = performance.now();
    f();
    t[name].push(performance.now() - t0);
  }
}
const stats = (a) => {
  const s = [...a].sort((x, y) => x - y);
  return { med: s[s.length >> 1], lo: s[0], hi: s[s.length - 1] };
};
const mb = (ms) => ((NBUF * LEN) / ms / 1000).toFixed(0);
const o = stats(t.ours), n = stats(t.node);
console.log(`MD5 of ${NBUF} x ${LEN} bytes, ${ROUNDS} rounds, load ${(await import("node:fs")).readFileSync("/proc/loadavg", "utf8").trim()}`);
console.log(`  ours md5x4 (WASM SIMD): ${o.med.toFixed(1)} ms (${o.lo.toFixed(1)}-${o.hi.toFixed(1)}), ${mb(o.med)} MB/s`);
console.log(`  node:crypto md5:        ${n.med.toFixed(1)} ms (${n.lo.toFixed(1)}-${n.hi.toFixed(1)}), ${mb(n.med)} MB/s`);
console.log(`  ratio: ${(n.med / o.med).toFixed(2)}x`);
