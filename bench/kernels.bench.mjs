// Kernel benchmarks (issue 3): byte shuffle typesize 4, chunk slicing, CRC-32C — each side by side with the
// best plain-JS version written here, over many distinct 2 MiB chunks of D1 float32 data (never one
// cache-resident buffer). Single thread. Run under the lock: flock /tmp/xp-bench.lock node bench/kernels.bench.mjs
import { Bench } from "tinybench";
import { kernels, ChunkSlicer, shufflePtr, crc32cPtr } from "xpartition/kernels";
import { d1Fill, d1Shape } from "xpartition/demo";
import { d1Chunks } from "./d1-chunks.mjs";

const NCHUNK = 24; // 48 MiB of distinct chunks: more than the last-level cache
const CHUNK = [8, 1, 256, 256];
const CHUNK_ELEMS = 8 * 256 * 256;
const CHUNK_BYTES = CHUNK_ELEMS * 4;
const TIME = Number(process.env.BENCH_TIME ?? 1500);
const only = process.argv.slice(2);
const want = (name) => only.length === 0 || only.some((x) => name.includes(x));

const shape = d1Shape(96);
const k = kernels();

/** D1 `temp` chunks 0..n-1 of the (time, tile) grid, as JS arrays. */
const jsChunks = (n) => d1Chunks(n, "temp");

/** Copy JS chunks into the kernels' memory (where the writer's blocks live); returns their pointers. */
function wasmCopies(chunks) {
  const ptrs = chunks.map((c) => {
    const p = k.arena.alloc(c.byteLength);
    return p;
  });
  chunks.forEach((c, i) => k.u8.set(new Uint8Array(c.buffer, c.byteOffset, c.byteLength), ptrs[i]));
  return ptrs;
}

const MBs = (task, bytes) => (bytes / (task.result.latency.mean / 1000)) / 1e6;
const results = [];
async function run(title, bytesPerOp, tasks, pairs) {
  const bench = new Bench({ time: TIME, warmupTime: 300 });
  for (const [name, fn] of tasks) bench.add(name, fn);
  await bench.run();
  console.log(`\n## ${title}`);
  const speed = {};
  for (const t of bench.tasks) {
    speed[t.name] = MBs(t, bytesPerOp);
    console.log(`  ${t.name.padEnd(44)} ${speed[t.name].toFixed(0).padStart(7)} MB/s  (${t.result.latency.mean.toFixed(3)} ms/op, ±${t.result.latency.rme.toFixed(1)}%)`);
  }
  for (const [a, b, target] of pairs) {
    const r = speed[a] / speed[b];
    console.log(`  ratio ${a} / ${b}: ${r.toFixed(2)}x${target ? `  (target >= ${target}x: ${r >= target ? "met" : "NOT met"})` : ""}`);
    results.push({ title, a, b, ratio: r, target });
  }
}

const js = jsChunks(NCHUNK);
const ptrs = wasmCopies(js);

// ---------------------------------------------------------------------------------------------------------
// Byte shuffle, typesize 4.
function jsShuffle4(src32, dst32) {
  // 4 elements per step: four 32-bit loads, a 4x4 byte transpose, one 32-bit store per byte plane.
  const n = src32.length, q = n >>> 2;
  for (let i = 0, o = 0; i < n; i += 4, o++) {
    const a = src32[i], b = src32[i + 1], c = src32[i + 2], d = src32[i + 3];
    dst32[o] = (a & 0xff) | ((b & 0xff) << 8) | ((c & 0xff) << 16) | (d << 24);
    dst32[q + o] = ((a >>> 8) & 0xff) | (b & 0xff00) | ((c & 0xff00) << 8) | ((d & 0xff00) << 16);
    dst32[2 * q + o] = ((a >>> 16) & 0xff) | ((b >>> 8) & 0xff00) | (c & 0xff0000) | ((d & 0xff0000) << 8);
    dst32[3 * q + o] = (a >>> 24) | ((b >>> 16) & 0xff00) | ((c >>> 8) & 0xff0000) | (d & 0xff000000);
  }
}
if (want("shuffle")) {
  // Check the JS version against the kernel once.
  const out = new Uint32Array(CHUNK_ELEMS);
  jsShuffle4(new Uint32Array(js[0].buffer), out);
  const dst = k.arena.alloc(CHUNK_BYTES);
  shufflePtr("shuffle", ptrs[0], dst, CHUNK_BYTES, 4);
  const w = new Uint8Array(k.memory.buffer, dst, CHUNK_BYTES);
  if (!new Uint8Array(out.buffer).every((x, i) => x === w[i])) throw new Error("JS shuffle disagrees with the kernel");
  const src32 = js.map((a) => new Uint32Array(a.buffer));
  let i = 0, j = 0;
  const raw = k.exports.shuffleBytes;
  await run("byte shuffle, typesize 4, 2 MiB D1 chunks", CHUNK_BYTES, [
    ["wasm shuffleBytes (SIMD)", () => { raw(ptrs[i], dst, CHUNK_BYTES, 4); i = (i + 1) % NCHUNK; }],
    ["js shuffle (u32 loads, 4x4 transpose)", () => { jsShuffle4(src32[j], out); j = (j + 1) % NCHUNK; }],
  ], [["wasm shuffleBytes (SIMD)", "js shuffle (u32 loads, 4x4 transpose)", 2.5]]);
  // Other typesizes and the bit shuffle (information: what the Blosc kernel spends per block).
  const ex = k.exports;
  const info = [];
  for (const ts of [2, 8, 16, 3]) info.push([`wasm shuffleBytes typesize ${ts}`, (p) => ex.shuffleBytes(p, dst, CHUNK_BYTES - (CHUNK_BYTES % ts), ts)]);
  info.push(["wasm unshuffleBytes typesize 4", (p) => ex.unshuffleBytes(p, dst, CHUNK_BYTES, 4)]);
  info.push(["wasm unshuffleBytes typesize 8", (p) => ex.unshuffleBytes(p, dst, CHUNK_BYTES, 8)]);
  for (const ts of [1, 4, 8]) info.push([`wasm bitshuffle typesize ${ts}`, (p) => ex.bitshuffle(p, dst, CHUNK_BYTES, ts)]);
  info.push(["wasm bitunshuffle typesize 4", (p) => ex.bitunshuffle(p, dst, CHUNK_BYTES, 4)]);
  await run("shuffle kernels, other typesizes (information)", CHUNK_BYTES,
    info.map(([name, f]) => { let c = 0; return [name, () => { f(ptrs[c]); c = (c + 1) % NCHUNK; }]; }), []);
}

// ---------------------------------------------------------------------------------------------------------
// Chunk slicing: blocks of several chunks -> fresh chunk buffers.
function jsSliceAll(block, bshape, cshape, reuse) {
  // Row copies with subarray + set; trailing dims whole in both block and chunk are merged into one row.
  const nd = bshape.length;
  let k0 = nd - 1, run = cshape[k0];
  while (k0 > 0 && cshape[k0] === bshape[k0]) run *= cshape[--k0];
  const bstr = new Array(nd).fill(1);
  for (let d = nd - 2; d >= 0; d--) bstr[d] = bstr[d + 1] * bshape[d + 1];
  const grid = bshape.map((b, d) => b / cshape[d]);
  const out = [];
  const total = cshape.reduce((a, b) => a * b, 1);
  const cidx = new Array(nd).fill(0);
  for (;;) {
    const dst = reuse ?? new Float32Array(total);
    let base = 0;
    for (let d = 0; d < nd; d++) base += cidx[d] * cshape[d] * bstr[d];
    // Odometer over dims 0..k0 (dim k0 is iterated in the merged run when whole).
    const idx = new Array(k0).fill(0);
    let o = 0;
    for (;;) {
      let off = base;
      for (let d = 0; d < k0; d++) off += idx[d] * bstr[d];
      dst.set(block.subarray(off, off + run), o);
      o += run;
      let d = k0 - 1;
      while (d >= 0 && ++idx[d] >= cshape[d]) idx[d--] = 0;
      if (d < 0) break;
    }
    out.push(dst);
    let d = nd - 1;
    while (d >= 0 && ++cidx[d] >= grid[d]) cidx[d--] = 0;
    if (d < 0) return out;
  }
}
if (want("slice")) {
  for (const [cshape, bshape] of [[[8, 1, 256, 256], [8, 6, 256, 256]], [[8, 1, 128, 128], [8, 2, 256, 256]]]) {
    const bElems = bshape.reduce((a, b) => a * b, 1);
    const nBlocks = Math.max(4, Math.ceil((48 << 20) / (bElems * 4)));
    const blocksJs = [];
    for (let b = 0; b < nBlocks; b++) {
      const t = b % 12;
      blocksJs.push(d1Fill("temp", [{ start: t * 8, stop: t * 8 + 8 }, { start: 0, stop: bshape[1] }, { start: 0, stop: 256 }, { start: 0, stop: 256 }], shape));
    }
    const mark0 = k.arena.mark();
    const bptrs = wasmCopies(blocksJs);
    const slicer = new ChunkSlicer({ arrayShape: shape, chunkShape: cshape, dtype: "float32", fillValue: NaN });
    const refs = bptrs.map((ptr, b) => ({ ptr, shape: bshape, origin: [(b % 12) * 8, 0, 0, 0] }));
    // Same bytes from both.
    {
      const m = k.arena.mark();
      const a = slicer.sliceAll(refs[1]);
      const j = jsSliceAll(blocksJs[1], bshape, cshape);
      a.forEach((x, c) => {
        const w = new Uint8Array(k.memory.buffer, x.span.ptr, x.span.len);
        const v = new Uint8Array(j[c].buffer);
        if (w.length !== v.length || !v.every((y, i) => y === w[i])) throw new Error(`JS slicing disagrees with the kernel (chunk ${c})`);
      });
      k.arena.release(m);
    }
    let i = 0, j = 0, l = 0;
    const reuse = new Float32Array(cshape.reduce((a, b) => a * b, 1));
    const blockBytes = bElems * 4;
    await run(`chunk slicing, chunks (${cshape}) from blocks (${bshape}) (${bElems / cshape.reduce((a, b) => a * b, 1)} chunks/block), MB/s of chunk bytes`, blockBytes, [
      ["wasm ChunkSlicer.sliceAll (arena buffers)", () => {
        const m = k.arena.mark();
        slicer.sliceAll(refs[i]);
        k.arena.release(m);
        i = (i + 1) % nBlocks;
      }],
      ["js subarray+set into new Float32Array", () => { jsSliceAll(blocksJs[j], bshape, cshape); j = (j + 1) % nBlocks; }],
      ["js subarray+set, one reused buffer (info)", () => { jsSliceAll(blocksJs[l], bshape, cshape, reuse); l = (l + 1) % nBlocks; }],
    ], [["wasm ChunkSlicer.sliceAll (arena buffers)", "js subarray+set, one reused buffer (info)"], ["wasm ChunkSlicer.sliceAll (arena buffers)", "js subarray+set into new Float32Array", 1.2]]);
    k.arena.release(mark0);
  }
}

// ---------------------------------------------------------------------------------------------------------
// CRC-32C.
const T0 = new Uint32Array(256).map((_, i) => {
  let c = i;
  for (let r = 0; r < 8; r++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  return c >>> 0;
});
function jsCrc(a) {
  let c = ~0;
  for (let i = 0; i < a.length; i++) c = T0[(c ^ a[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}
// A stronger JS peer for information: slicing-by-8 over 32-bit loads.
const T8 = new Uint32Array(8 * 256);
T8.set(T0);
for (let t = 1; t < 8; t++) for (let i = 0; i < 256; i++) { const p = T8[(t - 1) * 256 + i]; T8[t * 256 + i] = (p >>> 8) ^ T8[p & 0xff]; }
function jsCrc8(a, a32) {
  let c = ~0;
  const n8 = a.length >>> 3;
  for (let q = 0; q < n8; q++) {
    const x = a32[2 * q] ^ c, y = a32[2 * q + 1];
    c = T8[1792 + (x & 0xff)] ^ T8[1536 + ((x >>> 8) & 0xff)] ^ T8[1280 + ((x >>> 16) & 0xff)] ^ T8[1024 + (x >>> 24)] ^
        T8[768 + (y & 0xff)] ^ T8[512 + ((y >>> 8) & 0xff)] ^ T8[256 + ((y >>> 16) & 0xff)] ^ T8[y >>> 24];
  }
  for (let i = n8 * 8; i < a.length; i++) c = T8[(c ^ a[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}
if (want("crc")) {
  const bytes = js.map((a) => new Uint8Array(a.buffer));
  const words = js.map((a) => new Uint32Array(a.buffer));
  for (let c = 0; c < 2; c++) {
    const w = crc32cPtr(ptrs[c], CHUNK_BYTES);
    if (w !== jsCrc(bytes[c]) || w !== jsCrc8(bytes[c], words[c])) throw new Error("JS CRC-32C disagrees with the kernel");
  }
  let i = 0, j = 0, l = 0;
  const raw = k.exports.crc32cUpdate;
  await run("CRC-32C, 2 MiB D1 chunks", CHUNK_BYTES, [
    ["wasm crc32cUpdate (slicing-by-16)", () => { raw(0, ptrs[i], CHUNK_BYTES); i = (i + 1) % NCHUNK; }],
    ["js table-driven (byte at a time)", () => { jsCrc(bytes[j]); j = (j + 1) % NCHUNK; }],
    ["js slicing-by-8 (information)", () => { jsCrc8(bytes[l], words[l]); l = (l + 1) % NCHUNK; }],
  ], [["wasm crc32cUpdate (slicing-by-16)", "js table-driven (byte at a time)", 4], ["wasm crc32cUpdate (slicing-by-16)", "js slicing-by-8 (information)"]]);
}

const missed = results.filter((r) => r.target && r.ratio < r.target);
console.log(missed.length ? `\n${missed.length} target(s) NOT met` : "\nall targets met");
