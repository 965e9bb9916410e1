// Writing the shards of a block (zarr v3 `sharding_indexed`, FORMATS.md §3.2): per shard, slice each inner chunk
// out of the computed block with the WASM ChunkSlicer (edge chunks padded with the fill value), encode it with
// the inner pipeline, concatenate, append (or prepend) the index — (offset, nbytes) as u64 LE per inner chunk in
// C order, then its CRC-32C — and store the shard with one atomic set. Inner chunks wholly outside the array,
// and with writeEmptyChunks false those equal to the fill value, are left out (index entry 2^64-1, 2^64-1); a
// shard with no inner chunk left is not written (a stale one is deleted).
import { crc32c } from "../kernels/crc32c.js";
import { ChunkSlicer } from "../kernels/slice.js";
import { patternWords } from "../model/dtypes.js";
import type { IndexRange } from "../plan/blocks.js";
import type { Span } from "../codecs/types.js";
import { chunkKey } from "../zarr/keys.js";
import { chunkIndicesOf } from "./blocks.js";
import { storeOp, type EngineContext } from "./chunks.js";
import { xxh64Hex } from "../kernels/xxh64.js";
import type { VariablePlan } from "./plan.js";
import type { ShardPlan } from "./sharding.js";

const now = (): number => performance.now();
const prod = (xs: readonly number[]): number => xs.reduce((p, x) => p * x, 1);
const TWO32 = 2 ** 32;

/** What the byte layout of a shard depends on (also sent to encode threads). */
export type ShardLayout = Pick<ShardPlan, "perShard" | "indexCrc" | "indexLocation">;

/** Bytes of the encoded index: 16 per inner chunk, plus the CRC-32C. */
export function indexSize(s: ShardLayout): number {
  return 16 * prod(s.perShard) + (s.indexCrc ? 4 : 0);
}

/**
 * Assemble a shard from its encoded inner chunks (C order within the shard; null = empty) as the spec lays it
 * out. Inner chunks are stored in C order; readers rely on the index only.
 */
export function assembleShard(s: ShardLayout, pieces: readonly (Uint8Array | null)[], alloc: (n: number) => Uint8Array = (n) => new Uint8Array(n)): Uint8Array {
  const n = pieces.length;
  const isize = indexSize(s);
  let total = 0;
  for (const p of pieces) if (p) total += p.length;
  const out = alloc(total + isize); // every byte is written below (contents of `alloc`'s memory may be stale)
  const start = s.indexLocation === "start";
  const indexAt = start ? 0 : total;
  const dv = new DataView(out.buffer, out.byteOffset + indexAt, 16 * n);
  let at = start ? isize : 0;
  for (let i = 0; i < n; i++) {
    const p = pieces[i];
    if (!p) {
      out.fill(0xff, indexAt + 16 * i, indexAt + 16 * i + 16);
      continue;
    }
    out.set(p, at);
    // u64 little-endian as two u32 words (offsets stay below 2^53).
    dv.setUint32(16 * i, at % TWO32, true);
    dv.setUint32(16 * i + 4, Math.floor(at / TWO32), true);
    dv.setUint32(16 * i + 8, p.length % TWO32, true);
    dv.setUint32(16 * i + 12, Math.floor(p.length / TWO32), true);
    at += p.length;
  }
  if (s.indexCrc) {
    const crc = crc32c(out.subarray(indexAt, indexAt + 16 * n));
    new DataView(out.buffer, out.byteOffset + indexAt + 16 * n, 4).setUint32(0, crc >>> 0, true);
  }
  return out;
}

/** What is fixed for every shard of one variable in one block. */
interface ShardJob {
  ctx: EngineContext;
  v: VariablePlan;
  s: ShardPlan;
  slicer: ChunkSlicer;
  block: { ptr: number; shape: number[]; origin: number[] };
  innerBytes: number;
  pad: [number, number];
}

/**
 * Slice and encode the inner chunks of shard `sidx` and assemble it; null when every inner chunk is empty.
 * Encoded inner chunks from span codecs are packed one after another in the arena (scratch reused, no JS
 * garbage per inner chunk, one copy out into the shard); async codecs give JS bytes.
 */
async function encodeShard(job: ShardJob, sidx: readonly number[]): Promise<{ shard: Uint8Array; raw: number } | null> {
  const { ctx, v, s, slicer, block, innerBytes, pad } = job;
  const { k } = ctx;
  const es = slicer.elementSize;
  const nd = s.perShard.length;
  const n = prod(s.perShard);
  const pipeline = s.inner.pipeline;
  const pieces: (Span | Uint8Array | null)[] = new Array(n).fill(null);
  const local = new Array<number>(nd).fill(0);
  const shardMark = k.arena.mark();
  let raw = 0;
  try {
    for (let i = 0; i < n; i++) {
      if (i > 0) {
        for (let d = nd - 1; d >= 0; d--) {
          if (++local[d]! < s.perShard[d]!) break;
          local[d] = 0;
        }
      }
      const g = local.map((l, d) => sidx[d]! * s.perShard[d]! + l);
      if (g.some((c, d) => c * s.innerShape[d]! >= v.shape[d]!)) continue; // wholly outside the array
      const mark = k.arena.mark();
      const cptr = k.arena.alloc(innerBytes);
      slicer.sliceInto(block, g, cptr, k);
      if (!ctx.writeEmptyChunks && k.exports.allEqualPattern(cptr, slicer.chunkElems, es, pad[0], pad[1]) !== 0) {
        k.arena.release(mark);
        continue;
      }
      if (pipeline.spanCapable) {
        const span = pipeline.encodeSpan(k, { ptr: cptr, len: innerBytes }, es);
        k.u8.copyWithin(mark, span.ptr, span.ptr + span.len); // down to `mark` (memmove), then keep only it
        k.arena.release(mark);
        pieces[i] = { ptr: k.arena.alloc(span.len), len: span.len };
      } else {
        pieces[i] = await pipeline.encodeChunk({ ptr: cptr, len: innerBytes }, es);
        k.arena.release(mark);
      }
      raw += innerBytes;
    }
    if (raw === 0) return null;
    // Into the writer thread's reused buffers when the store stages (fresh multi-MiB shards are garbage that V8
    // collects only after tens of MiB of them: a sharded rank's peak RSS), after waiting for room as chunks do.
    const stage = ctx.stageInFlight !== undefined ? ctx.stageAlloc : undefined;
    if (stage) {
      let bytes = indexSize(s);
      for (const p of pieces) if (p) bytes += p instanceof Uint8Array ? p.length : p.len;
      await ctx.pool.room(bytes, ctx.stageInFlight);
    }
    const u8 = k.u8; // memory does not grow while the shard is assembled
    const shard = assembleShard(s, pieces.map((p) => (p === null || p instanceof Uint8Array ? p : u8.subarray(p.ptr, p.ptr + p.len))), stage);
    return { shard, raw };
  } finally {
    k.arena.release(shardMark);
  }
}

/** Slice, encode, assemble and store every shard of a block already in WASM memory at `ptr`. */
export async function writeBlockShards(ctx: EngineContext, v: VariablePlan, block: IndexRange[], ptr: number): Promise<number> {
  const s = v.shard!;
  const slicer = new ChunkSlicer({ arrayShape: v.shape, chunkShape: s.innerShape, dtype: v.dtype, fillValue: v.pad });
  const job: ShardJob = {
    ctx, v, s, slicer,
    block: { ptr, shape: block.map((r) => r.stop - r.start), origin: block.map((r) => r.start) },
    innerBytes: slicer.chunkBytes, pad: patternWords(v.dtype, v.pad),
  };
  const { ops, pool, tally } = ctx;
  let written = 0;
  for (const sidx of chunkIndicesOf(block, v.chunkShape)) {
    ctx.hooks?.signal?.throwIfAborted();
    const t0 = now();
    const key = chunkKey(3, v.name, sidx, v.spec.separator);
    const done = await encodeShard(job, sidx);
    tally.encodeSeconds += (now() - t0) / 1000;
    if (!done) {
      tally.skippedEmpty++;
      await pool.add(storeOp(v, sidx, () => ops.delete(key)));
      continue;
    }
    const { shard, raw } = done;
    tally.addChunk(key, raw, shard.length, xxh64Hex(shard));
    ctx.hooks?.onChunk?.({ key, bytesIn: raw, bytesOut: shard.length });
    await pool.add(storeOp(v, sidx, () => ops.set(key, shard)), shard.length); // shards in flight stay within the budget
    written++;
  }
  return written;
}
