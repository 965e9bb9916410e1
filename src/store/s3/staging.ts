// Reusable memory for the chunks a writer hands to an S3Store. A fresh buffer per encoded chunk (1.4 MB for
// D1) is fresh pages each time: on D1 the copy out of WASM memory into them was the largest single cost of the
// S3 write after the compute, mostly page faults (system time). A buffer from here goes back to the pool
// once its PUT has succeeded (S3Store.set); a failed or never-sent one is left to the garbage collector.
import { BufferPool } from "../buffer-pool.js";

/** Sizes pooled: larger values (multipart uploads) get memory of their own. */
const MAX_POOLED = 8 * 2 ** 20;
const STEP = 256 * 1024;
const staged = new WeakSet<ArrayBuffer>();

/**
 * Bytes of staged values a writer thread keeps in flight to an S3Store, over its ranks (src/write/chunks.ts
 * waits for room before staging the next chunk; at most a quarter of the memory budget, src/write/write.ts), so that the buffers
 * cycle through the pool instead of each chunk in flight faulting in pages of its own: a D1 write staged 50 MiB
 * per writer thread with 32 PUTs in flight plus those queued (first-touch page faults, ~0.12 s per thread),
 * ~20 MB now. 16 MiB in flight still carries ~250 MB/s per rank over a link of 30 ms and 50 MB/s per
 * connection, more than a writer thread encodes; 8 MiB cost that link up to 6% (bench/README.md, S3).
 */
export const S3_STAGE_IN_FLIGHT = 16 * 2 ** 20;

// Idle buffers kept: what the bytes in flight occupy in power-of-two buffers (up to twice their size).
const pool = new BufferPool((n) => new ArrayBuffer(n), STEP, 2 * S3_STAGE_IN_FLIGHT);

/** `n` bytes (contents undefined) for a value that will be given to S3Store.set, which gives them back. */
export function stageAlloc(n: number): Uint8Array {
  if (n < STEP || n > MAX_POOLED) return new Uint8Array(n);
  // Powers of two: any free buffer of the class fits the next value (D1's 1.22 MB `temp` and 1.53 MB `wind`
  // chunks both take 2 MiB ones; in 256 KiB steps the wind chunks found only temp's smaller buffers free and
  // faulted in new ones). Pages past what is written are never touched, so they cost no memory.
  const b = pool.take(Math.max(STEP, 2 ** Math.ceil(Math.log2(n))));
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
