// S3Store: a zarr store in an S3 bucket (AWS S3 or an S3-compatible server: MinIO, Ceph, R2, GCS's XML API).
// A store key `/a/b` is the object `<prefix>/a/b`: the bucket holds exactly the keys a filesystem store would
// hold, no directory markers. Each `set` is one PUT (atomic per key), multipart above `multipartThreshold`
// (aborted on failure), with Content-MD5 on every PUT and part so a body damaged in transit is refused.
// `setIfAbsent` is a conditional PUT (If-None-Match: *); whether the server honours it is checked once per
// store, and a server that does not makes it fail (an exclusive init claim is impossible there).
import { createHash, randomBytes } from "node:crypto";
import process from "node:process";
import { StoreError, type Store } from "../types.js";
import { bucketUrl, encodeKey, queryString, s3Location, type Env } from "./config.js";
import { CredentialCache, CredentialsError, defaultProvider, xmlText, type CredentialProvider, type S3Credentials } from "./credentials.js";
import { S3Error, S3Requester, type RequestPolicy, type S3Response } from "./request.js";
import { unstage } from "./staging.js";

export interface S3StoreOptions {
  bucket: string;
  /** The store's key prefix in the bucket (no leading or trailing "/"), e.g. "runs/out.zarr"; "" = bucket root. */
  prefix?: string;
  /** e.g. "http://127.0.0.1:9000"; default AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL / the profile's, else AWS. */
  endpoint?: string;
  /** Default AWS_REGION / AWS_DEFAULT_REGION / the profile's, else us-east-1. */
  region?: string;
  /**
   * Static keys, a provider function (called again before temporary credentials expire), or "anonymous"
   * (unsigned requests: public buckets). Default: the AWS chain (environment, profile, web identity,
   * container, EC2). Only static keys and the chain travel to worker threads.
   */
  credentials?: S3Credentials | CredentialProvider | "anonymous";
  /** Path-style (`endpoint/bucket/key`) rather than virtual-hosted (`bucket.host/key`) URLs. */
  forcePathStyle?: boolean;
  /** Requests in flight per store (default 32). */
  maxConcurrency?: number;
  /** Per attempt (default 60 000 ms; plus 1 s per MB of body sent). */
  timeoutMs?: number;
  /** Retries after the first attempt (default 6). */
  retries?: number;
  /** First retry's backoff (default 100 ms). */
  backoffMs?: number;
  /** Values larger than this go up in parts (default 64 MiB). */
  multipartThreshold?: number;
  /** Part size (default 16 MiB; S3 needs >= 5 MiB but for the last). */
  partSize?: number;
  /** The environment to read configuration from (default process.env). */
  env?: Env;
}

export interface MultipartUpload {
  key: string;
  uploadId: string;
  /** ms since the epoch. */
  initiated: number;
}

const CONDITIONAL_UNSUPPORTED = "XP_NO_CONDITIONAL_WRITES";

/**
 * Chunk writes in flight a writer keeps on an S3Store when given no storeConcurrency (a disk's default is 8):
 * each PUT waits out a round trip, so more are needed to keep a cloud link busy (bench/s3.bench.mjs).
 */
export const S3_PREFERRED_CONCURRENCY = 32;

export class S3Store implements Store {
  readonly bucket: string;
  readonly prefix: string;
  readonly endpoint: string | undefined;
  readonly region: string;
  readonly forcePathStyle: boolean | undefined;
  readonly multipartThreshold: number;
  readonly partSize: number;
  readonly policy: RequestPolicy;
  /** Writes in flight the writer keeps when given no storeConcurrency: S3_PREFERRED_CONCURRENCY, at most maxConcurrency. */
  readonly preferredConcurrency: number;
  /** One generation check (a GET) covers the writes of the next second: see Store.fenceIntervalMs. */
  readonly fenceIntervalMs = 1000;
  /** Where credentials come from ("environment (AWS_ACCESS_KEY_ID)", "anonymous", ...). */
  readonly credentialSource: string;
  readonly requester: S3Requester;
  /** Static keys or "anonymous" as given (what worker threads get), else undefined. */
  private readonly givenCredentials: S3Credentials | "anonymous" | undefined;
  private readonly providerGiven: boolean;
  private readonly base: string;
  private conditional: Promise<boolean> | undefined;

  constructor(options: S3StoreOptions) {
    if (!options || typeof options.bucket !== "string" || !/^[a-z0-9][a-z0-9.\-_]{1,254}$/i.test(options.bucket)) {
      throw new StoreError(`S3Store: bucket must be a bucket name, got ${JSON.stringify(options?.bucket)}`);
    }
    const env = options.env ?? (process.env as Env);
    this.bucket = options.bucket;
    this.prefix = (options.prefix ?? "").replace(/^\/+|\/+$/g, "");
    if (this.prefix.split("/").some((p, i, a) => (p === "" && a.length > 1) || p === "." || p === "..")) {
      throw new StoreError(`S3Store: prefix ${JSON.stringify(options.prefix)} has an empty, "." or ".." segment`);
    }
    const loc = s3Location(env, { endpoint: options.endpoint, region: options.region });
    if (loc.endpoint && !/^https?:\/\/[^/]/.test(loc.endpoint)) throw new StoreError(`S3Store: endpoint ${JSON.stringify(loc.endpoint)} is not an http(s) URL`);
    this.endpoint = loc.endpoint;
    this.region = loc.region;
    this.forcePathStyle = options.forcePathStyle;
    this.base = bucketUrl(this.bucket, loc, options.forcePathStyle);
    this.multipartThreshold = positive("multipartThreshold", options.multipartThreshold, 64 * 2 ** 20);
    this.partSize = positive("partSize", options.partSize, 16 * 2 ** 20);
    this.policy = {
      maxConcurrency: positive("maxConcurrency", options.maxConcurrency, 32),
      timeoutMs: positive("timeoutMs", options.timeoutMs, 60_000),
      retries: positive("retries", options.retries, 6, true),
      backoffMs: positive("backoffMs", options.backoffMs, 100, true),
    };
    this.preferredConcurrency = Math.min(S3_PREFERRED_CONCURRENCY, this.policy.maxConcurrency);
    const c = options.credentials;
    let provider: CredentialProvider | undefined;
    this.providerGiven = typeof c === "function";
    if (c === "anonymous") [provider, this.credentialSource] = [undefined, "anonymous"];
    else if (typeof c === "function") [provider, this.credentialSource] = [c, "the credentials function given"];
    else if (c !== undefined) {
      if (typeof c.accessKeyId !== "string" || typeof c.secretAccessKey !== "string") throw new StoreError("S3Store: credentials need accessKeyId and secretAccessKey strings");
      const fixed = { ...c };
      [provider, this.credentialSource] = [async () => fixed, "the credentials given"];
    } else {
      try {
        ({ provider, source: this.credentialSource } = defaultProvider(env));
      } catch (e) {
        throw new StoreError(`S3Store: ${(e as CredentialsError).message}`);
      }
    }
    this.givenCredentials = c === "anonymous" ? c : typeof c === "object" ? { ...c } : undefined;
    this.requester = new S3Requester(this.policy, new CredentialCache(provider), this.region, this.credentialSource);
  }

  /** `s3://bucket/prefix`. */
  get url(): string {
    return `s3://${this.bucket}/${this.prefix}`;
  }

  /** The plain options reopening this store in a worker thread (environment-based credentials are re-read there). */
  toOptions(): Record<string, unknown> {
    if (this.providerGiven) {
      throw new StoreError(`${this.url}: an S3Store with a credentials function cannot be reopened in worker threads; give static credentials, or let each thread read them from the environment / profile`);
    }
    const { maxConcurrency, timeoutMs, retries, backoffMs } = this.policy;
    return {
      bucket: this.bucket, prefix: this.prefix, endpoint: this.endpoint, region: this.region, forcePathStyle: this.forcePathStyle,
      credentials: this.givenCredentials, maxConcurrency, timeoutMs, retries, backoffMs,
      multipartThreshold: this.multipartThreshold, partSize: this.partSize,
    };
  }

  /** The object key of a store key. */
  objectKey(key: string): string {
    if (typeof key !== "string" || !key.startsWith("/")) throw new StoreError(`store key ${JSON.stringify(key)} must be an absolute path starting with "/"`);
    const parts = key.slice(1).split("/");
    if (parts.some((p) => p === "" || p === "." || p === "..")) throw new StoreError(`store key ${JSON.stringify(key)} has an empty, "." or ".." segment`);
    return this.prefix ? `${this.prefix}/${key.slice(1)}` : key.slice(1);
  }

  private url_(objectKey: string, query = ""): string {
    return `${this.base}/${encodeKey(objectKey)}${query ? `?${query}` : ""}`;
  }

  private what(key: string): string {
    return `s3://${this.bucket}/${this.objectKey(key)}`;
  }

  /**
   * The request a GET (or another method) of `key` would send, signed, without sending it; `query` is added
   * to the URL, `datetime` fixes the signing clock. For checking signatures against other signers.
   */
  signedRequest(method: "GET" | "PUT" | "HEAD" | "DELETE", key: string, options: { headers?: Record<string, string>; query?: Record<string, string>; body?: Uint8Array; datetime?: string } = {}): Promise<Request> {
    const url = this.url_(this.objectKey(key), options.query ? queryString(options.query) : "");
    return this.requester.sign({ method, url, what: this.what(key), headers: options.headers, body: options.body }, options.datetime);
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const r = await this.requester.send({ method: "GET", url: this.url_(this.objectKey(key)), what: this.what(key), accept: [404] });
    return r.status === 404 ? undefined : r.body;
  }

  async getRange(key: string, range: { offset: number; length: number } | { suffixLength: number }): Promise<Uint8Array | undefined> {
    const spec = "suffixLength" in range ? `-${range.suffixLength}` : `${range.offset}-${range.offset + range.length - 1}`;
    if ("length" in range && range.length <= 0) return (await this.head(key)) === undefined ? undefined : new Uint8Array(0);
    const r = await this.requester.send({
      method: "GET", url: this.url_(this.objectKey(key)), what: this.what(key), headers: { range: `bytes=${spec}` }, accept: [404, 416],
    });
    if (r.status === 404) return undefined;
    if (r.status === 416) return new Uint8Array(0); // a range past the end: no bytes, as a file read there
    return r.body;
  }

  /** The key's size, or undefined when absent. */
  async head(key: string): Promise<number | undefined> {
    const r = await this.requester.send({ method: "HEAD", url: this.url_(this.objectKey(key)), what: this.what(key), accept: [404] });
    return r.status === 404 ? undefined : Number(r.headers.get("content-length"));
  }

  async set(key: string, value: Uint8Array): Promise<void> {
    const k = this.objectKey(key);
    try {
      if (value.byteLength > this.multipartThreshold) await this.multipart(key, k, value);
      else await this.requester.send({ method: "PUT", url: this.url_(k), what: this.what(key), body: value, headers: { "content-md5": md5(value) } });
    } catch (e) {
      unstage(value, false);
      throw e;
    }
    // Memory from ./staging.ts (the writer's encoded chunks) is reused for later values from here on.
    unstage(value, true);
  }


  /**
   * A conditional PUT (If-None-Match: *): true when this call created the key, false when it existed. A retry
   * that finds the key taken (412) reads it back: ours (an earlier attempt landed) counts as created.
   */
  async setIfAbsent(key: string, value: Uint8Array): Promise<boolean> {
    if (!(await this.conditionalWrites())) {
      const e = new StoreError(
        `${this.url}: the server${this.endpoint ? ` at ${this.endpoint}` : ""} ignores If-None-Match: * (conditional writes), so ${key} cannot be created exclusively; ` +
          `an exclusive init (mode "w-") needs a server with conditional writes (AWS S3, MinIO, R2); with a single initialiser use mode "w"`,
      );
      (e as { code?: string }).code = CONDITIONAL_UNSUPPORTED;
      throw e;
    }
    let retried = false;
    const r = await this.requester.send(
      { method: "PUT", url: this.url_(this.objectKey(key)), what: this.what(key), body: value, headers: { "content-md5": md5(value), "if-none-match": "*" }, accept: [412] },
      () => (retried = true),
    );
    if (r.status !== 412) return true;
    if (!retried) return false;
    const now = await this.get(key);
    return now !== undefined && equal(now, value);
  }

  /** Whether the server honours If-None-Match: * on PUT, asked once per store with a probe key it removes. */
  conditionalWrites(): Promise<boolean> {
    this.conditional ??= (async () => {
      const probe = `/.xpartition/conditional-probe-${randomBytes(6).toString("hex")}`;
      const url = this.url_(this.objectKey(probe)), what = this.what(probe), body = new Uint8Array(0);
      await this.requester.send({ method: "PUT", url, what, body, headers: { "content-md5": md5(body) } });
      try {
        // 412: honoured. 200 (overwritten) or 501 NotImplemented (the header refused): not.
        const r = await this.requester.send({ method: "PUT", url, what, body, headers: { "content-md5": md5(body), "if-none-match": "*" }, accept: [412, 501] });
        return r.status === 412;
      } finally {
        await this.delete(probe).catch(() => {});
      }
    })();
    this.conditional.catch(() => (this.conditional = undefined));
    return this.conditional;
  }

  async delete(key: string): Promise<void> {
    await this.requester.send({ method: "DELETE", url: this.url_(this.objectKey(key)), what: this.what(key), accept: [404] });
  }

  /** Remove every key under `prefix` ("/" = all): one listing, then DELETEs in parallel (bounded by maxConcurrency). */
  async deletePrefix(prefix: string): Promise<void> {
    const keys = await this.list(prefix === "/" ? "/" : `${prefix.replace(/\/+$/, "")}/`);
    await Promise.all(keys.map((k) => this.delete(k)));
  }

  /** Every key under `prefix` ("/" = all), sorted: ListObjectsV2, page by page. */
  async list(prefix = "/"): Promise<string[]> {
    const rel = prefix === "/" ? "" : prefix.replace(/^\//, "");
    const p = this.prefix ? `${this.prefix}/${rel}` : rel;
    const out: string[] = [];
    for await (const k of this.listObjects(p)) out.push(`/${this.prefix ? k.slice(this.prefix.length + 1) : k}`);
    return out.sort();
  }

  /** Object keys under the object key prefix `p`, `pageSize` per request. */
  async *listObjects(p: string, pageSize = 1000): AsyncGenerator<string> {
    let token: string | undefined;
    do {
      const q: Record<string, string> = { "list-type": "2", "max-keys": String(pageSize), prefix: p };
      if (token) q["continuation-token"] = token;
      const r = await this.requester.send({ method: "GET", url: `${this.base}/?${queryString(q)}`, what: `s3://${this.bucket}/${p} (listing)` });
      const xml = new TextDecoder().decode(r.body);
      for (const m of xml.matchAll(/<Contents>([\s\S]*?)<\/Contents>/g)) yield xmlText(m[1]!, "Key")!;
      token = /<IsTruncated>true<\/IsTruncated>/.test(xml) ? xmlText(xml, "NextContinuationToken") : undefined;
    } while (token);
  }

  /** Multipart uploads left under the store's prefix (ListMultipartUploads, paginated). */
  async listUploads(): Promise<MultipartUpload[]> {
    const out: MultipartUpload[] = [];
    let marker: { key: string; id: string } | undefined;
    for (;;) {
      const q: Record<string, string> = { uploads: "", prefix: this.prefix ? `${this.prefix}/` : "" };
      if (marker) Object.assign(q, { "key-marker": marker.key, "upload-id-marker": marker.id });
      const r = await this.requester.send({ method: "GET", url: `${this.base}/?${queryString(q)}`, what: `${this.url} (multipart uploads)` });
      const xml = new TextDecoder().decode(r.body);
      for (const m of xml.matchAll(/<Upload>([\s\S]*?)<\/Upload>/g)) {
        out.push({ key: xmlText(m[1]!, "Key")!, uploadId: xmlText(m[1]!, "UploadId")!, initiated: Date.parse(xmlText(m[1]!, "Initiated") ?? "") });
      }
      if (!/<IsTruncated>true<\/IsTruncated>/.test(xml)) return out;
      marker = { key: xmlText(xml, "NextKeyMarker") ?? "", id: xmlText(xml, "NextUploadIdMarker") ?? "" };
    }
  }

  /** Abort a multipart upload (an object key and its upload id, as listUploads gives them). */
  async abortUpload(objectKey: string, uploadId: string): Promise<void> {
    await this.requester.send({
      method: "DELETE", url: this.url_(objectKey, queryString({ uploadId })), what: `s3://${this.bucket}/${objectKey}`, accept: [404],
    });
  }

  /**
   * Abort the multipart uploads under the prefix started more than `minAgeSeconds` ago (a live writer's are
   * younger): what `xpartition clean` does. A server that cannot list them (501) gets a StoreError saying so.
   */
  async abortIncompleteUploads(options: { minAgeSeconds?: number; dryRun?: boolean } = {}): Promise<MultipartUpload[]> {
    const minAge = (options.minAgeSeconds ?? 60) * 1000;
    const all = await this.listUploads().catch((e: unknown) => {
      if (e instanceof S3Error && e.status === 501) throw new StoreError(`${this.url}: this server cannot list multipart uploads (ListMultipartUploads answered 501 ${e.code ?? ""}); abort them with the server's own tools, or set an AbortIncompleteMultipartUpload lifecycle rule`);
      throw e;
    });
    const old = all.filter((u) => !(Date.now() - u.initiated < minAge));
    if (!options.dryRun) for (const u of old) await this.abortUpload(u.key, u.uploadId);
    return old;
  }

  private async multipart(key: string, k: string, value: Uint8Array): Promise<void> {
    const what = this.what(key);
    const init = await this.requester.send({ method: "POST", url: this.url_(k, queryString({ uploads: "" })), what });
    const uploadId = xmlText(new TextDecoder().decode(init.body), "UploadId");
    if (!uploadId) throw new S3Error(`${what}: CreateMultipartUpload answered no UploadId`, what, init.status, undefined);
    try {
      const n = Math.ceil(value.byteLength / this.partSize);
      const etags = await Promise.all(
        Array.from({ length: n }, async (_, i) => {
          const part = value.subarray(i * this.partSize, Math.min(value.byteLength, (i + 1) * this.partSize));
          const r = await this.requester.send({
            method: "PUT", url: this.url_(k, queryString({ partNumber: String(i + 1), uploadId })), what: `${what} (part ${i + 1} of ${n})`,
            body: part, headers: { "content-md5": md5(part) },
          });
          return r.headers.get("etag") ?? "";
        }),
      );
      const doc = `<CompleteMultipartUpload>${etags.map((e, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${escapeXml(e)}</ETag></Part>`).join("")}</CompleteMultipartUpload>`;
      const body = new TextEncoder().encode(doc);
      const r: S3Response = await this.requester.send({ method: "POST", url: this.url_(k, queryString({ uploadId })), what, body, headers: { "content-md5": md5(body) } });
      const text = new TextDecoder().decode(r.body);
      // S3 may answer 200 with an <Error> body to CompleteMultipartUpload.
      if (/<Error>/.test(text)) throw new S3Error(`${what}: CompleteMultipartUpload failed: ${xmlText(text, "Code")}: ${xmlText(text, "Message")}`, what, r.status, xmlText(text, "Code"));
    } catch (e) {
      await this.abortUpload(k, uploadId).catch(() => {});
      throw e;
    }
  }
}

/** Whether an error says that the server ignores conditional writes (S3Store.setIfAbsent). */
export function isConditionalUnsupported(e: unknown): boolean {
  return (e as { code?: string })?.code === CONDITIONAL_UNSUPPORTED;
}

/** Parse `s3://bucket/prefix` into options. */
export function parseS3Url(url: string | URL): { bucket: string; prefix: string } {
  const s = String(url);
  const m = /^s3:\/\/([^/?#]+)\/?([^?#]*)$/i.exec(s);
  if (!m) throw new StoreError(`store ${JSON.stringify(s)} is not an s3:// URL of the form s3://bucket/prefix`);
  let prefix: string;
  try {
    prefix = url instanceof URL ? decodeURIComponent(m[2]!) : m[2]!;
  } catch {
    throw new StoreError(`store ${JSON.stringify(s)}: its path is not valid percent-encoding`);
  }
  return { bucket: m[1]!, prefix: prefix.replace(/\/+$/, "") };
}

function md5(b: Uint8Array): string {
  return createHash("md5").update(b).digest("base64");
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const escapeXml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

function positive(name: string, v: number | undefined, dflt: number, zeroOk = false): number {
  if (v === undefined) return dflt;
  if (typeof v !== "number" || !Number.isInteger(v) || v < (zeroOk ? 0 : 1)) throw new StoreError(`S3Store: ${name} must be an integer >= ${zeroOk ? 0 : 1}, got ${String(v)}`);
  return v;
}
