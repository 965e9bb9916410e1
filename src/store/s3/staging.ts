// Reusable memory for the chunks a writer hands to an S3Store. A fresh buffer per encoded chunk (1.4 MB for
// D1) is fresh pages each time: on D1 the copy out of WASM memory into them was the largest single cost of the
// S3 write after the compute, mostly page faults (system time). A buffer from here goes back to the pool
// once its PUT has succeeded (S3Store.set); a failed or never-sent one is left to the garbage collector.
import { BufferPool } from "../buffer-pool.js";

/** Sizes pooled: larger values (multipart uploads) get memory of their own. */
const MAX_POOLED = 8 * 2 ** 20;
const STEP = 256 * 1024;
const staged = new WeakSet<ArrayBuffer>();

const pool = new BufferPool((n) => new ArrayBuffer(n), STEP, 32 * 2 ** 20);

/** `n` bytes (contents undefined) for a value that will be given to S3Store.set, which gives them back. */
export function stageAlloc(n: number): Uint8Array {
  if (n < STEP || n > MAX_POOLED) return new Uint8Array(n);
  const b = pool.take(n);
  staged.add(b);
  return new Uint8Array(b, 0, n);
}

/**
 * After `bytes` were sent: a staged buffer goes back to the pool when `reuse` (its PUT succeeded, nothing
 * reads it again), else it is only forgotten.
 */
export function unstage(bytes: Uint8Array, reuse: boolean): void {
  const b = bytes.buffer;
  if (!(b instanceof ArrayBuffer) || !staged.delete(b)) return;
  if (reuse) pool.give(b);
}
