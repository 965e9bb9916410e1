// An encode thread for `concurrency` inside one rank (./encode-pool.ts): it copies a slab of a computed block
// from shared memory into its own WASM instance, cuts the slab into chunks with the slicing kernel and encodes
// each with the variable's codec pipeline, posting every encoded chunk back as soon as it is done.
import { parentPort } from "node:worker_threads";
import { kernels } from "../kernels/instance.js";
import { ChunkSlicer } from "../kernels/slice.js";
import type { Pipeline } from "../codecs/pipeline.js";
import type { DType } from "../model/dtypes.js";
import { resolveCodecs, type VariableEncoding } from "../write/encoding.js";
import { chunkHashOf } from "../write/chunks.js";
import { xxh64Hex } from "../kernels/xxh64.js";
import { chunkKey, type ZarrFormat } from "../zarr/keys.js";
import { patternWords } from "../model/dtypes.js";
import type { V3CodecConfig } from "../codecs/types.js";
import { assembleShard, type ShardLayout } from "../write/shards.js";

/**
 * Copy chunk `idx` of the C-order region (`shape` at `origin`, in `src`) into `dst` (the chunk's full shape in
 * WASM memory), padding the part beyond the array with the fill value: one copy per contiguous run.
 */
function gatherChunk(v: Var, src: Uint8Array, shape: number[], origin: number[], idx: number[], dst: number): void {
  const k = kernels();
  const c = v.chunkShape, nd = c.length, es = v.elementSize;
  const valid = idx.map((i, d) => Math.min(c[d]!, v.arrayShape[d]! - i * c[d]!));
  const off = idx.map((i, d) => i * c[d]! - origin[d]!);
  if (valid.some((n, d) => n < c[d]!)) k.exports.fillPattern(dst, c.reduce((p, x) => p * x, 1), es, v.padWords[0], v.padWords[1]);
  // Axes q.. are copied whole as one run: inner axes where the chunk spans the region fully on both sides.
  let q = nd - 1;
  while (q > 0 && valid[q] === shape[q] && valid[q] === c[q] && off[q] === 0) q--;
  let run = valid[q]! * es;
  for (let d = q + 1; d < nd; d++) run *= c[d]!;
  // Strides (bytes) of the region and of the chunk.
  const ss = new Array<number>(nd), ds = new Array<number>(nd);
  ss[nd - 1] = es;
  ds[nd - 1] = es;
  for (let d = nd - 2; d >= 0; d--) {
    ss[d] = ss[d + 1]! * shape[d + 1]!;
    ds[d] = ds[d + 1]! * c[d + 1]!;
  }
  const pos = new Array<number>(q).fill(0);
  const u8 = k.u8;
  for (;;) {
    let s = off[q]! * ss[q]!, t = 0;
    for (let d = 0; d < q; d++) {
      s += (off[d]! + pos[d]!) * ss[d]!;
      t += pos[d]! * ds[d]!;
    }
    u8.set(src.subarray(s, s + run), dst + t);
    let d = q - 1;
    while (d >= 0 && ++pos[d]! >= valid[d]!) pos[d--] = 0;
    if (d < 0) return;
  }
}

export interface VariableMessage {
  t: "var";
  id: number;
  name: string;
  dtype: DType;
  arrayShape: number[];
  chunkShape: number[];
  pad: number | bigint | boolean;
  elementSize: number;
  encoding: VariableEncoding;
  format: ZarrFormat;
  separator: "." | "/";
  /** Sharded variables: chunkShape is the shard shape; inner chunks of innerShape encoded with innerCodecs. */
  shard?: ShardLayout & { innerShape: number[]; innerCodecs: V3CodecConfig[] };
}
export interface UnitMessage {
  t: "unit";
  uid: number;
  varId: number;
  sab: SharedArrayBuffer;
  /** Where the region `shape` at `origin` (C order) starts in `sab`. */
  byteOffset: number;
  shape: number[];
  origin: number[];
  chunks: number[][];
  /**
   * true: each chunk is gathered straight from shared memory into this thread's WASM memory (its rows are
   * long, so one copy per chunk); false: the region is copied in once and cut by the slicing kernel.
   */
  gather: boolean;
}
export type EncodeReply =
  | { t: "chunk"; uid: number; i: number; bytes: Uint8Array; hash: Uint8Array; xxh: string; seconds: number; raw?: number }
  | { t: "unitDone"; uid: number }
  | { t: "error"; uid: number; name: string; message: string };

interface Var {
  arrayShape: number[];
  padWords: [number, number];
  name: string;
  format: ZarrFormat;
  separator: "." | "/";
  slicer: ChunkSlicer;
  pipeline: Pipeline;
  elementSize: number;
  chunkShape: number[];
  /** Sharded: the layout, and `inner` (chunkShape = the inner shape; slicer and pipeline are the inner ones). */
  shard?: { layout: ShardLayout; inner: Var };
}

const vars = new Map<number, Var>();
const port = parentPort!;
let queue = Promise.resolve();

/**
 * Shard `sidx` of the unit: every inner chunk inside the array gathered (or sliced) and encoded, then the shard
 * assembled as src/write/shards.ts does on the calling thread (empty inner chunks only lie outside the array:
 * units are offloaded only when empty chunks are written).
 */
async function encodeShardHere(v: Var, u: UnitMessage, src: Uint8Array, ptr: number, sidx: number[]): Promise<{ bytes: Uint8Array; raw: number }> {
  const { layout, inner } = v.shard!;
  const k = kernels();
  const per = layout.perShard, nd = per.length;
  const n = per.reduce((p, x) => p * x, 1);
  const pieces: (Uint8Array | null)[] = new Array(n).fill(null);
  const local = new Array<number>(nd).fill(0);
  let raw = 0;
  for (let i = 0; i < n; i++) {
    if (i > 0) for (let d = nd - 1; d >= 0 && ++local[d]! >= per[d]!; d--) local[d] = 0;
    const g = local.map((l, d) => sidx[d]! * per[d]! + l);
    if (g.some((c, d) => c * inner.chunkShape[d]! >= v.arrayShape[d]!)) continue;
    const mark = k.arena.mark();
    try {
      const cptr = k.arena.alloc(inner.slicer.chunkBytes);
      if (u.gather) gatherChunk(inner, src, u.shape, u.origin, g, cptr);
      else inner.slicer.sliceInto({ ptr, shape: u.shape, origin: u.origin }, g, cptr, k);
      pieces[i] = await inner.pipeline.encodeChunk({ ptr: cptr, len: inner.slicer.chunkBytes }, v.elementSize);
      raw += inner.slicer.chunkBytes;
    } finally {
      k.arena.release(mark);
    }
  }
  return { bytes: assembleShard(layout, pieces), raw };
}

async function run(u: UnitMessage): Promise<void> {
  const v = vars.get(u.varId)!;
  const k = kernels();
  const mark = k.arena.mark();
  try {
    const len = u.shape.reduce((p, n) => p * n, v.elementSize);
    const src = new Uint8Array(u.sab, u.byteOffset, len);
    let ptr = 0;
    if (!u.gather) {
      ptr = k.arena.alloc(len);
      k.u8.set(src, ptr);
    }
    const chunkBytes = v.slicer.chunkBytes;
    const whole = (idx: number[]) =>
      u.shape.every((n, d) => n === v.chunkShape[d] && u.origin[d] === idx[d]! * v.chunkShape[d]!);
    for (let i = 0; i < u.chunks.length; i++) {
      const t0 = performance.now();
      const idx = u.chunks[i]!;
      const cmark = k.arena.mark();
      try {
        if (v.shard) {
          const { bytes, raw } = await encodeShardHere(v, u, src, ptr, idx);
          const xxh = xxh64Hex(bytes);
          const hash = chunkHashOf(chunkKey(v.format, v.name, idx, v.separator), bytes.length, xxh);
          const msg: EncodeReply = { t: "chunk", uid: u.uid, i, bytes, hash, xxh, seconds: (performance.now() - t0) / 1000, raw };
          port.postMessage(msg, [bytes.buffer as ArrayBuffer]);
          continue;
        }
        let cptr = ptr;
        if (u.gather) {
          cptr = k.arena.alloc(chunkBytes);
          gatherChunk(v, src, u.shape, u.origin, idx, cptr);
        } else if (!whole(idx)) {
          cptr = k.arena.alloc(chunkBytes);
          v.slicer.sliceInto({ ptr, shape: u.shape, origin: u.origin }, idx, cptr, k);
        }
        let bytes = await v.pipeline.encodeChunk({ ptr: cptr, len: chunkBytes }, v.elementSize);
        if (bytes.byteOffset !== 0 || bytes.byteLength !== bytes.buffer.byteLength) bytes = bytes.slice();
        // The digest's hash is computed here too: on the calling thread it would be a serial bottleneck.
        const xxh = xxh64Hex(bytes);
        const hash = chunkHashOf(chunkKey(v.format, v.name, idx, v.separator), bytes.length, xxh);
        const msg: EncodeReply = { t: "chunk", uid: u.uid, i, bytes, hash, xxh, seconds: (performance.now() - t0) / 1000 };
        port.postMessage(msg, [bytes.buffer as ArrayBuffer]);
      } finally {
        k.arena.release(cmark);
      }
    }
    port.postMessage({ t: "unitDone", uid: u.uid } satisfies EncodeReply);
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    port.postMessage({ t: "error", uid: u.uid, name: err.name, message: err.message } satisfies EncodeReply);
  } finally {
    k.arena.release(mark);
  }
}

port.on("message", (m: VariableMessage | UnitMessage) => {
  if (m.t === "var") {
    try {
      const make = (chunkShape: number[], encoding: VariableEncoding, format: ZarrFormat): Var => ({
        arrayShape: m.arrayShape, padWords: patternWords(m.dtype, m.pad),
        name: m.name, format: m.format, separator: m.separator,
        slicer: new ChunkSlicer({ arrayShape: m.arrayShape, chunkShape, dtype: m.dtype, fillValue: m.pad }),
        pipeline: resolveCodecs(m.name, m.dtype, format, encoding).pipeline, elementSize: m.elementSize, chunkShape,
      });
      if (m.shard) {
        const { innerShape, innerCodecs, ...layout } = m.shard;
        const inner = make(innerShape, { codecs: innerCodecs }, 3);
        // The outer slicer/pipeline are not used for shards: the inner ones stand in.
        vars.set(m.id, { ...inner, chunkShape: m.chunkShape, shard: { layout, inner } });
      } else {
        vars.set(m.id, make(m.chunkShape, m.encoding, m.encoding.codecs ? 3 : 2));
      }
    } catch {
      // Reported when a unit of this variable arrives (vars.get fails) — cannot happen for a validated plan.
    }
    return;
  }
  // Units run one after another (each thread has one arena); the parent keeps at most two queued.
  queue = queue.then(() => run(m));
});
