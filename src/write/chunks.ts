// The per-variable engine shared by initializeStore (unchunked variables) and write (chunked regions):
// compute a block into WASM memory, cut it into chunks, encode, and hand chunks to a bounded write pool.
import { createHash } from "node:crypto";
import type { TypedArray } from "../kernels/arena.js";
import { kernels, type Kernels } from "../kernels/instance.js";
import type { ComputeCache } from "../model/lazy.js";
import { dtypeInfo, patternWords } from "../model/dtypes.js";
import type { IndexRange } from "../plan/blocks.js";
import { FileSystemStore, type StoreOps } from "../store/index.js";
import { STAGE_IN_FLIGHT, stageAlloc as stageAlloc_ } from "../store/io-thread.js";
import { S3Store } from "../store/s3/store.js";
import { S3_STAGE_IN_FLIGHT, stageAlloc as s3StageAlloc } from "../store/s3/staging.js";
import { chunkKey } from "../zarr/keys.js";
import type { ZarrFormat } from "../zarr/keys.js";
import { ChunkSlicer } from "../kernels/slice.js";
import { xxh64Hex, xxh64HexPtr } from "../kernels/xxh64.js";
import { chunkIndicesOf, contiguousOffset, type SliceGeometry } from "./blocks.js";
import { PartitionWriteError } from "./errors.js";
import { computeRegion, type VariablePlan } from "./plan.js";
import { writeBlockShards } from "./shards.js";

const now = (): number => performance.now();
export const fmtRegion = (r: readonly IndexRange[]): string => `[${r.map((x) => `${x.start}:${x.stop}`).join(", ")}]`;

/** The array region of chunk (or shard) `idx` of `v`. */
export function chunkRegion(v: VariablePlan, idx: readonly number[]): IndexRange[] {
  return idx.map((c, d) => ({ start: c * v.chunkShape[d]!, stop: Math.min((c + 1) * v.chunkShape[d]!, v.shape[d]!) }));
}

/**
 * A store write or delete of chunk `idx` of `v` whose failure (ENOSPC...) names the variable and the chunk's
 * region: the pool may rethrow it later, while another block or variable is written, or from drain().
 */
export function storeOp(v: VariablePlan, idx: readonly number[], op: () => Promise<unknown>): () => Promise<void> {
  return () =>
    op().then(
      () => undefined,
      (e) => {
        throw e instanceof PartitionWriteError ? e : new PartitionWriteError(v.name, fmtRegion(chunkRegion(v, idx)), e);
      },
    );
}

/**
 * Bytes of staged values in flight from this thread, over its ranks (and writes): a rank finishing its last
 * writes and the next one started beside it (src/run/threads.ts) share one STAGE_IN_FLIGHT, so that the overlap
 * does not fault in a second set of staging buffers (a rank with nothing in flight of its own still stages one).
 */
const STAGED_IN_THREAD = { bytes: 0 };

/** Bounded concurrency for store operations; the first failure is kept and rethrown by `drain`. */
export class WritePool {
  private readonly inflight = new Set<Promise<void>>();
  private error: unknown;
  storeSeconds = 0;
  /**
   * `maxBytes`: bytes of values in flight at once (besides the count limit), e.g. the memory budget, so that
   * large values (shards) waiting for the store do not pile up; one value is always let through. `inFlight`
   * counts those bytes: this pool's own, or a count its thread's pools share (STAGED_IN_THREAD).
   */
  constructor(private readonly limit: number, public maxBytes = Infinity, private readonly inFlight: { bytes: number } = { bytes: 0 }) {}

  async add(op: () => Promise<void>, bytes = 0): Promise<void> {
    await this.room(bytes);
    const t0 = now();
    this.inFlight.bytes += bytes;
    const p: Promise<void> = op().then(
      () => { this.storeSeconds += (now() - t0) / 1000; },
      (e) => { this.error ??= e; },
    ).finally(() => {
      this.inFlight.bytes -= bytes;
      this.inflight.delete(p);
    });
    this.inflight.add(p);
  }

  /**
   * Wait until a value of `bytes` may be added (`add` then starts it at once), within `maxBytes` in flight
   * (at most this pool's own); rethrows the first failure.
   */
  async room(bytes: number, maxBytes = this.maxBytes): Promise<void> {
    if (this.error) throw this.error;
    const max = Math.min(maxBytes, this.maxBytes);
    while (this.inflight.size >= this.limit || (this.inflight.size > 0 && this.inFlight.bytes + bytes > max)) await Promise.race(this.inflight);
    if (this.error) throw this.error;
  }

  /** Wait for every operation; rethrow the first failure. */
  async drain(): Promise<void> {
    while (this.inflight.size) await Promise.race(this.inflight);
    if (this.error) throw this.error;
  }

  /** Wait for every operation, ignoring failures (after another error). */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.inflight]);
  }
}

/**
 * A chunk's contribution to a rank's digest: sha256 of its key, its length and the XXH64 of its bytes (taken
 * by the WASM kernel, in place where the bytes are in WASM memory: sha256 over every byte cost a third of the
 * encode time, CRC-32C a fifth of the whole write; XXH64 runs about 8x faster than CRC-32C).
 */
export function chunkHashOf(key: string, length: number, xxh: string): Uint8Array {
  return createHash("sha256").update(`${key}\0${length}\0${xxh}`).digest();
}

export function chunkHash(key: string, encoded: Uint8Array): Uint8Array {
  return chunkHashOf(key, encoded.length, xxh64Hex(encoded));
}

/** Tallies of what a rank wrote: chunk count, bytes, an order-independent digest of keys and bytes. */
export class Tally {
  chunks = 0;
  skippedEmpty = 0;
  bytesIn = 0;
  bytesOut = 0;
  computeSeconds = 0;
  encodeSeconds = 0;
  private readonly acc = new Uint8Array(32);

  /** Per chunk written: [key, "<key>\t<length>\t<xxh64>"], the rank's manifest (/.xpartition/ranks/<rank>.chunks). */
  private readonly entries: [string, string][] = [];

  add(key: string, raw: number, encoded: Uint8Array): void {
    this.addChunk(key, raw, encoded.length, xxh64Hex(encoded));
  }

  /** A chunk written, by its key, length and XXH64: counted, in the digest and in the manifest. */
  addChunk(key: string, raw: number, encodedLength: number, xxh: string): void {
    this.addHashed(raw, encodedLength, chunkHashOf(key, encodedLength, xxh));
    this.note(key, encodedLength, xxh);
  }

  /** A manifest entry only (the chunk was counted with `addHashed`). */
  note(key: string, encodedLength: number, xxh: string): void {
    this.entries.push([key, `${key}\t${encodedLength}\t${xxh}\n`]);
  }

  /** The manifest: one line per chunk, `<key>\t<byte length>\t<xxh64 hex>\n`, sorted by key. */
  manifest(): Uint8Array {
    const lines = this.entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map((e) => e[1]);
    return new TextEncoder().encode(lines.join(""));
  }

  /** `add` with the chunk's hash computed elsewhere (by an encode thread: src/run/encode-pool.ts). */
  addHashed(raw: number, encodedLength: number, hash: Uint8Array): void {
    this.chunks++;
    this.bytesIn += raw;
    this.bytesOut += encodedLength;
    for (let i = 0; i < 32; i++) this.acc[i]! ^= hash[i]!;
  }

  get digest(): string {
    return "sha256-xor-xxh64:" + Array.from(this.acc, (b) => b.toString(16).padStart(2, "0")).join("");
  }
}

/** Optional hooks for callers running ranks (src/run: pools, CLI): progress and cancellation. */
export interface EngineHooks {
  /** Called for each chunk encoded and handed to the store. */
  onChunk?: (chunk: { key: string; bytesIn: number; bytesOut: number }) => void;
  /** Checked before each chunk: an abort stops the rank (store writes in flight finish; no record). */
  signal?: AbortSignal;
  /** Slicing and encoding on other threads (`concurrency` > 1; src/run/encode-pool.ts). */
  offload?: BlockOffload;
  /** Called after each block is computed, before its chunks go out: throws when the store changed (its generation). */
  fence?: () => Promise<void>;
  /**
   * Called once every block is computed and encoded, when the rest of the rank only waits for its store writes
   * and then writes its manifest and record (writeAll's threads then start their next rank beside it).
   */
  onComputed?: () => void;
}

/** Takes over a block after `writeBlock` is called: computes it, then slices and encodes it elsewhere. */
export interface BlockOffload {
  accepts(ctx: EngineContext, v: VariablePlan): boolean;
  /** Resolves once the block is computed and handed off (not encoded); returns its chunk count. */
  writeBlock(ctx: EngineContext, v: VariablePlan, block: IndexRange[], cache?: ComputeCache): Promise<number>;
  /** Every handed-off chunk encoded and given to the write pool; rethrows the first failure. */
  drain(): Promise<void>;
  /** Like drain, ignoring failures (after another error). */
  settle(): Promise<void>;
}

export interface EngineContext {
  hooks?: EngineHooks;
  k: Kernels;
  ops: StoreOps;
  format: ZarrFormat;
  pool: WritePool;
  tally: Tally;
  writeEmptyChunks: boolean;
  /**
   * Memory for encoded bytes that the store takes without a copy of its own (src/store/io-thread.ts,
   * S3Store.stageAlloc): given to one `set` and never read after it.
   */
  stageAlloc?: (n: number) => Uint8Array;
  /** Bytes of staged values in flight before the next is staged (the filesystem writer thread's STAGE_IN_FLIGHT). */
  stageInFlight?: number;
}

export function engine(ops: StoreOps, format: ZarrFormat, concurrency: number, writeEmptyChunks: boolean): EngineContext {
  const st = ops.store;
  // The filesystem store's writer thread, or a store's own (S3Store: buffers reused once their PUT succeeded).
  const thread = st instanceof FileSystemStore && st.ioThread;
  const s3 = st instanceof S3Store;
  const stageAlloc = thread ? stageAlloc_ : s3 ? s3StageAlloc : undefined;
  const stageInFlight = thread ? STAGE_IN_FLIGHT : s3 ? S3_STAGE_IN_FLIGHT : undefined;
  const pool = stageInFlight !== undefined ? new WritePool(concurrency, Infinity, STAGED_IN_THREAD) : new WritePool(concurrency);
  return { k: kernels(), ops, format, pool, tally: new Tally(), writeEmptyChunks, stageAlloc, ...(stageInFlight !== undefined ? { stageInFlight } : {}) };
}

/**
 * bool is stored as bytes 0/1 (NumPy's and zarr's): any other byte a compute left is written as 1. Done in
 * place, after the compute's output was copied into writer memory (never in the caller's own array), on both
 * the calling thread's path and the encode threads' (src/run/encode-pool.ts).
 */
export function normalizeBool(a: Uint8Array): void {
  const n = a.length;
  let i = 0;
  for (; i < n && (a.byteOffset + i) & 3; i++) if (a[i]! > 1) a[i] = 1;
  // Four bytes at a time (2-3x the byte loop): each byte's 8 bits ORed into its bit 0.
  const words = (n - i) >>> 2;
  if (words > 0) {
    const w = new Uint32Array(a.buffer, a.byteOffset + i, words);
    for (let j = 0; j < words; j++) {
      const x = w[j]!;
      if ((x & 0xfefefefe) === 0) continue;
      let t = x | (x >>> 4);
      t |= t >>> 2;
      t |= t >>> 1;
      w[j] = t & 0x01010101;
    }
    i += words * 4;
  }
  for (; i < n; i++) if (a[i]! > 1) a[i] = 1;
}

/**
 * Computes in flight on this thread, by variable and region: what a command names when its event loop empties
 * with a compute that never settles (src/cli/main.ts, src/run/worker.ts).
 */
export const pendingComputes = new Set<{ variable: string; region: string }>();

/** `computeRegion`, registered in `pendingComputes` until it settles. */
export async function trackedCompute(v: VariablePlan, block: IndexRange[], out?: TypedArray, cache?: ComputeCache): Promise<TypedArray> {
  const entry = { variable: v.name, region: fmtRegion(block) };
  pendingComputes.add(entry);
  try {
    return await computeRegion(v, block, out, cache);
  } finally {
    pendingComputes.delete(entry);
  }
}

/** Compute `block` of `v` into WASM memory; returns the pointer (inside the arena, above the caller's mark). */
async function computeBlock(ctx: EngineContext, v: VariablePlan, block: IndexRange[], cache?: ComputeCache): Promise<number> {
  const { k } = ctx;
  const info = dtypeInfo(v.dtype);
  const n = block.reduce((p, r) => p * (r.stop - r.start), 1);
  const ptr = k.arena.alloc(n * info.size);
  const out = k.arena.view(info.ctor as never, ptr, n) as TypedArray;
  const t0 = now();
  let res = await trackedCompute(v, block, out, cache);
  if (n > 0 && res.byteLength === 0) {
    // WASM memory grew while the function ran (something else allocated in it): `out` was detached. Compute
    // again into memory of its own and copy.
    res = await trackedCompute(v, block, undefined, cache);
  }
  if (!(res.buffer === k.memory.buffer && res.byteOffset === ptr)) {
    k.u8.set(new Uint8Array(res.buffer, res.byteOffset, res.byteLength), ptr);
  }
  if (info.kind === "b") normalizeBool(k.u8.subarray(ptr, ptr + n));
  ctx.tally.computeSeconds += (now() - t0) / 1000;
  return ptr;
}

/** Slice, encode and store every chunk of a block already in WASM memory at `ptr`. */
async function writeBlockChunks(ctx: EngineContext, v: VariablePlan, block: IndexRange[], ptr: number): Promise<number> {
  const { k, ops, pool, tally } = ctx;
  const info = dtypeInfo(v.dtype);
  const chunkElems = v.chunkShape.reduce((p, c) => p * c, 1);
  const chunkBytes = chunkElems * info.size;
  const pad = patternWords(v.dtype, v.pad);
  const blockShape = block.map((r) => r.stop - r.start);
  const sep = v.spec.separator;
  // The WASM slicing kernel (0-d arrays included: one element).
  const slicer = new ChunkSlicer({ arrayShape: v.shape, chunkShape: v.chunkShape, dtype: v.dtype, fillWords: pad });
  const origin = block.map((r) => r.start);
  let written = 0;
  for (const idx of chunkIndicesOf(block, v.chunkShape)) {
    ctx.hooks?.signal?.throwIfAborted();
    const t0 = now();
    const g: SliceGeometry = {
      blockShape,
      offset: idx.map((c, d) => c * v.chunkShape[d]! - block[d]!.start),
      valid: idx.map((c, d) => Math.min(v.chunkShape[d]!, v.shape[d]! - c * v.chunkShape[d]!)),
      chunkShape: v.chunkShape,
      elemSize: info.size,
    };
    const key = chunkKey(ctx.format, v.name, idx, sep);
    const mark = k.arena.mark();
    try {
      const inPlace = contiguousOffset(g);
      let cptr = ptr + inPlace;
      if (inPlace < 0) {
        cptr = k.arena.alloc(chunkBytes);
        slicer.sliceInto({ ptr, shape: blockShape, origin }, idx, cptr, k);
      }
      if (!ctx.writeEmptyChunks && k.exports.allEqualPattern(cptr, chunkElems, info.size, pad[0], pad[1]) !== 0) {
        tally.skippedEmpty++;
        tally.encodeSeconds += (now() - t0) / 1000;
        await pool.add(storeOp(v, idx, () => ops.delete(key)));
        continue;
      }
      let encoded: Uint8Array, xxh: string, waited = 0;
      const pipeline = v.codecs.pipeline;
      if (pipeline.spanCapable) {
        // Kernel codecs chain span to span in WASM memory; the checksum is taken there, then one copy out.
        const span = pipeline.encodeSpan(k, { ptr: cptr, len: chunkBytes }, info.size);
        xxh = xxh64HexPtr(span.ptr, span.len, k);
        if (ctx.stageAlloc) {
          // The writer thread's staged buffers are reused once written: wait for room first, so that this copy
          // lands in a buffer given back rather than in fresh pages (the span stays ours: the arena is held).
          if (ctx.stageInFlight !== undefined) {
            const tw = now();
            await pool.room(span.len, ctx.stageInFlight);
            waited = now() - tw; // not encode time
          }
          (encoded = ctx.stageAlloc(span.len)).set(k.u8.subarray(span.ptr, span.ptr + span.len));
        } else encoded = k.u8.slice(span.ptr, span.ptr + span.len);
      } else {
        encoded = await pipeline.encodeChunk({ ptr: cptr, len: chunkBytes }, info.size);
        xxh = xxh64Hex(encoded);
      }
      tally.addChunk(key, chunkBytes, encoded.length, xxh);
      tally.encodeSeconds += (now() - t0 - waited) / 1000;
      ctx.hooks?.onChunk?.({ key, bytesIn: chunkBytes, bytesOut: encoded.length });
      await pool.add(storeOp(v, idx, () => ops.set(key, encoded)), encoded.length); // chunks in flight stay within half the budget
      written++;
    } finally {
      k.arena.release(mark);
    }
  }
  return written;
}

/**
 * The kernels' arena is a bump allocator per thread: concurrent writes in one thread (e.g. `mappableWrite`
 * ranks under Promise.all) take turns block by block, so marks are released in order. Store writes already
 * handed to a pool keep overlapping.
 */
let turn: Promise<unknown> = Promise.resolve();
function inTurn<T>(fn: () => Promise<T>): Promise<T> {
  const run = turn.then(fn, fn);
  turn = run.catch(() => undefined);
  return run;
}

/** Compute and write the chunks of `v` covering `block`, wrapping failures with the variable and region. */
export async function writeBlock(ctx: EngineContext, v: VariablePlan, block: IndexRange[], cache?: ComputeCache): Promise<number> {
  const offload = ctx.hooks?.offload;
  if (offload?.accepts(ctx, v)) {
    try {
      return await offload.writeBlock(ctx, v, block, cache);
    } catch (e) {
      if (e instanceof PartitionWriteError) throw e;
      throw new PartitionWriteError(v.name, fmtRegion(block), e);
    }
  }
  return inTurn(() => writeBlockHere(ctx, v, block, cache));
}

async function writeBlockHere(ctx: EngineContext, v: VariablePlan, block: IndexRange[], cache?: ComputeCache): Promise<number> {
  const mark = ctx.k.arena.mark();
  try {
    const ptr = await computeBlock(ctx, v, block, cache);
    await ctx.hooks?.fence?.();
    return await (v.shard ? writeBlockShards(ctx, v, block, ptr) : writeBlockChunks(ctx, v, block, ptr));
  } catch (e) {
    if (e instanceof PartitionWriteError) throw e;
    throw new PartitionWriteError(v.name, fmtRegion(block), e);
  } finally {
    ctx.k.arena.release(mark);
  }
}
