// Store resolution in one place: what a store argument names, and how a store travels to worker threads.
//   - a plain path string: a FileSystemStore at exactly that path (never parsed as a URL: spaces, "#", "?",
//     "%41" and non-ASCII stay as they are; a relative path is resolved against the current directory);
//   - a `file:` URL (string or URL object): decoded with fileURLToPath;
//   - `scheme://...` (string or URL object): the scheme table below (http(s): read-only, for sources; s3: an
//     S3Store, ./s3/), any other scheme is an error naming it (so `s3://bucket/x.zarr` never becomes a directory "s3:");
//   - an object with zarrita's store shape (a Map included): used as is.
// A string like `foo:bar.zarr` (no "//") is a path. To name a local path starting "file:" or holding "://",
// prefix it with "./".
import { fileURLToPath } from "node:url";
import { FileSystemStore } from "./fs.js";
import { s3Scheme } from "./s3/index.js";
import { HttpStore } from "./http.js";
import { StoreError, type Store } from "./types.js";

export type StoreLike = Store | string | URL;

export interface ResolveOptions {
  /** fsync files and directories (filesystem stores). */
  durable?: boolean;
}

/**
 * Plain options that reopen a store in another thread or process (structured-clone-able): `scheme` picks the
 * table's entry, the rest is the entry's own.
 */
export interface StoreOptions {
  scheme: string;
  [option: string]: unknown;
}

/** One entry of the scheme table. */
export interface StoreScheme {
  /** Open the store a URL of this scheme names (`url` as given). */
  open(url: string | URL, options: ResolveOptions): Store;
  /** The plain options reopening `store`, when it is one of this scheme's stores (else undefined). */
  options?(store: Store): StoreOptions | undefined;
  /** Reopen a store from `options` (as `options(store)` gave them). */
  reopen?(options: StoreOptions): Store;
}

const SCHEMES = new Map<string, StoreScheme>();

/**
 * Add (or replace) the handler of a URL scheme, e.g. "s3" (lowercase, without ":"). The zarr-sources and
 * object-store issues plug in http(s) and s3 here.
 */
export function registerStoreScheme(scheme: string, handler: StoreScheme): void {
  if (!/^[a-z][a-z0-9+.-]*$/.test(scheme)) throw new StoreError(`store scheme ${JSON.stringify(scheme)} is not valid: expected lowercase letters, digits, "+", "." or "-", without ":"`);
  SCHEMES.set(scheme, handler);
}


registerStoreScheme("file", {
  open: (url, options) => {
    let path: string;
    try {
      // "file:x.zarr" would be /x.zarr to a URL parser: refused rather than guessed.
      if (typeof url === "string" && !/^file:\//i.test(url)) throw new Error("it has no path starting with /");
      path = fileURLToPath(url);
    } catch (e) {
      throw new StoreError(`store ${JSON.stringify(String(url))} is not a valid file: URL (${(e as Error).message}); a file: URL is absolute, e.g. file:///data/x.zarr`);
    }
    return new FileSystemStore(path, { durable: options.durable });
  },
  options: (store) =>
    store instanceof FileSystemStore ? { scheme: "file", path: store.root, durable: store.durable, ioThread: store.ioThread } : undefined,
  reopen: (o) => {
    if (typeof o.path !== "string") throw new StoreError(`file store options need a path, got ${JSON.stringify(o.path)}`);
    return new FileSystemStore(o.path, { durable: o.durable === true, ioThread: o.ioThread !== false });
  },
});
// Read-only: sources (openZarr) read through it; a write into one is a StoreError naming the URL.
const http: StoreScheme = {
  open: (url) => new HttpStore(url),
  options: (store) => (store instanceof HttpStore ? { scheme: store.url.slice(0, store.url.indexOf(":")), url: store.url } : undefined),
  reopen: (o) => new HttpStore(String(o.url)),
};
registerStoreScheme("http", http);
registerStoreScheme("https", http);
registerStoreScheme("s3", s3Scheme);

/**
 * The scheme a store string names (lowercase, without ":"), or undefined for a plain path: "file" for any
 * `file:` string, the scheme of `scheme://...`, nothing else.
 */
export function storeScheme(store: string): string | undefined {
  if (/^file:/i.test(store)) return "file";
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(store);
  return m ? m[1]!.toLowerCase() : undefined;
}

function byScheme(scheme: string, url: string | URL): StoreScheme {
  const handler = SCHEMES.get(scheme);
  if (!handler) {
    const known = [...SCHEMES.keys()].map((s) => `${s}:`).join(", ");
    throw new StoreError(
      `store ${JSON.stringify(String(url))}: unknown scheme "${scheme}:" (known: ${known}); a store is a path, a URL of a known scheme, or a store object (for a local path holding "://", start it with "./")`,
    );
  }
  return handler;
}

/** The store a store argument names (see the top of this file). */
export function resolveStore(store: StoreLike, options: ResolveOptions = {}): Store {
  if (typeof store === "string") {
    if (store === "") throw new StoreError("store path is empty");
    const scheme = storeScheme(store);
    return scheme === undefined ? new FileSystemStore(store, { durable: options.durable }) : byScheme(scheme, store).open(store, options);
  }
  if (store instanceof URL) return byScheme(store.protocol.slice(0, -1).toLowerCase(), store).open(store, options);
  if (!store || typeof (store as Store).get !== "function" || typeof (store as Store).set !== "function") {
    throw new StoreError("store must be a path, a file: URL, or an object with get(key) and set(key, bytes) (a Map works)");
  }
  return store;
}

/**
 * Plain options that reopen `store` elsewhere (a worker thread): `openStoreFromOptions` turns them back into
 * an equivalent store. A Map or another in-memory store object cannot be reopened: an error says so.
 */
export function storeOptions(store: StoreLike, options: ResolveOptions = {}): StoreOptions {
  const s = resolveStore(store, options);
  for (const handler of SCHEMES.values()) {
    const o = handler.options?.(s);
    if (o) return o;
  }
  throw new StoreError("this store cannot be reopened in another thread (a Map or another store object lives in one thread): pass a path, a file: URL or a FileSystemStore");
}

/** The store `storeOptions` described. */
export function openStoreFromOptions(options: StoreOptions): Store {
  const handler = byScheme(String(options?.scheme), `${String(options?.scheme)}:`);
  if (!handler.reopen) throw new StoreError(`stores of the ${options.scheme}: scheme cannot be reopened from options`);
  return handler.reopen(options);
}

/** A store argument for messages: the path or URL as given, or "the store" for an object. */
export function describeStore(store: StoreLike): string {
  if (typeof store === "string") return store;
  if (store instanceof URL) return store.href;
  if (store instanceof FileSystemStore) return store.root;
  return "the store";
}
