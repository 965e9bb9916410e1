// How a signed S3 request goes over the wire. In Node: node:http(s) with a keep-alive agent per store. fetch
// (undici) copies every Uint8Array body before sending it (extractBody) and pushes it through a web stream;
// over a D1 write that copy and its garbage were 0.3-0.4 s of CPU per writer thread (bench/README.md, S3), and
// loading undici in each worker thread another 0.1 s. node:http writes the caller's bytes to the socket as
// they are. Elsewhere (Deno): fetch, as before.
import * as http from "node:http";
import type * as Https from "node:https";
import { createRequire } from "node:module";
import process from "node:process";

// node:https (TLS) is loaded on the first https: request only: an http endpoint's writer threads (a local S3
// server, MinIO in the cluster) do not pay its ~5 ms each.
let httpsModule: typeof Https | undefined;
const https = (): typeof Https => (httpsModule ??= createRequire(import.meta.url)("node:https") as typeof Https);

export interface WireResponse {
  status: number;
  statusText: string;
  headers: { get(name: string): string | null };
  body: Uint8Array;
}

/** Why an attempt got no complete answer: no connection / no headers ("connect"), or a body cut short ("read"). */
export class TransportError extends Error {
  constructor(readonly stage: "connect" | "read", readonly detail: string) {
    super(detail);
  }
}

export interface Transport {
  readonly name: string;
  send(url: URL, method: string, headers: [string, string][], body: Uint8Array | undefined, signal: AbortSignal): Promise<WireResponse>;
  /** Close idle connections (nothing is kept alive past this). */
  close(): void;
}

/** The transport for this runtime: node:http where Node runs the code, fetch elsewhere (Deno, browsers). */
export function defaultTransport(maxSockets: number): Transport {
  const isDeno = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";
  return !isDeno && typeof process?.versions?.node === "string" ? new NodeTransport(maxSockets) : fetchTransport;
}

const causeOf = (e: unknown): string => {
  const err = e as { message?: string; code?: string; cause?: { code?: string; message?: string } };
  return err.cause?.code ?? err.cause?.message ?? err.code ?? err.message ?? String(e);
};

export const fetchTransport: Transport = {
  name: "fetch",
  async send(url, method, headers, body, signal) {
    let res: Response;
    try {
      res = await fetch(url, { method, headers, body: body as BodyInit | undefined, signal });
    } catch (e) {
      throw new TransportError("connect", causeOf(e));
    }
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await res.arrayBuffer());
    } catch (e) {
      throw new TransportError("read", causeOf(e));
    }
    // fetch decodes a compressed answer itself: its Content-Length is not the body's.
    if (method !== "HEAD" && !res.headers.get("content-encoding")) checkLength(res.headers.get("content-length"), bytes.length);
    return { status: res.status, statusText: res.statusText, headers: res.headers, body: bytes };
  },
  close() {},
};

function checkLength(len: string | null | undefined, got: number): void {
  if (len !== null && len !== undefined && Number(len) !== got) throw new TransportError("read", `${got} of ${len} bytes`);
}

class NodeTransport implements Transport {
  readonly name = "node:http";
  private readonly httpAgent: http.Agent;
  private httpsAgent: Https.Agent | undefined;

  constructor(private readonly maxSockets: number) {
    // Idle keep-alive sockets are unreferenced by the agent: they do not keep the process alive.
    this.httpAgent = new http.Agent({ keepAlive: true, maxSockets });
  }

  send(url: URL, method: string, headers: [string, string][], body: Uint8Array | undefined, signal: AbortSignal): Promise<WireResponse> {
    const h: Record<string, string> = { host: url.host };
    for (const [k, v] of headers) h[k] = v;
    if (body || method === "PUT" || method === "POST") h["content-length"] = String(body?.byteLength ?? 0);
    const secure = url.protocol === "https:";
    const mod = secure ? https() : http;
    const agent = secure ? (this.httpsAgent ??= new (https().Agent)({ keepAlive: true, maxSockets: this.maxSockets })) : this.httpAgent;
    return new Promise<WireResponse>((resolve, reject) => {
      let settled = false;
      const fail = (e: TransportError) => {
        if (settled) return;
        settled = true;
        signal.removeEventListener("abort", onAbort);
        req.destroy();
        reject(e);
      };
      let stage: "connect" | "read" = "connect";
      const onAbort = () => fail(new TransportError(stage, "aborted"));
      const req = mod.request(
        url,
        { method, headers: h, agent },
        (res) => {
          stage = "read";
          const len = res.headers["content-length"];
          const expect = len !== undefined && method !== "HEAD" ? Number(len) : undefined;
          // The body in memory of its own (not slices of the socket's buffers), as fetch's arrayBuffer() gives it.
          let out = expect !== undefined && Number.isSafeInteger(expect) ? new Uint8Array(expect) : undefined;
          const parts: Buffer[] = [];
          let got = 0;
          res.on("data", (d: Buffer) => {
            if (out && got + d.length <= out.length) out.set(d, got);
            else parts.push(d);
            got += d.length;
          });
          res.on("error", (e) => fail(new TransportError("read", causeOf(e))));
          res.on("close", () => {
            if (!res.complete) return fail(new TransportError("read", "connection closed before the end of the answer"));
          });
          res.on("end", () => {
            if (settled) return;
            if (parts.length > 0 || !out) {
              // More than Content-Length said, or no length given: gather everything.
              const all = new Uint8Array(got);
              let at = 0;
              if (out) (all.set(out.subarray(0, Math.min(out.length, got))), (at = out.length));
              for (const p of parts) (all.set(p, at), (at += p.length));
              out = all;
            }
            try {
              if (method !== "HEAD") checkLength(len, got);
            } catch (e) {
              return fail(e as TransportError);
            }
            settled = true;
            signal.removeEventListener("abort", onAbort);
            const hs = res.headers;
            resolve({
              status: res.statusCode ?? 0,
              statusText: res.statusMessage ?? "",
              headers: { get: (name) => { const v = hs[name.toLowerCase()]; return v === undefined ? null : Array.isArray(v) ? v.join(", ") : v; } },
              body: out.length === got ? out : out.subarray(0, got),
            });
          });
        },
      );
      req.on("error", (e) => fail(new TransportError(stage, causeOf(e))));
      if (signal.aborted) return onAbort();
      signal.addEventListener("abort", onAbort, { once: true });
      req.end(body && body.byteLength > 0 ? body : undefined);
    });
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent?.destroy();
  }
}
