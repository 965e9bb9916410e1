// The filesystem store's writer thread. A `set` through node:fs/promises is five steps (mkdir, open, write,
// close, rename), and each step waits for a turn of this thread's event loop; while the writer encodes a chunk
// synchronously those turns do not come, so the store's system calls mostly ran between encodes, not beside
// them. Here one thread runs each `set` whole with synchronous calls, while this thread keeps encoding.
// Measured on D1 (zstd level 1, zarr v3): 0.40 -> 0.34 s per write to tmpfs, 0.60-0.68 -> 0.54-0.56 s to this
// VM's disk (bench/README.md).
import { Worker } from "node:worker_threads";
import { BufferPool } from "./buffer-pool.js";

/** One write: bytes to `tmp` in `dir` (its missing directories made, below `root` only), then renamed over `file`. */
export interface IoWrite {
  /** The store's root: never created by a write (a removed root fails the write with code ROOT_GONE). */
  root: string;
  dir: string;
  tmp: string;
  file: string;
  bytes: Uint8Array;
  durable: boolean;
  /**
   * The caller gives its buffer away (its bytes span a whole, non-shared ArrayBuffer that it will not touch
   * again): it crosses to the thread and back without a copy, and is detached here meanwhile.
   */
  owned?: boolean;
}

/** The error code of a write whose store root no longer exists. */
export const ROOT_GONE = "XP_STORE_ROOT_GONE";

// The thread's code, as a data: URL module so that it runs the same from src/ (vitest), dist/ and Deno. Every
// call is synchronous: the thread does nothing else. On failure the temporary file is removed and the error's
// code, syscall and path come back with its message.
const SOURCE = `
import { parentPort } from "node:worker_threads";
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, statSync, unlinkSync, writeSync } from "node:fs";
import { dirname } from "node:path";
// dir and its missing parents, one level at a time from the deepest, never the root (see fs.ts makeDirBelow).
function makeDirBelow(root, dir) {
  if (dir === root || dir.length <= root.length) {
    try { statSync(root); } catch (e) {
      if (e.code === "ENOENT") throw Object.assign(new Error("store root gone"), { code: ${JSON.stringify(ROOT_GONE)} });
      throw e;
    }
    return;
  }
  try { mkdirSync(dir); } catch (e) {
    if (e.code === "EEXIST") return;
    if (e.code !== "ENOENT") throw e;
    makeDirBelow(root, dirname(dir));
    try { mkdirSync(dir); } catch (e2) { if (e2.code !== "EEXIST") throw e2; }
  }
}
parentPort.on("message", (m) => {
  let fd = -1;
  try {
    try {
      fd = openSync(m.tmp, "wx");
    } catch (e) {
      // A new directory (or one removed since): make it, below the root only.
      if (e.code !== "ENOENT") throw e;
      makeDirBelow(m.root, m.dir);
      fd = openSync(m.tmp, "wx");
    }
    const v = new Uint8Array(m.buf, m.off, m.len);
    let at = 0;
    while (at < v.length) at += writeSync(fd, v, at, v.length - at, at);
    if (m.durable) fsyncSync(fd);
    closeSync(fd);
    fd = -1;
    renameSync(m.tmp, m.file);
    if (m.durable) {
      const d = openSync(m.dir, "r");
      try { fsyncSync(d); } catch (e) { if (e.code !== "EISDIR" && e.code !== "EINVAL") throw e; } finally { closeSync(d); }
    }
    // An owned buffer goes back, so that its memory is freed by the thread that made it.
    parentPort.postMessage({ id: m.id }, m.owned ? [m.buf] : []);
  } catch (e) {
    if (fd >= 0) try { closeSync(fd); } catch {}
    try { unlinkSync(m.tmp); } catch {}
    parentPort.postMessage({ id: m.id, error: { message: String(e && e.message || e), code: e && e.code, syscall: e && e.syscall, path: e && e.path } }, m.owned ? [m.buf] : []);
  }
});`;

interface Reply {
  id: number;
  error?: { message: string; code?: string; syscall?: string; path?: string };
}

/**
 * The writer thread shared by every FileSystemStore of this thread: started at the first write, referenced
 * (keeping the process alive) only while writes are pending, and replaced if it dies.
 */
class IoThread {
  private w: Worker | undefined;
  private pending = new Map<number, { resolve(): void; reject(e: Error): void }>();
  private id = 0;
  /** The writer's staged values: at most 40 MiB idle, covering STAGE_IN_FLIGHT with room for rounding. */
  readonly buffers = new BufferPool((n) => new SharedArrayBuffer(n), 1 << 20, 40 * 1024 * 1024);

  get pendingCount(): number {
    return this.pending.size;
  }

  write(req: IoWrite): Promise<void> {
    const w = this.worker();
    // The bytes cross in a SharedArrayBuffer: the caller's buffer is neither detached nor cloned whole (a view
    // into WASM memory would clone all of it). Other bytes are copied once into a buffer kept for reuse: a
    // fresh one per write cost more in page faults than the thread saved.
    let { bytes } = req;
    const shared = bytes.buffer instanceof SharedArrayBuffer;
    const owned = req.owned === true && !shared && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
    let lent = staged.delete(bytes.buffer) ? (bytes.buffer as SharedArrayBuffer) : undefined;
    if (!lent && !owned && !shared) {
      lent = this.buffers.take(bytes.byteLength);
      const s = new Uint8Array(lent, 0, bytes.byteLength);
      s.set(bytes);
      bytes = s;
    }
    const id = this.id++;
    return new Promise<void>((resolve, reject) => {
      // A lent buffer goes back for reuse only once the thread acknowledged its write (it no longer reads it);
      // after a failure it is left to the garbage collector, as S3's staged buffers are (src/store/s3/staging.ts).
      this.pending.set(id, { resolve: () => { if (lent) this.buffers.give(lent); resolve(); }, reject });
      if (this.pending.size === 1) w.ref();
      const msg = { id, root: req.root, dir: req.dir, tmp: req.tmp, file: req.file, durable: req.durable, owned, buf: bytes.buffer, off: bytes.byteOffset, len: bytes.byteLength };
      try {
        w.postMessage(msg, owned ? [bytes.buffer as ArrayBuffer] : []);
      } catch (e) {
        // Not sent (an "owned" buffer that cannot be transferred, such as WASM memory's): no write is pending.
        this.pending.delete(id);
        if (this.pending.size === 0) w.unref();
        throw e;
      }
    });
  }

  /** Start the thread now (unreferenced), so that the first write does not wait for it to boot. */
  start(): void {
    this.worker();
  }

  /** Stop the thread: writes still pending fail; the next write starts a new thread. */
  async close(): Promise<void> {
    const w = this.w;
    if (!w) return;
    const pending = this.detach();
    // Failed only once the thread has stopped reading their buffers.
    await w.terminate();
    const e = new Error("the filesystem store's writer thread was closed with this write pending");
    for (const p of pending.values()) p.reject(e);
  }

  /** Forget the current thread; returns its pending writes (the next write starts a new thread). */
  private detach(): Map<number, { resolve(): void; reject(e: Error): void }> {
    const pending = this.pending;
    this.w = undefined;
    this.pending = new Map();
    return pending;
  }

  private worker(): Worker {
    if (this.w) return this.w;
    const w = new Worker(new URL(`data:text/javascript,${encodeURIComponent(SOURCE)}`));
    w.on("message", (m: Reply) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (this.pending.size === 0) w.unref();
      if (!m.error) return p.resolve();
      p.reject(Object.assign(new Error(m.error.message), { code: m.error.code, syscall: m.error.syscall, path: m.error.path }));
    });
    const fail = (e: Error) => {
      if (this.w !== w) return; // already closed or replaced
      for (const p of this.detach().values()) p.reject(e);
    };
    w.on("error", fail);
    w.on("exit", (code) => fail(new Error(`the filesystem store's writer thread exited with code ${code}`)));
    w.unref(); // after the listeners (a 'message' listener refs the port again): an idle thread, started early, must not hold the process
    return (this.w = w);
  }
}

let shared: IoThread | undefined;

/**
 * Values up to this size go to the writer thread; larger ones (shards, say) through node:fs/promises, whose
 * one write call per value costs little next to its bytes, and which needs no copy of them (staged values:
 * STAGE_MAX_BYTES).
 */
export const THREAD_MAX_BYTES = 4 * 1024 * 1024;

/**
 * Writes beyond this many waiting for the thread go through node:fs/promises instead, whose pool of four runs
 * them side by side: a caller that issues many writes at once and then waits (zarrita.js's `zarr.set`) is not
 * held to one thread (D1 zstd to the disk: 1.55 s, and 1.15 s with this, the same as fs/promises alone), while
 * the writer (8 writes in flight by default) keeps to the thread.
 */
export const THREAD_QUEUE = 8;

/**
 * Bytes of staged values (stageAlloc) a writer keeps in flight to the thread (src/write/chunks.ts waits for room
 * before staging the next chunk): the thread writes one at a time, so a few queued keep it busy, and the buffers
 * they free are reused instead of fresh ones being faulted in (D1 rechunk: ~0.2 s of page faults per rank).
 */
export const STAGE_IN_FLIGHT = 16 * 1024 * 1024;

/** Start the shared writer thread ahead of the first write (a store about to be written: init, a rank). */
export function startWriterThread(): void {
  (shared ??= new IoThread()).start();
}

/** Writes waiting for the shared writer thread (0 before it starts). */
export function threadPending(): number {
  return shared?.pendingCount ?? 0;
}

/** Stop the shared writer thread, if any (see IoThread.close). */
export function closeWriterThread(): Promise<void> {
  return shared?.close() ?? Promise.resolve();
}

/** Run one write on the shared writer thread. */
export function threadWrite(req: IoWrite): Promise<void> {
  return (shared ??= new IoThread()).write(req);
}

const staged = new WeakSet<ArrayBufferLike>();

/** Whether `bytes` are in a buffer from `stageAlloc`: they must go to the thread, which gives it back. */
export function isStaged(bytes: Uint8Array): boolean {
  return staged.has(bytes.buffer);
}

/**
 * Staged values up to this size go to the thread (whatever THREAD_MAX_BYTES says): they are copied once in
 * any case (out of WASM memory), and into a reused buffer that copy costs no page faults. D1's `wind` chunks
 * (4.6 MB, lz4) were fresh memory each, 15-40 ms per chunk under load against 0.3 ms reused.
 */
export const STAGE_MAX_BYTES = 16 * 1024 * 1024;

/**
 * `n` bytes (contents undefined) in one of the writer thread's reusable buffers, for a caller that would
 * otherwise copy them into memory of its own (the writer, each chunk out of WASM memory): `threadWrite` then
 * copies nothing and gives the buffer back once the write succeeded. Above STAGE_MAX_BYTES, plain memory.
 */
export function stageAlloc(n: number): Uint8Array {
  if (n > STAGE_MAX_BYTES) return new Uint8Array(n); // written without the thread (see THREAD_MAX_BYTES)
  const b = (shared ??= new IoThread()).buffers.take(n);
  staged.add(b);
  return new Uint8Array(b, 0, n);
}
