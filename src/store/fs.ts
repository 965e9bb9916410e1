// A filesystem store: one file per key under a root directory. Every `set` is atomic per key (a temporary file
// in the same directory, then rename), so a killed writer leaves each key absent, old, or new and complete —
// never torn. With `durable`, the file is fsynced before the rename and the directory after it. Writes run on
// a writer thread (./io-thread.ts) unless `ioThread: false`. Writes create a key's missing directories but
// never the root: a root removed under a writer fails its writes (only `createRoot`, i.e. init, makes it).
import { link, lstat, mkdir, open, readFile, readdir, rename, rm, stat, unlink } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { ROOT_GONE, THREAD_MAX_BYTES, THREAD_QUEUE, closeWriterThread, isStaged, threadPending, threadWrite, type IoWrite } from "./io-thread.js";
import { StoreError, type Store } from "./types.js";

/** Suffix of temporary files; `list` never reports them. */
const TMP = ".xptmp";
let counter = 0;
/** Distinguishes temporary files of threads of one process (each thread has its own counter). */
const tag = Math.random().toString(36).slice(2, 8);

export interface FileSystemStoreOptions {
  /** fsync each file before its rename and its directory after (default false). */
  durable?: boolean;
  /**
   * Write on a thread of its own, with synchronous calls (default true): the store's system calls then run
   * beside the caller's work instead of between its turns. false: node:fs/promises on libuv's pool.
   */
  ioThread?: boolean;
}

export class FileSystemStore implements Store {
  readonly root: string;
  durable: boolean;
  readonly ioThread: boolean;

  constructor(root: string | URL, options: FileSystemStoreOptions = {}) {
    this.root = resolve(typeof root === "string" && !root.startsWith("file:") ? root : fileURLToPath(root));
    this.durable = options.durable ?? false;
    this.ioThread = options.ioThread ?? true;
  }

  /**
   * Stop the writer thread that this thread's filesystem stores share. Writes still pending on it fail; the
   * next write starts a new one. Never needed to exit: an idle writer thread does not keep a process alive.
   */
  static closeWriterThread(): Promise<void> {
    return closeWriterThread();
  }

  /** The file of an absolute key; rejects keys that could escape the root. */
  path(key: string): string {
    if (!key.startsWith("/")) throw new StoreError(`store key ${JSON.stringify(key)} must be an absolute path starting with "/"`);
    const parts = key.slice(1).split("/");
    if (parts.some((p) => p === "" || p === "." || p === "..")) {
      throw new StoreError(`store key ${JSON.stringify(key)} has an empty, "." or ".." segment`);
    }
    return join(this.root, ...parts);
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      const b = await readFile(this.path(key));
      return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    } catch (e) {
      if (isMissing(e)) return undefined;
      throw e;
    }
  }

  /**
   * Bytes `[offset, offset + length)` or the last `suffixLength` bytes of a key, as zarrita's stores read
   * (zarrita needs it for sharded arrays: it reads a shard's index, then each inner chunk).
   */
  async getRange(key: string, range: { offset: number; length: number } | { suffixLength: number }): Promise<Uint8Array | undefined> {
    let fh;
    try {
      fh = await open(this.path(key), "r");
    } catch (e) {
      if (isMissing(e)) return undefined;
      throw e;
    }
    try {
      const size = (await fh.stat()).size;
      const [at, n] = "suffixLength" in range
        ? [Math.max(0, size - range.suffixLength), Math.min(range.suffixLength, size)]
        : [range.offset, Math.max(0, Math.min(range.length, size - range.offset))];
      const out = new Uint8Array(n);
      let got = 0;
      while (got < n) {
        const { bytesRead } = await fh.read(out, got, n - got, at + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      return got === n ? out : out.subarray(0, got);
    } finally {
      await fh.close();
    }
  }

  /**
   * Write `value` under `key`. `options.owned`: the caller gives `value`'s buffer away (the writer does, for
   * chunks that its encode threads sent it): the writer thread then takes it without a copy, detaching it.
   */
  async set(key: string, value: Uint8Array, options: { owned?: boolean } = {}): Promise<void> {
    const file = this.path(key);
    const dir = dirname(file);
    // A staged value (the writer's, in the thread's reusable memory) always goes to the thread, which gives it back.
    const toThread = this.ioThread && (isStaged(value) || (value.byteLength <= THREAD_MAX_BYTES && threadPending() < THREAD_QUEUE));
    const write = toThread ? threadWrite : promiseWrite;
    const req: IoWrite = { root: this.root, dir, tmp: this.tmpName(file, dir), file, bytes: value, durable: this.durable, owned: options.owned };
    await write(req).catch((e) => {
      throw (e as { code?: string }).code === ROOT_GONE ? rootGone(this.root) : e;
    });
  }

  /**
   * Write `value` under `key` only if the key does not exist: true when this call created it, false when it
   * existed. Atomic across processes and complete (never a torn value): the bytes go to a temporary file in the
   * key's directory, then `link` gives it the key's name, which fails if that name exists.
   */
  async setIfAbsent(key: string, value: Uint8Array): Promise<boolean> {
    const file = this.path(key);
    const dir = dirname(file);
    const tmp = this.tmpName(file, dir);
    await writeTemporary(this.root, dir, tmp, value, this.durable);
    try {
      await link(tmp, file);
    } catch (e) {
      // Over NFS a link whose reply was lost is retried and fails although it was made: the temporary file
      // then has two links, and this call created the key (open(2)'s advice for O_EXCL on NFS).
      const linked = ((await lstat(tmp).catch(() => undefined))?.nlink ?? 1) >= 2;
      if (!linked) {
        if ((e as { code?: string }).code === "EEXIST") return false;
        throw e;
      }
    } finally {
      await unlink(tmp).catch(() => {});
    }
    if (this.durable) await syncDir(dir);
    return true;
  }

  /** Create the store's root directory (and its parents) if missing: initialising a store does, nothing else. */
  async createRoot(): Promise<void> {
    const made = await mkdir(this.root, { recursive: true });
    if (made && this.durable) await syncDir(dirname(made));
  }

  private tmpName(file: string, dir: string): string {
    return `${dir}/.${file.slice(dir.length + 1)}.${process.pid}.${tag}.${counter++}${TMP}`;
  }

  async delete(key: string): Promise<void> {
    try {
      await unlink(this.path(key));
    } catch (e) {
      if (!isMissing(e)) throw e;
    }
  }

  /** Every key under `prefix` ("/" = all), sorted. Temporary files of interrupted writes are not keys. */
  async list(prefix = "/"): Promise<string[]> {
    const base = prefix === "/" ? this.root : this.path(prefix.replace(/\/+$/, ""));
    const keyBase = prefix === "/" ? "" : prefix.replace(/\/+$/, "");
    const out: string[] = [];
    for await (const { rel, name } of filesUnder(base)) if (!name.endsWith(TMP)) out.push(`${keyBase}/${rel}`);
    return out.sort();
  }

  /**
   * Remove the temporary files that killed writes left behind (a `set` interrupted between creating its
   * temporary file and renaming it). They are never keys and readers ignore them; this reclaims their space.
   * Only files older than `minAgeSeconds` (default 60) are touched: a live writer holds each temporary file
   * for the time one value takes to write. `dryRun` only counts them.
   */
  async cleanTemporary(options: { minAgeSeconds?: number; dryRun?: boolean } = {}): Promise<{ files: string[]; bytes: number }> {
    const minAge = (options.minAgeSeconds ?? 60) * 1000;
    const now = Date.now();
    const files: string[] = [];
    let bytes = 0;
    for await (const { path, name } of filesUnder(this.root)) {
      if (!name.endsWith(TMP)) continue;
      const st = await lstat(path).catch(() => undefined);
      if (!st || now - st.mtimeMs < minAge) continue;
      if (!options.dryRun) await unlink(path).catch((e) => { if (!isMissing(e)) throw e; });
      files.push(path);
      bytes += st.size;
    }
    return { files: files.sort(), bytes };
  }

  /** Remove everything under `prefix` (a directory), for replacing a store; "/" empties the root but keeps it. */
  async deletePrefix(prefix: string): Promise<void> {
    if (prefix !== "/") return rm(this.path(prefix.replace(/\/+$/, "")), { recursive: true, force: true });
    let names: string[];
    try {
      names = await readdir(this.root);
    } catch (e) {
      if (isMissing(e)) return;
      throw e;
    }
    for (const n of names) await rm(join(this.root, n), { recursive: true, force: true });
  }
}

/** Every file under `dir` (recursively): its path, its path relative to `dir` ("/"-separated) and its name. */
async function* filesUnder(dir: string, rel = ""): AsyncGenerator<{ path: string; rel: string; name: string }> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (e) {
    if (isMissing(e) || (e as { code?: string }).code === "ENOTDIR") return;
    throw e;
  }
  for (const ent of entries) {
    const path = join(dir, ent.name);
    const r = rel ? `${rel}/${ent.name}` : ent.name;
    if (ent.isDirectory()) yield* filesUnder(path, r);
    else yield { path, rel: r, name: ent.name };
  }
}

function isMissing(e: unknown): boolean {
  const code = (e as { code?: string }).code;
  return code === "ENOENT" || code === "NotFound";
}

/** The store root is gone: a write never makes it again (a removed store stays removed). */
export function rootGone(root: string): StoreError {
  return new StoreError(`store root ${root} no longer exists: was it removed? (a write never re-creates it; initialise the store again)`);
}

/**
 * Make `dir` and its missing parents, but never `root` itself: mkdir one level at a time from the deepest,
 * so that a root removed meanwhile is found (ENOENT at its first level) rather than re-created.
 */
async function makeDirBelow(root: string, dir: string): Promise<void> {
  if (dir === root || dir.length <= root.length) {
    const st = await stat(root).catch((e) => {
      if (isMissing(e)) throw rootGone(root);
      throw e;
    });
    if (!st.isDirectory()) throw new StoreError(`store root ${root} is not a directory`);
    return;
  }
  try {
    await mkdir(dir);
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === "EEXIST") return;
    if (!isMissing(e)) throw e;
    await makeDirBelow(root, dirname(dir));
    await mkdir(dir).catch((e2) => {
      if ((e2 as { code?: string }).code !== "EEXIST") throw e2;
    });
  }
}

/** `bytes` into a new file `tmp` (exclusive create) in `dir`, made below `root` if missing; fsynced if durable. */
async function writeTemporary(root: string, dir: string, tmp: string, bytes: Uint8Array, durable: boolean): Promise<void> {
  const fh = await open(tmp, "wx").catch(async (e) => {
    if (!isMissing(e)) throw e;
    await makeDirBelow(root, dir);
    return open(tmp, "wx");
  });
  try {
    // One write call per chunk (FileHandle.writeFile splits into 512 KiB writes).
    let off = 0;
    while (off < bytes.length) off += (await fh.write(bytes, off, bytes.length - off, off)).bytesWritten;
    if (durable) await fh.sync();
  } catch (e) {
    await fh.close();
    await unlink(tmp).catch(() => {});
    throw e;
  }
  await fh.close();
}

/** A `set` through node:fs/promises (`ioThread: false`): the same steps as the writer thread's. */
async function promiseWrite({ root, dir, tmp, file, bytes, durable }: IoWrite): Promise<void> {
  await writeTemporary(root, dir, tmp, bytes, durable);
  try {
    await rename(tmp, file);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw e;
  }
  if (durable) await syncDir(dir);
}

async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, "r");
  try {
    await fh.sync();
  } catch (e) {
    // Some platforms (and Deno's node compat on some of them) refuse fsync on a directory: the rename is
    // still atomic, only its durability across power loss is weaker there.
    if ((e as { code?: string }).code !== "EISDIR" && (e as { code?: string }).code !== "EINVAL") throw e;
  } finally {
    await fh.close();
  }
}
