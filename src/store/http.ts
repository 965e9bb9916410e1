// A read-only store over http(s):// (a zarr store served by a web server), for sources: `get` and `getRange`
// (Range requests, as sharded v3 arrays need) with fetch; 404 is an absent key. Writing is refused naming the
// URL: an http(s) store is a source, never an output.
import { StoreError, type Store } from "./types.js";

export class HttpStore implements Store {
  readonly url: string;
  /** Marks a store that cannot be written: the CLI and writers refuse it as an output up front. */
  readonly readOnly = true;

  constructor(url: string | URL) {
    const u = new URL(String(url));
    if (u.protocol !== "http:" && u.protocol !== "https:") throw new StoreError(`store ${JSON.stringify(String(url))}: expected an http: or https: URL`);
    // Keys are appended to the URL's path.
    this.url = u.href.replace(/\/+$/, "");
  }

  #keyUrl(key: string): string {
    return this.url + (key.startsWith("/") ? key : `/${key}`);
  }

  async #fetch(key: string, headers?: Record<string, string>): Promise<Uint8Array | undefined> {
    const url = this.#keyUrl(key);
    let r: Response;
    try {
      r = await fetch(url, headers ? { headers } : undefined);
    } catch (e) {
      throw new StoreError(`GET ${url} failed: ${(e as Error).message}${(e as { cause?: Error }).cause ? ` (${(e as { cause: Error }).cause.message})` : ""}`);
    }
    if (r.status === 404 || r.status === 403 || r.status === 410) {
      await r.body?.cancel();
      return undefined;
    }
    if (!r.ok) {
      await r.body?.cancel();
      throw new StoreError(`GET ${url}: HTTP ${r.status} ${r.statusText}`);
    }
    return new Uint8Array(await r.arrayBuffer());
  }

  get(key: string): Promise<Uint8Array | undefined> {
    return this.#fetch(key);
  }

  async getRange(key: string, range: { offset: number; length: number } | { suffixLength: number }): Promise<Uint8Array | undefined> {
    const header = "suffixLength" in range ? `bytes=-${range.suffixLength}` : `bytes=${range.offset}-${range.offset + range.length - 1}`;
    const bytes = await this.#fetch(key, { Range: header });
    if (bytes === undefined) return undefined;
    // A server ignoring Range answers 200 with the whole body: cut it here.
    if ("suffixLength" in range) return bytes.length > range.suffixLength ? bytes.subarray(bytes.length - range.suffixLength) : bytes;
    return bytes.length > range.length ? bytes.subarray(range.offset, range.offset + range.length) : bytes;
  }

  set(key: string): never {
    throw new StoreError(`store ${this.url} is read-only (http(s) stores are sources): cannot write ${key}; write into a path or a file: URL`);
  }
}
