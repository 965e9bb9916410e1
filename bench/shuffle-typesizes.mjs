// Best-of-N timing of the shuffle kernels for typesizes without a dedicated path (no peer: information only).
// Run under the lock: flock /tmp/xp-bench.lock node bench/shuffle-typesizes.mjs
import { kernels } from "xpartition/kernels";
const k = kernels(), ex = k.exports;
const B = 2 << 20, N = 16;
const ptrs = [];
for (let c = 0; c < N; c++) { const p = k.arena.alloc(B); for (let i = 0; i < B; i++) k.u8[p + i] = (i * 2654435761 >>> 13) & 255; ptrs.push(p); }
const d2 = k.arena.alloc(B);
const fs = {};
for (const ts of [3, 5, 12, 24, 32, 255]) { fs[`shuf${ts}`] = (p) => ex.shuffleBytes(p, d2, B, ts); fs[`unshuf${ts}`] = (p) => ex.unshuffleBytes(p, d2, B, ts); }
const best = {};
for (let rep = 0; rep < 15; rep++) for (const [n, f] of Object.entries(fs)) {
  const t0 = performance.now(); for (let i = 0; i < 8; i++) f(ptrs[i % N]); const t = performance.now() - t0;
  best[n] = Math.min(best[n] ?? 1e9, t);
}
console.log(Object.entries(best).map(([n, t]) => `${n} ${(8 * B / t / 1e6).toFixed(1)}`).join("  "), "GB/s (best of 15)");
