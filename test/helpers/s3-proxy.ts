// A fault-injecting S3 proxy of the tests' own, between our client and s3rver. It adds what s3rver lacks:
// it checks Content-MD5 (400 BadDigest), enforces If-None-Match: * on PUT (412), answers suffix ranges
// correctly, and emulates ListMultipartUploads / AbortMultipartUpload for the uploads it has seen. For a
// seeded fraction of requests it injects a fault: 503 SlowDown, 500, a reset before or after forwarding, a
// delay past the client's timeout (then dropped), a response cut short, or a flipped request body byte (which
// its Content-MD5 check then refuses). `permanent` answers 403 to every request for keys it matches;
// `latencyMs` and `bytesPerSecond` make a cloud-like link; `discard` makes it a discard endpoint for the keys
// it matches (PUTs answered 200 after the Content-MD5 check, never forwarded: the client's cost alone).
import { createHash } from "node:crypto";
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { rng } from "./rng.js";

export type Fault = "slowdown" | "500" | "reset-before" | "reset-after" | "delay" | "short" | "corrupt";
export const ALL_FAULTS: Fault[] = ["slowdown", "500", "reset-before", "reset-after", "delay", "short", "corrupt"];

export interface ProxyOptions {
  /** Fraction of requests given a fault (default 0). */
  faultRate?: number;
  faults?: Fault[];
  seed?: number;
  /** How long a "delay" fault holds a request (ms; make it longer than the client's timeout). */
  delayMs?: number;
  /** Object keys (path after the bucket) answered 403 AccessDenied on every request. */
  permanent?: (objectKey: string, method: string, search: string) => boolean;
  /** Faults for the next requests, one each, in order (null: none), before the random ones. */
  next?: (Fault | null)[];
  /** Session tokens refused as expired (400 ExpiredToken, which a client must not retry). */
  tokenExpired?: (token: string) => boolean;
  /** Called with each request's headers (for tests to see what was signed). */
  onRequest?: (method: string, url: string, headers: IncomingMessage["headers"]) => void;
  /** Added latency per request (ms). */
  latencyMs?: number;
  /** A bandwidth cap per connection (bytes/s), applied to request and response bodies. */
  bytesPerSecond?: number;
  /** Single PUTs of object keys it matches: answered 200 (ETag = MD5) once Content-MD5 checks, not forwarded. */
  discard?: (objectKey: string) => boolean;
}

export interface S3Proxy {
  endpoint: string;
  options: ProxyOptions;
  /** Counts of requests by method and faults injected by kind. */
  stats: { requests: number; faults: Record<string, number>; conditionalRefused: number; badDigest: number; discarded: number; discardedBytes: number };
  close(): Promise<void>;
}


const xmlError = (res: ServerResponse, status: number, code: string, message: string) => {
  res.writeHead(status, { "content-type": "application/xml" });
  res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`);
};

export async function startS3Proxy(upstream: string, options: ProxyOptions = {}): Promise<S3Proxy> {
  const up = new URL(upstream);
  const random = rng(options.seed ?? 1);
  const stats: S3Proxy["stats"] = { requests: 0, faults: {}, conditionalRefused: 0, badDigest: 0, discarded: 0, discardedBytes: 0 };
  /** Multipart uploads seen: uploadId -> { bucket, key, initiated }. */
  const uploads = new Map<string, { bucket: string; key: string; initiated: Date }>();
  /** Conditional PUTs in flight per key: the check and the write are one step. */
  const locks = new Map<string, Promise<void>>();

  const forward = (req: IncomingMessage, body: Buffer, headers: Record<string, string | string[] | undefined> = req.headers, method = req.method!, path = req.url!) =>
    new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }>((resolve, reject) => {
      const h = Object.fromEntries(Object.entries({ ...headers, host: up.host }).filter(([, v]) => v !== undefined)) as Record<string, string | string[]>;
      const r = httpRequest({ host: up.hostname, port: up.port, method, path, headers: h }, (res) => {
        const parts: Buffer[] = [];
        res.on("data", (d: Buffer) => parts.push(d));
        res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(parts) }));
        res.on("error", reject);
      });
      r.on("error", reject);
      r.end(body);
    });

  const handle = async (req: IncomingMessage, res: ServerResponse, body: Buffer) => {
    stats.requests++;
    const url = new URL(req.url!, "http://x");
    const [, bucket = "", ...rest] = url.pathname.split("/");
    const objectKey = decodeURIComponent(rest.join("/"));
    const method = req.method!;
    options.onRequest?.(method, req.url!, req.headers);
    const token = req.headers["x-amz-security-token"];
    if (typeof token === "string" && options.tokenExpired?.(token)) return xmlError(res, 400, "ExpiredToken", "The provided token has expired.");
    const cap = (n: number) => (options.bytesPerSecond ? new Promise((r) => setTimeout(r, (n / options.bytesPerSecond!) * 1000)) : undefined);
    if (options.latencyMs) await new Promise((r) => setTimeout(r, options.latencyMs));
    await cap(body.length);
    if (objectKey && options.permanent?.(objectKey, method, url.search)) return xmlError(res, 403, "AccessDenied", `Access Denied (injected for ${objectKey})`);

    let fault: Fault | undefined = options.next?.shift() ?? undefined;
    if (fault) stats.faults[fault] = (stats.faults[fault] ?? 0) + 1;
    else if (options.faultRate && random() < options.faultRate) {
      const kinds = options.faults ?? ALL_FAULTS;
      fault = kinds[Math.floor(random() * kinds.length)]!;
      stats.faults[fault] = (stats.faults[fault] ?? 0) + 1;
    }
    if (fault === "slowdown") return xmlError(res, 503, "SlowDown", "Please reduce your request rate.");
    if (fault === "500") return xmlError(res, 500, "InternalError", "We encountered an internal error. Please try again.");
    if (fault === "reset-before") return req.socket.destroy();
    if (fault === "delay") {
      await new Promise((r) => setTimeout(r, options.delayMs ?? 3000));
      return req.socket.destroy();
    }
    if (fault === "corrupt" && body.length > 0) body[Math.floor(random() * body.length)] ^= 0x01;

    // Content-MD5 checked as S3 does.
    const md5 = req.headers["content-md5"];
    if (typeof md5 === "string" && createHash("md5").update(body).digest("base64") !== md5) {
      stats.badDigest++;
      return xmlError(res, 400, "BadDigest", "The Content-MD5 you specified did not match what we received.");
    }
    if (method === "PUT" && objectKey && !url.searchParams.has("uploadId") && req.headers["if-none-match"] === undefined && options.discard?.(objectKey)) {
      stats.discarded++;
      stats.discardedBytes += body.length;
      const hex = typeof md5 === "string" ? Buffer.from(md5, "base64").toString("hex") : createHash("md5").update(body).digest("hex");
      res.writeHead(200, { etag: `"${hex}"`, "content-length": "0" });
      return res.end();
    }

    // ListMultipartUploads / AbortMultipartUpload, which s3rver lacks.
    if (method === "GET" && url.searchParams.has("uploads") && !objectKey) {
      const prefix = url.searchParams.get("prefix") ?? "";
      const list = [...uploads].filter(([, u]) => u.bucket === bucket && u.key.startsWith(prefix));
      res.writeHead(200, { "content-type": "application/xml" });
      return res.end(
        `<?xml version="1.0" encoding="UTF-8"?><ListMultipartUploadsResult><Bucket>${bucket}</Bucket><IsTruncated>false</IsTruncated>` +
          list.map(([id, u]) => `<Upload><Key>${u.key}</Key><UploadId>${id}</UploadId><Initiated>${u.initiated.toISOString()}</Initiated></Upload>`).join("") +
          `</ListMultipartUploadsResult>`,
      );
    }
    if (method === "DELETE" && url.searchParams.has("uploadId")) {
      uploads.delete(url.searchParams.get("uploadId")!);
      res.writeHead(204);
      return res.end();
    }

    let headers = { ...req.headers };
    // Suffix ranges (s3rver answers bytes=-N with bytes 0-N): turned into an explicit range from the size.
    const range = req.headers.range;
    if (method === "GET" && typeof range === "string" && /^bytes=-\d+$/.test(range)) {
      const head = await forward(req, Buffer.alloc(0), { ...req.headers, range: undefined }, "HEAD");
      const size = Number(head.headers["content-length"]);
      if (head.status === 200) headers = { ...headers, range: `bytes=${Math.max(0, size - Number(range.slice(7)))}-${size - 1}` };
    }

    let out: Awaited<ReturnType<typeof forward>>;
    const conditional = method === "PUT" && req.headers["if-none-match"] === "*";
    if (conditional) {
      const lockKey = `${bucket}/${objectKey}`;
      while (locks.has(lockKey)) await locks.get(lockKey);
      let release!: () => void;
      locks.set(lockKey, new Promise<void>((r) => (release = r)));
      try {
        const head = await forward(req, Buffer.alloc(0), { ...req.headers, "if-none-match": undefined, "content-md5": undefined, "content-length": "0" }, "HEAD");
        if (head.status === 200) {
          stats.conditionalRefused++;
          return xmlError(res, 412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold");
        }
        out = await forward(req, body, { ...headers, "if-none-match": undefined });
      } finally {
        locks.delete(lockKey);
        release();
      }
    } else out = await forward(req, body, headers);

    if (method === "POST" && url.searchParams.has("uploads") && out.status === 200) {
      const id = /<UploadId>([^<]+)<\/UploadId>/.exec(out.body.toString())?.[1];
      if (id) uploads.set(id, { bucket, key: objectKey, initiated: new Date() });
    }
    if (method === "POST" && url.searchParams.has("uploadId") && out.status === 200) uploads.delete(url.searchParams.get("uploadId")!);

    if (fault === "reset-after") return req.socket.destroy();
    const { "transfer-encoding": _te, connection: _c, ...h } = out.headers;
    if (fault === "short" && out.body.length > 1) {
      res.writeHead(out.status, { ...h, "content-length": String(out.body.length) });
      res.write(out.body.subarray(0, out.body.length >> 1));
      return setTimeout(() => req.socket.destroy(), 5);
    }
    await cap(out.body.length);
    res.writeHead(out.status, { ...h, "content-length": String(out.body.length) });
    res.end(out.body);
  };

  const server: Server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on("data", (d: Buffer) => parts.push(d));
    req.on("end", () => {
      handle(req, res, Buffer.concat(parts)).catch((e) => {
        if (!res.headersSent) xmlError(res, 502, "ProxyError", String((e as Error).message));
        else req.socket.destroy();
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    options,
    stats,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
