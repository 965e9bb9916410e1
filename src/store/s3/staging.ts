// Reusable memory for the chunks a writer hands to an S3Store. A fresh buffer per encoded chunk (1.4 MB for
// D1) is fresh pages each time: on D1 the copy out of WASM memory into them was the largest single cost of the
// S3 write after the compute, mostly page faults (system time). A buffer from here goes back to the pool
// once its PUT has succeeded (S3Store.set); a failed or never-sent one is left to the garbage collector.

/** Sizes pooled: larger values (multipart uploads) get memory of their own. */
const MAX_POOLED = 8 * 2 ** 20;
const STEP = 256 * 1024;
const staged = new WeakSet<ArrayBuffer>();

/** Idle buffers, at most `keep` bytes, dropped once none was taken for a second. */
class Pool {
  private free: ArrayBuffer[] = [];
  private held = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  constructor(private readonly keep = 32 * 2 ** 20) {}

  take(n: number): ArrayBuffer {
    let best = -1;
    for (let i = this.free.length - 1; i >= 0; i--) {
      const b = this.free[i]!;
      if (b.byteLength >= n && (best < 0 || b.byteLength < this.free[best]!.byteLength)) best = i;
    }
    if (best < 0) return new ArrayBuffer(Math.ceil(n / STEP) * STEP);
    const b = this.free.splice(best, 1)[0]!;
    this.held -= b.byteLength;
    return b;
  }

  give(b: ArrayBuffer): void {
    if (this.held + b.byteLength > this.keep) return;
    this.free.push(b);
    this.held += b.byteLength;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.free = [];
      this.held = 0;
    }, 1000);
    this.timer.unref?.();
  }
}

const pool = new Pool();

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
