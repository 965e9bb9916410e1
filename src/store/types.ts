// The store shape the writer accepts: zarrita's (`get`, `set`, optional `delete`, `list`, `getRange`), keys
// being absolute paths such as `/zarr.json`, `/temp/.zarray`, `/temp/c/0/0`. A plain `Map<string, Uint8Array>`
// is one.

export type MaybePromise<T> = T | Promise<T>;

export interface Store {
  get(key: string): MaybePromise<Uint8Array | undefined>;
  set(key: string, value: Uint8Array): MaybePromise<unknown>;
  /** Remove a key (absent keys are fine). Needed for mode "w" and `writeEmptyChunks: false`. */
  delete?(key: string): MaybePromise<unknown>;
  /** Every key under `prefix` (an absolute path ending in "/", or "/" for all). Needed for mode "w". */
  list?(prefix?: string): MaybePromise<Iterable<string> | AsyncIterable<string>>;
  /** Part of a key's bytes, as zarrita reads it (undefined: no such key). */
  getRange?(key: string, range: { offset: number; length: number } | { suffixLength: number }): MaybePromise<Uint8Array | undefined>;
  /**
   * Write a key only if it does not exist, atomically across processes: true when this call created it,
   * false when it existed. The init claim (`/.xpartition/init.json`) needs it.
   */
  setIfAbsent?(key: string, value: Uint8Array): MaybePromise<boolean>;
  /**
   * Writes this store wants in flight when the writer is given no `storeConcurrency` (default 8): an object
   * store needs more than a disk to cover each request's latency.
   */
  readonly preferredConcurrency?: number;
  /**
   * How long (ms) one check of the store's init generation covers the writes after it (default 5). Object
   * stores set more (a check is a round trip); a writer left over from before a re-initialisation may land
   * writes for that long.
   */
  readonly fenceIntervalMs?: number;
  /** Make the store itself exist (a filesystem store's root directory); only initialising a store calls it. */
  createRoot?(): MaybePromise<void>;
}

/** A store operation is unsupported by the given store, or a key is malformed. Raised before anything is written. */
export class StoreError extends Error {
  override readonly name = "StoreError";
}
