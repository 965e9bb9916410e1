// `concurrency` inside one rank: slicing and encoding on worker threads (each with its own WASM instance),
// pipelined with the compute, which stays on the calling thread (the user's function need not be
// worker-safe). Each block is computed straight into shared memory (one of two buffers, so that at most two
// blocks are held: the one being encoded and the next one being computed), cut into slabs of one chunk row
// along the first axis (contiguous in C order), and the slabs are handed to the threads; encoded chunks come
// back one by one and go to the store through the writer's bounded write pool.
import { Worker } from "node:worker_threads";
import { dtypeInfo } from "../model/dtypes.js";
import type { ComputeCache } from "../model/lazy.js";
import type { TypedArray } from "../kernels/arena.js";
import type { IndexRange } from "../plan/blocks.js";
import { chunkKey, type ZarrFormat } from "../zarr/keys.js";
import type { EngineContext, BlockOffload } from "../write/chunks.js";
import { fmtRegion, normalizeBool, storeOp, trackedCompute } from "../write/chunks.js";
import { PartitionWriteError } from "../write/errors.js";
import type { VariablePlan } from "../write/plan.js";
import type { EncodeReply, UnitMessage, VariableMessage } from "./encode-worker.js";

interface Unit {
  msg: UnitMessage;
  format: ZarrFormat;
  v: VariablePlan;
  block: IndexRange[];
  onChunk(i: number, bytes: Uint8Array, hash: Uint8Array, xxh: string, seconds: number, raw?: number): void;
  onDone(error?: Error): void;
}

interface Thread {
  w: Worker;
  inflight: Map<number, Unit>;
  vars: Set<number>;
}

/** Encode threads shared by every write of this thread that asks for the same concurrency; idle ones are unref'd. */
class EncodeThreads {
  private readonly threads: Thread[] = [];
  private readonly waiting: Unit[] = [];
  private uid = 0;
  private readonly varIds = new WeakMap<VariablePlan, number>();
  private nextVar = 0;

  constructor(readonly size: number) {
    for (let i = 0; i < size; i++) this.spawn();
  }

  private spawn(): void {
    const w = new Worker(new URL("./encode-worker.js", import.meta.url));
    const t: Thread = { w, inflight: new Map(), vars: new Set() };
    w.on("message", (m: EncodeReply) => {
      const u = t.inflight.get(m.uid);
      if (!u) return;
      if (m.t === "chunk") return u.onChunk(m.i, m.bytes, m.hash, m.xxh, m.seconds, m.raw);
      t.inflight.delete(m.uid);
      u.onDone(m.t === "error" ? Object.assign(new Error(m.message), { name: m.name }) : undefined);
      this.pump();
    });
    const fail = (e: Error) => {
      // A dead thread fails what it held and is replaced.
      const i = this.threads.indexOf(t);
      if (i >= 0) this.threads.splice(i, 1);
      for (const u of t.inflight.values()) u.onDone(e);
      t.inflight.clear();
      this.spawn();
      this.pump();
    };
    w.on("error", fail);
    w.on("exit", (code) => this.threads.includes(t) && fail(new Error(`encode thread exited with code ${code}`)));
    w.unref(); // after the listeners: adding a 'message' listener refs the thread's port again
    this.threads.push(t);
  }

  varId(v: VariablePlan): number {
    let id = this.varIds.get(v);
    if (id === undefined) this.varIds.set(v, (id = this.nextVar++));
    return id;
  }

  submit(u: Omit<Unit, "msg"> & { msg: Omit<UnitMessage, "uid"> }): void {
    this.waiting.push({ ...u, msg: { ...u.msg, uid: this.uid++ } });
    this.pump();
  }

  /** Two units per thread: one running, one queued, so that no thread idles between units. */
  private pump(): void {
    while (this.waiting.length) {
      const t = this.threads.reduce<Thread | undefined>((best, x) => (x.inflight.size < 2 && (!best || x.inflight.size < best.inflight.size) ? x : best), undefined);
      if (!t) return;
      const u = this.waiting.shift()!;
      if (!t.vars.has(u.msg.varId)) {
        const v = u.v;
        const encoding = v.codecs.compressor !== null || v.codecs.filters !== null
          ? { compressor: v.codecs.compressor, filters: v.codecs.filters }
          : { codecs: v.codecs.codecs };
        const sh = v.shard;
        const vm: VariableMessage = {
          t: "var", id: u.msg.varId, name: v.name, dtype: v.dtype, arrayShape: [...v.shape], chunkShape: [...v.chunkShape],
          pad: v.pad, elementSize: dtypeInfo(v.dtype).size, encoding, format: u.format, separator: v.spec.separator ?? (u.format === 2 ? "." : "/"),
          ...(sh ? { shard: { perShard: sh.perShard, indexCrc: sh.indexCrc, indexLocation: sh.indexLocation, innerShape: sh.innerShape, innerCodecs: sh.inner.codecs } } : {}),
        };
        t.w.postMessage(vm);
        t.vars.add(u.msg.varId);
      }
      t.inflight.set(u.msg.uid, u);
      t.w.ref();
      t.w.postMessage(u.msg);
    }
    for (const t of this.threads) if (t.inflight.size === 0) t.w.unref();
  }
}

const shared = new Map<number, EncodeThreads>();
function threads(n: number): EncodeThreads {
  let p = shared.get(n);
  if (!p) shared.set(n, (p = new EncodeThreads(n)));
  return p;
}

interface Slot {
  sab: SharedArrayBuffer;
  pending: number;
}

// Block buffers are kept for the next rank: a fresh SharedArrayBuffer of a few hundred MB costs its page
// faults (and zero-filling) again on every write.
const spare: SharedArrayBuffer[] = [];
function takeBuffer(bytes: number): SharedArrayBuffer {
  const i = spare.findIndex((b) => b.byteLength >= bytes);
  if (i >= 0) return spare.splice(i, 1)[0]!;
  if (spare.length) spare.shift(); // too small: let it go
  return new SharedArrayBuffer(bytes);
}
function keepBuffer(b: SharedArrayBuffer): void {
  spare.push(b);
  spare.sort((x, y) => y.byteLength - x.byteLength);
  spare.splice(2);
}

/** One rank's offload: implements the writer's BlockOffload hook. */
export class RankOffload implements BlockOffload {
  private readonly pool: EncodeThreads;
  private readonly slots: Slot[] = [];
  private readonly freed: (() => void)[] = [];
  private outstanding = 0;
  private idle: (() => void)[] = [];
  private chain: Promise<void> = Promise.resolve();
  private error: unknown;

  constructor(concurrency: number) {
    this.pool = threads(concurrency);
  }

  /** Only n-d variables written whole (empty-chunk skipping stays on the calling thread). */
  accepts(ctx: EngineContext, v: VariablePlan): boolean {
    return ctx.writeEmptyChunks && v.shape.length > 0;
  }

  private async acquire(bytes: number): Promise<Slot> {
    for (;;) {
      const free = this.slots.find((s) => s.pending === 0 && s.sab.byteLength >= bytes) ?? this.slots.find((s) => s.pending === 0);
      if (free) {
        if (free.sab.byteLength < bytes) free.sab = takeBuffer(bytes);
        return free;
      }
      if (this.slots.length < 2) {
        const s = { sab: takeBuffer(bytes), pending: 0 };
        this.slots.push(s);
        return s;
      }
      await new Promise<void>((r) => this.freed.push(r));
    }
  }

  async writeBlock(ctx: EngineContext, v: VariablePlan, block: IndexRange[], cache?: ComputeCache): Promise<number> {
    if (this.error) throw this.error;
    ctx.hooks?.signal?.throwIfAborted();
    const info = dtypeInfo(v.dtype);
    const shape = block.map((r) => r.stop - r.start);
    const n = shape.reduce((p, x) => p * x, 1);
    const slot = await this.acquire(n * info.size);
    const t0 = performance.now();
    const out = new (info.ctor as unknown as new (b: SharedArrayBuffer, o: number, n: number) => TypedArray)(slot.sab, 0, n);
    const res = await trackedCompute(v, block, out, cache);
    if (res !== out) new Uint8Array(slot.sab, 0, res.byteLength).set(new Uint8Array(res.buffer, res.byteOffset, res.byteLength));
    if (info.kind === "b") normalizeBool(new Uint8Array(slot.sab, 0, n)); // as on the calling thread's path
    ctx.tally.computeSeconds += (performance.now() - t0) / 1000;
    await ctx.hooks?.fence?.();

    // Work units. Long rows (>= 4 KiB contiguous per chunk): a few chunks each, gathered by the thread straight
    // from shared memory. Short rows: slabs of one chunk row along axis 0 (contiguous in the C-order block),
    // copied in once and cut by the slicing kernel.
    const c = v.chunkShape;
    let q = shape.length - 1;
    while (q > 0 && shape[q] === c[q]) q--;
    const rowBytes = Math.min(shape[q]!, c[q]!) * c.slice(q + 1).reduce((p, x) => p * x, info.size);
    const gather = rowBytes >= 4096;
    const lo = block.map((r, d) => Math.floor(r.start / c[d]!));
    const hi = block.map((r, d) => Math.ceil(r.stop / c[d]!));
    const chunkBytes = c.reduce((p, x) => p * x, info.size);
    const origin = block.map((r) => r.start);
    const units: { chunks: number[][]; byteOffset: number; shape: number[]; origin: number[]; region: IndexRange[] }[] = [];
    if (gather) {
      const per = Math.max(1, Math.floor((4 << 20) / chunkBytes)); // ~4 MiB of chunks per unit
      let cur: number[][] = [];
      const idx = [...lo];
      for (;;) {
        cur.push([...idx]);
        if (cur.length === per) units.push({ chunks: cur, byteOffset: 0, shape, origin, region: block }), (cur = []);
        let d = idx.length - 1;
        while (d >= 0 && ++idx[d]! >= hi[d]!) idx[d] = lo[d--]!;
        if (d < 0) break;
      }
      if (cur.length) units.push({ chunks: cur, byteOffset: 0, shape, origin, region: block });
    } else {
      const c0 = c[0]!;
      const slabRow = (n / shape[0]!) * info.size;
      for (let s = block[0]!.start; s < block[0]!.stop; s += c0) {
        const e = Math.min(s + c0, block[0]!.stop);
        const chunks: number[][] = [];
        const idx = [Math.floor(s / c0), ...lo.slice(1)];
        for (;;) {
          chunks.push([...idx]);
          let d = idx.length - 1;
          while (d >= 1 && ++idx[d]! >= hi[d]!) idx[d] = lo[d--]!;
          if (d < 1) break;
        }
        const slab = [{ start: s, stop: e }, ...block.slice(1)];
        units.push({ chunks, byteOffset: (s - block[0]!.start) * slabRow, shape: [e - s, ...shape.slice(1)], origin: slab.map((r) => r.start), region: slab });
      }
    }
    let count = 0;
    for (const unit of units) {
      const { chunks } = unit;
      count += chunks.length;
      slot.pending++;
      this.outstanding++;
      this.pool.submit({
        v, block: unit.region, format: ctx.format,
        msg: { t: "unit", varId: this.pool.varId(v), sab: slot.sab, byteOffset: unit.byteOffset, shape: unit.shape, origin: unit.origin, chunks, gather },
        onChunk: (i, bytes, hash, xxh, seconds, raw = chunkBytes) => {
          const key = chunkKey(ctx.format, v.name, chunks[i]!, v.spec.separator);
          ctx.tally.addHashed(raw, bytes.length, hash);
          ctx.tally.note(key, bytes.length, xxh);
          ctx.tally.encodeSeconds += seconds;
          ctx.hooks?.onChunk?.({ key, bytesIn: raw, bytesOut: bytes.length });
          // The bytes came from an encode thread, transferred: nothing else holds them.
          this.chain = this.chain.then(() => ctx.pool.add(storeOp(v, chunks[i]!, () => ctx.ops.set(key, bytes, true)), bytes.length)).catch((err) => {
            this.error ??= err;
          });
        },
        onDone: (err) => {
          if (err) this.error ??= new PartitionWriteError(v.name, fmtRegion(unit.region), err);
          if (--slot.pending === 0) this.freed.splice(0).forEach((r) => r());
          if (--this.outstanding === 0) this.idle.splice(0).forEach((r) => r());
        },
      });
    }
    return count;
  }

  /** Every slab encoded and handed to the store's write pool; rethrows the first failure. */
  async drain(): Promise<void> {
    await this.settle();
    if (this.error) throw this.error;
  }

  async settle(): Promise<void> {
    while (this.outstanding > 0) await new Promise<void>((r) => this.idle.push(r));
    await this.chain;
    for (const s of this.slots.splice(0)) keepBuffer(s.sab);
  }
}
