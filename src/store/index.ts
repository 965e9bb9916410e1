// The store layer's entry: resolution (./resolve.ts: paths, file: URLs, the scheme table, reopening from plain
// options) and `StoreOps`, which gives the writer one async view of whatever store it was handed.
import { FileSystemStore } from "./fs.js";
import { StoreError, type Store } from "./types.js";

export { FileSystemStore, type FileSystemStoreOptions } from "./fs.js";
export { HttpStore } from "./http.js";
export { StoreError, type Store } from "./types.js";
export {
  describeStore, openStoreFromOptions, registerStoreScheme, resolveStore, storeOptions, storeScheme,
  type ResolveOptions, type StoreLike, type StoreOptions, type StoreScheme,
} from "./resolve.js";

/** Uniform async operations over a store; `canDelete` / `canList` / `canSetIfAbsent` say what it supports. */
export class StoreOps {
  constructor(readonly store: Store) {}

  get canDelete(): boolean {
    return typeof this.store.delete === "function";
  }

  get canList(): boolean {
    return typeof this.store.list === "function" || this.store instanceof Map;
  }

  /** Whether `setIfAbsent` is atomic: the store has its own, or is a Map (checked and set in one turn). */
  get canSetIfAbsent(): boolean {
    return typeof this.store.setIfAbsent === "function" || this.store instanceof Map;
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const v = await this.store.get(key);
    return v ?? undefined;
  }

  /** `length` bytes of `key` from `offset` (fewer at its end); the store's getRange, else a slice of get. */
  async getRange(key: string, offset: number, length: number): Promise<Uint8Array | undefined> {
    if (typeof this.store.getRange === "function") return (await this.store.getRange(key, { offset, length })) ?? undefined;
    const v = await this.get(key);
    return v?.subarray(Math.min(offset, v.length), Math.min(offset + length, v.length));
  }

  /**
   * Write `key` only if absent: true when this call created it, false when it existed. Atomic when
   * `canSetIfAbsent`; otherwise a check then a set, NOT safe against another process writing the same key
   * (require it with `requireOps(ops, { setIfAbsent: true }, ...)` where that matters).
   */
  async setIfAbsent(key: string, value: Uint8Array): Promise<boolean> {
    const s = this.store;
    if (typeof s.setIfAbsent === "function") return s.setIfAbsent(key, value);
    if (s instanceof Map) {
      if (s.get(key) !== undefined) return false;
      s.set(key, value);
      return true;
    }
    if ((await this.get(key)) !== undefined) return false;
    await s.set(key, value);
    return true;
  }

  /** Make the store exist (a filesystem store's root directory); a no-op for stores without createRoot. */
  async createRoot(): Promise<void> {
    if (typeof this.store.createRoot === "function") await this.store.createRoot();
  }

  /** `owned`: the caller gives `value`'s buffer away; a FileSystemStore may then take it without a copy. */
  async set(key: string, value: Uint8Array, owned = false): Promise<void> {
    if (owned && this.store instanceof FileSystemStore) await this.store.set(key, value, { owned });
    else await this.store.set(key, value);
  }

  async delete(key: string): Promise<void> {
    if (!this.store.delete) throw new StoreError(`this store has no delete(key): cannot remove ${key}`);
    await this.store.delete(key);
  }

  /** Keys under `prefix` ("/" = every key). */
  async list(prefix = "/"): Promise<string[]> {
    let it: Iterable<string> | AsyncIterable<string>;
    if (typeof this.store.list === "function") it = await this.store.list(prefix);
    else if (this.store instanceof Map) it = (this.store as Map<string, unknown>).keys();
    else throw new StoreError("this store has no list(prefix)");
    const out: string[] = [];
    for await (const k of it as AsyncIterable<string>) if (prefix === "/" || k.startsWith(prefix)) out.push(k);
    return out.sort();
  }

  /** Remove every key under `prefix`. */
  async deletePrefix(prefix: string): Promise<void> {
    // Stores with their own (a filesystem's recursive removal, S3's parallel deletes) use it.
    const own = (this.store as { deletePrefix?: (p: string) => Promise<void> }).deletePrefix;
    if (typeof own === "function") return own.call(this.store, prefix);
    for (const k of await this.list(prefix)) await this.delete(k);
  }
}

/** Require `delete`/`list`/an atomic `setIfAbsent` for an operation, before anything is written. */
export function requireOps(ops: StoreOps, need: { delete?: boolean; list?: boolean; setIfAbsent?: boolean }, why: string): void {
  if (need.delete && !ops.canDelete) throw new StoreError(`${why} needs a store with delete(key); this store has none`);
  if (need.list && !ops.canList) throw new StoreError(`${why} needs a store with list(prefix); this store has none`);
  if (need.setIfAbsent && !ops.canSetIfAbsent) {
    throw new StoreError(`${why} needs a store with an atomic setIfAbsent(key, bytes); this store has none`);
  }
}
