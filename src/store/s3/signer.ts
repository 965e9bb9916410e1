// aws4fetch's AwsV4Signer, built without loading undici. The signer keeps its request headers in a fetch
// `Headers`, and in Node the first use of the global `Headers` loads undici (~40-50 ms of a core, measured: each
// writer thread, each `xpartition write` process), although our requests are sent by node:http (./transport.ts).
// So while the (synchronous) constructor runs, the global is this small class doing what the signer asks of it;
// the signature is aws4fetch's own, unchanged, and equal to botocore's (test/system/s3.test.ts).
import { AwsV4Signer } from "aws4fetch";

type HeadersInit = Record<string, string> | Iterable<readonly [string, string]>;

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// Header values as the Fetch standard normalises them: leading and trailing HTTP whitespace removed.
const EDGE_WS = /^[\t\n\r ]+|[\t\n\r ]+$/g;

function headerName(n: string): string {
  const s = String(n);
  if (!TOKEN.test(s)) throw new TypeError(`invalid header name: ${JSON.stringify(s)}`);
  return s.toLowerCase();
}

function headerValue(v: string): string {
  const s = String(v).replace(EDGE_WS, "");
  if (/[\0\r\n]/.test(s)) throw new TypeError(`invalid header value: ${JSON.stringify(s)}`);
  return s;
}

/** Lower-cased names, normalised values, names in sorted order when listed: as fetch's Headers for these uses. */
export class SignerHeaders {
  private readonly map = new Map<string, string>();

  constructor(init?: HeadersInit) {
    if (init == null) return;
    const entries = Symbol.iterator in Object(init) ? (init as Iterable<readonly [string, string]>) : Object.entries(init as Record<string, string>);
    for (const [k, v] of entries) this.append(k, v);
  }

  append(name: string, value: string): void {
    const k = headerName(name);
    const v = headerValue(value);
    const old = this.map.get(k);
    this.map.set(k, old === undefined ? v : `${old}, ${v}`);
  }
  set(name: string, value: string): void {
    this.map.set(headerName(name), headerValue(value));
  }
  get(name: string): string | null {
    return this.map.get(headerName(name)) ?? null;
  }
  has(name: string): boolean {
    return this.map.has(headerName(name));
  }
  delete(name: string): void {
    this.map.delete(headerName(name));
  }
  *entries(): IterableIterator<[string, string]> {
    for (const k of [...this.map.keys()].sort()) yield [k, this.map.get(k)!];
  }
  *keys(): IterableIterator<string> {
    for (const [k] of this.entries()) yield k;
  }
  forEach(fn: (value: string, name: string, self: SignerHeaders) => void): void {
    for (const [k, v] of this.entries()) fn(v, k, this);
  }
  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }
}

type SignerOptions = ConstructorParameters<typeof AwsV4Signer>[0];

/** `new AwsV4Signer(options)`, its headers a SignerHeaders (where the global can be swapped; else fetch's own). */
export function newSigner(options: SignerOptions): AwsV4Signer {
  const g = globalThis as { Headers?: unknown };
  const own = Object.getOwnPropertyDescriptor(g, "Headers");
  if (own && !own.configurable) return new AwsV4Signer(options);
  Object.defineProperty(g, "Headers", { value: SignerHeaders, configurable: true, writable: true, enumerable: false });
  try {
    return new AwsV4Signer(options);
  } finally {
    if (own) Object.defineProperty(g, "Headers", own);
    else delete g.Headers;
  }
}
