// Reading a local store's chunk files into reused buffers. `readFile` allocates a fresh Buffer per chunk (plus an
// fstat): a rank rechunking D1 reads ~600 chunk files of ~150 KB, and in a worker thread the garbage collector
// spent more time on those buffers (0.2 s per rank, CPU profile) than our decoder on the data. Here each read
// goes into a buffer of the array's largest possible chunk file (a Blosc container is at most nbytes + 16)
// taken from a small per-array pool; the source reader gives it back once decoded (`release`).
import { close, open, read } from "node:fs";

export interface PooledReader {
  /** The file's bytes (a view of a pooled buffer), or undefined when it does not exist. */
  read(path: string): Promise<Uint8Array | undefined>;
  /** Give back a buffer `read` returned (its bytes are not used after this). */
  release(bytes: Uint8Array): void;
}

const openP = (path: string) => new Promise<number | undefined>((res, rej) => open(path, "r", (e, fd) => (e ? (e.code === "ENOENT" || e.code === "ENOTDIR" ? res(undefined) : rej(e)) : res(fd))));
const readP = (fd: number, buf: Uint8Array, off: number) => new Promise<number>((res, rej) => read(fd, buf, off, buf.length - off, off, (e, n) => (e ? rej(e) : res(n))));
const closeP = (fd: number) => new Promise<void>((res) => close(fd, () => res()));

/** Bytes of idle buffers a reader keeps (the rank's memory bound counts them): reads in flight may hold more. */
const KEEP_BYTES = 32 * 1024 * 1024;

/**
 * A reader for files of at most `maxBytes`; a larger file (not a Blosc container of this array) is read whole by
 * `fallback`. At most `keep` idle buffers, and at most 32 MiB of them, are kept for reuse.
 */
export function pooledReader(maxBytes: number, fallback: (path: string) => Promise<Uint8Array | undefined>, keep = 32): PooledReader {
  const pool: ArrayBuffer[] = [];
  const size = maxBytes + 1; // one more: a file that fills the buffer is larger than maxBytes
  keep = Math.min(keep, Math.floor(KEEP_BYTES / size));
  const give = (b: ArrayBuffer): void => {
    if (pool.length < keep) pool.push(b);
  };
  return {
    async read(path) {
      const fd = await openP(path);
      if (fd === undefined) return undefined;
      const buf = new Uint8Array(pool.pop() ?? new ArrayBuffer(size));
      let got = 0;
      try {
        for (;;) {
          const n = await readP(fd, buf, got);
          if (n === 0) break;
          got += n;
          if (got === size) break;
        }
      } catch (e) {
        give(buf.buffer as ArrayBuffer);
        throw e;
      } finally {
        await closeP(fd);
      }
      if (got === size) {
        give(buf.buffer as ArrayBuffer);
        return fallback(path);
      }
      return buf.subarray(0, got);
    },
    release(bytes) {
      if (bytes.buffer.byteLength === size && bytes.byteOffset === 0) give(bytes.buffer as ArrayBuffer);
    },
  };
}
