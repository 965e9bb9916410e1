// One S3 request, owned end to end: signed with aws4fetch's SigV4 signer (its client's fetch and retries are
// not used: they cannot resend every body and retry too long; the payload is UNSIGNED-PAYLOAD, as aws4fetch
// sets for S3 and botocore does over https, Content-MD5 guarding the body), sent by ./transport.ts, a bounded
// number in flight per store, a timeout per attempt covering the whole
// body, and retries with exponential backoff and full jitter on 5xx, 429, 503 SlowDown, 400 BadDigest /
// RequestTimeout (a body damaged or stalled in transit), resets and timeouts. Every request is idempotent
// (same key, same bytes), so a retried PUT never leaves a different object. Anything else fails at once with
// an S3Error naming the key, the status and the server's message (501 NotImplemented too: it will not change).
import { newSigner } from "./signer.js";
import { StoreError } from "../types.js";
import { CredentialCache, xmlText, type S3Credentials } from "./credentials.js";
import { defaultTransport, TransportError, type Transport, type WireResponse } from "./transport.js";

export interface RequestPolicy {
  /** Requests in flight at once (per store). */
  maxConcurrency: number;
  /** One attempt's limit, headers and body (ms), plus 1 ms per KB of request body. */
  timeoutMs: number;
  /** Attempts after the first. */
  retries: number;
  /** First backoff (ms); doubles each retry, capped at 20 s, fully jittered. */
  backoffMs: number;
}

export interface S3Request {
  method: "GET" | "HEAD" | "PUT" | "POST" | "DELETE";
  /** Full URL, query included. */
  url: string;
  /** What messages name (the store key, or the bucket for listings). */
  what: string;
  headers?: Record<string, string>;
  body?: Uint8Array;
  /** Statuses that are answers, not failures (e.g. 404 for a get, 412 for a conditional put). */
  accept?: readonly number[];
}

export interface S3Response {
  status: number;
  headers: WireResponse["headers"];
  body: Uint8Array;
  /** How many attempts it took (1 = no retry). */
  attempts: number;
}

/** A request S3 refused or that kept failing: key, status, the server's code and message. */
export class S3Error extends StoreError {
  constructor(
    message: string,
    readonly key: string,
    readonly status: number | undefined,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

const RETRY_CODES = new Set(["SlowDown", "BadDigest", "RequestTimeout", "InternalError", "ServiceUnavailable", "ConditionalRequestConflict", "RequestTimeTooSkewed"]);

/** A counting semaphore. */
class Limiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly max: number) {}
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.max) await new Promise<void>((r) => this.waiting.push(r));
    else this.active++;
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}

class Retryable extends Error {}

export class S3Requester {
  private readonly limiter: Limiter;
  /** aws4fetch's cache of derived signing keys, one per credentials. */
  private keyCaches = new WeakMap<S3Credentials, Map<string, ArrayBuffer>>();
  /** How requests are sent (node:http in Node, fetch elsewhere); replaceable for tests. */
  transport: Transport;
  /** Requests sent (attempts), for tests and figures. */
  attempts = 0;

  constructor(
    readonly policy: RequestPolicy,
    readonly credentials: CredentialCache,
    readonly region: string,
    /** What the errors say about where credentials came from. */
    readonly credentialSource: string,
  ) {
    this.limiter = new Limiter(policy.maxConcurrency);
    this.transport = defaultTransport(policy.maxConcurrency);
  }

  /**
   * `req`'s URL and headers as sent: signed with the current credentials (unless anonymous), at `datetime`
   * (20240101T000000Z) if given. The body is not read: the payload hash is UNSIGNED-PAYLOAD.
   */
  async signedHeaders(req: S3Request, datetime?: string): Promise<{ url: URL; headers: [string, string][] }> {
    const c = await this.credentials.get();
    if (!c) return { url: new URL(req.url), headers: Object.entries(req.headers ?? {}) };
    let cache = this.keyCaches.get(c);
    if (!cache) this.keyCaches.set(c, (cache = new Map()));
    const { accessKeyId, secretAccessKey, sessionToken } = c;
    const signer = newSigner({ method: req.method, url: req.url, headers: req.headers, accessKeyId, secretAccessKey, sessionToken, service: "s3", region: this.region, cache, datetime });
    const signed = await signer.sign();
    const headers: [string, string][] = [];
    signed.headers.forEach((v, k) => headers.push([k, v]));
    return { url: signed.url, headers };
  }

  /** `req` as it is sent, as a Request (for comparing signatures with other signers). */
  async sign(req: S3Request, datetime?: string): Promise<Request> {
    const { url, headers } = await this.signedHeaders(req, datetime);
    return new Request(url, { method: req.method, headers, body: req.body as BodyInit | undefined });
  }

  /** Send `req`, retrying what is transient. */
  async send(req: S3Request, onRetry?: (attempt: number) => void): Promise<S3Response> {
    const { retries, backoffMs } = this.policy;
    let last = "";
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0) {
        onRetry?.(attempt);
        await sleep(Math.random() * Math.min(20_000, backoffMs * 2 ** (attempt - 1)));
      }
      try {
        const r = await this.limiter.run(() => this.once(req));
        return { ...r, attempts: attempt + 1 };
      } catch (e) {
        if (!(e instanceof Retryable)) throw e;
        last = e.message;
        if (attempt >= retries) {
          throw new S3Error(`${req.what}: ${req.method} failed after ${attempt + 1} attempts; last: ${last}`, req.what, undefined, "RetriesExhausted");
        }
      }
    }
  }

  private async once(req: S3Request): Promise<Omit<S3Response, "attempts">> {
    this.attempts++;
    const ctl = new AbortController();
    // A large body gets 1 s more per MB sent (a slow link must not time every attempt out).
    const limit = this.policy.timeoutMs + Math.ceil((req.body?.byteLength ?? 0) / 1000);
    const timer = setTimeout(() => ctl.abort(), limit);
    try {
      let signed: { url: URL; headers: [string, string][] };
      try {
        signed = await this.signedHeaders(req);
      } catch (e) {
        throw new S3Error(`${req.what}: ${req.method}: no credentials (${this.credentialSource}): ${(e as Error).message}`, req.what, undefined, "NoCredentials");
      }
      let res: WireResponse;
      try {
        res = await this.transport.send(signed.url, req.method, signed.headers, req.body, ctl.signal);
      } catch (e) {
        if (!(e instanceof TransportError)) throw e;
        if (e.stage === "connect") throw new Retryable(ctl.signal.aborted ? `timed out after ${limit} ms` : `connection failed (${e.detail})`);
        throw new Retryable(ctl.signal.aborted ? `timed out after ${limit} ms reading the answer` : `the answer was cut short (${e.detail})`);
      }
      const body = res.body;
      const ok = res.status >= 200 && res.status < 300;
      if (ok || req.accept?.includes(res.status)) return { status: res.status, headers: res.headers, body };
      const text = new TextDecoder().decode(body);
      const code = xmlText(text, "Code");
      const message = xmlText(text, "Message") ?? (text.trim().slice(0, 300) || res.statusText);
      const said = `${res.status}${code ? ` ${code}` : ""}: ${message}`;
      if ((res.status >= 500 && res.status !== 501) || res.status === 429 || (code !== undefined && RETRY_CODES.has(code))) throw new Retryable(said);
      throw new S3Error(`${req.what}: ${req.method} refused with ${said}${this.hint(res.status, code)}`, req.what, res.status, code);
    } finally {
      clearTimeout(timer);
    }
  }

  private hint(status: number, code: string | undefined): string {
    if (code === "NoSuchBucket") return " (the bucket does not exist: create it first)";
    if (status === 403 || code === "InvalidAccessKeyId" || code === "SignatureDoesNotMatch") return ` (credentials: ${this.credentialSource})`;
    return "";
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
