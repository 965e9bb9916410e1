// A small LRU of open files shared by every netCDF source in a thread: a rank reading from thousands of files
// holds at most `max` descriptors. A handle in use (a read in flight) is never closed; idle ones are closed
// least recently used first, and reopened on the next read.
import { open, type FileHandle } from "node:fs/promises";

interface Entry<T> {
  value: T;
  users: number;
  close: () => void | Promise<void>;
}

export class HandlePool<T> {
  readonly #open = new Map<string, Entry<T>>();
  /** Files opened so far (tests and figures: how many opens a rank did). */
  opens = 0;

  constructor(public max: number) {}

  get size(): number {
    return this.#open.size;
  }

  /** Use the handle for `key` (opening it with `opener` if needed) for the duration of `fn`. */
  async use<R>(key: string, opener: () => Promise<{ value: T; close: () => void | Promise<void> }>, fn: (h: T) => R | Promise<R>): Promise<R> {
    let e = this.#open.get(key);
    if (e) {
      // Most recently used last.
      this.#open.delete(key);
      this.#open.set(key, e);
    } else {
      const got = await opener();
      // Another caller may have opened it meanwhile: keep one.
      const again = this.#open.get(key);
      if (again) {
        await got.close();
        e = again;
      } else {
        this.opens++;
        e = { ...got, users: 0 };
        this.#open.set(key, e);
      }
    }
    e.users++;
    try {
      return await fn(e.value);
    } finally {
      e.users--;
      await this.#evict();
    }
  }

  /** Synchronous variant for synchronous openers (h5wasm). */
  useSync<R>(key: string, opener: () => { value: T; close: () => void }, fn: (h: T) => R): R {
    let e = this.#open.get(key);
    if (e) {
      this.#open.delete(key);
      this.#open.set(key, e);
    } else {
      this.opens++;
      e = { ...opener(), users: 0 };
      this.#open.set(key, e);
    }
    e.users++;
    try {
      return fn(e.value);
    } finally {
      e.users--;
      void this.#evict();
    }
  }

  async #evict(): Promise<void> {
    for (const [k, e] of this.#open) {
      if (this.#open.size <= this.max) return;
      if (e.users > 0) continue;
      this.#open.delete(k);
      await e.close();
    }
  }

  /** Forget the handle for `key` (closed now if idle, else left to its users): the next use opens it again. */
  drop(key: string): void {
    const e = this.#open.get(key);
    if (!e) return;
    this.#open.delete(key);
    if (e.users === 0) void e.close();
  }

  /** Close every idle handle. */
  async closeAll(): Promise<void> {
    for (const [k, e] of [...this.#open]) {
      if (e.users > 0) continue;
      this.#open.delete(k);
      await e.close();
    }
  }
}

/** Open file descriptors for netCDF-3 reads (per thread). */
export const fileHandles = new HandlePool<FileHandle>(32);

/** Read exactly `length` bytes at `position` of `path` into `into` at `at` (short reads are an error naming the file). */
export async function readAt(path: string, into: Uint8Array, at: number, length: number, position: number): Promise<void> {
  await fileHandles.use(path, async () => {
    const fh = await open(path, "r");
    return { value: fh, close: () => fh.close() };
  }, async (fh) => {
    let done = 0;
    while (done < length) {
      const { bytesRead } = await fh.read(into, at + done, length - done, position + done);
      if (bytesRead === 0) throw new Error(`${path}: file ends at byte ${position + done}, before byte ${position + length} (truncated?)`);
      done += bytesRead;
    }
  });
}
