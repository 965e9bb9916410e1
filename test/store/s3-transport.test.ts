// S3Store's two transports (src/store/s3/transport.ts): node:http (Node) and fetch (Deno; run here in Node so
// that its path stays tested). Each fault of the tests' proxy, injected once into a PUT and a GET, is retried
// to the right bytes; a body cut short or a connection reset is an answer never taken; what goes on the wire
// is the caller's bytes with Content-Length, Content-MD5 and x-amz-content-sha256: UNSIGNED-PAYLOAD.
import { createHash } from "node:crypto";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { S3Store } from "../../src/store/s3/index.js";
import { fetchTransport, type Transport } from "../../src/store/s3/transport.js";
import { S3_STAGE_IN_FLIGHT, stageAlloc } from "../../src/store/s3/staging.js";
import { StoreOps } from "../../src/store/index.js";
import { engine, WritePool } from "../../src/write/chunks.js";
import { startS3rver, S3RVER_CREDENTIALS, type LocalS3 } from "../helpers/s3.js";
import { ALL_FAULTS, startS3Proxy, type S3Proxy } from "../helpers/s3-proxy.js";

let s3: LocalS3, proxy: S3Proxy;
beforeAll(async () => {
  s3 = await startS3rver(["bkt"]);
  proxy = await startS3Proxy(s3.endpoint, { seed: 3, delayMs: 800 });
}, 30_000);
afterAll(async () => {
  await proxy?.close();
  await s3?.stop();
});

const transports: [string, (st: S3Store) => void][] = [
  ["node:http", () => {}],
  ["fetch", (st) => (st.requester.transport = fetchTransport as Transport)],
];

describe.each(transports)("S3Store over %s", (name, use) => {
  const store = (prefix: string) => {
    const st = new S3Store({ bucket: "bkt", prefix, endpoint: proxy.endpoint, credentials: S3RVER_CREDENTIALS, env: {}, timeoutMs: 400, backoffMs: 1, retries: 3 });
    use(st);
    return st;
  };

  it("uses the transport it is given", () => {
    expect(store("t").requester.transport.name).toBe(name);
  });

  it("every fault of the proxy, once on a PUT and once on a GET, is retried to the right bytes", async () => {
    const st = store(`faults-${name}`);
    // 300 kB: more than one socket read, so that a short answer is cut inside the body.
    const value = new Uint8Array(300_000).map((_, i) => (i * 31 + 7) & 255);
    for (const fault of ALL_FAULTS) {
      const key = `/v/${fault}`;
      let before = st.requester.attempts;
      proxy.options.next = [fault];
      await st.set(key, value);
      expect(proxy.options.next, fault).toEqual([]);
      expect(st.requester.attempts - before, `${fault}: PUT attempts`).toBe(fault === "short" ? 1 : 2); // a PUT's answer has no body to cut
      before = st.requester.attempts;
      proxy.options.next = [fault];
      const got = await st.get(key);
      expect(st.requester.attempts - before, `${fault}: GET attempts`).toBe(fault === "corrupt" ? 1 : 2); // a GET has no body to corrupt
      expect(got && Buffer.from(got).equals(Buffer.from(value)), `${fault}: bytes read back`).toBe(true);
      expect(got!.byteOffset === 0 && got!.byteLength === got!.buffer.byteLength, `${fault}: the body owns its memory`).toBe(true);
    }
    // HEAD straight to s3rver (the proxy answers HEAD with Content-Length 0).
    const direct = new S3Store({ bucket: "bkt", prefix: `faults-${name}`, endpoint: s3.endpoint, credentials: S3RVER_CREDENTIALS, env: {} });
    use(direct);
    expect(await direct.head("/v/short")).toBe(value.length);
    expect(await direct.head("/v/none")).toBeUndefined();
    expect(await st.get("/v/none")).toBeUndefined();
  }, 30_000);
});

describe("staged memory (the writer's encoded chunks)", () => {
  it("is reused once its PUT succeeded, never after a failed one; small and huge values are not pooled", async () => {
    const st = new S3Store({ bucket: "bkt", prefix: "staged", endpoint: proxy.endpoint, credentials: S3RVER_CREDENTIALS, env: {}, retries: 0 });
    const a = stageAlloc(1_000_000).fill(1);
    await st.set("/a", a);
    const b = stageAlloc(900_000);
    expect(b.buffer).toBe(a.buffer);
    b.fill(2);
    expect(Buffer.from((await st.get("/a"))!).equals(Buffer.alloc(1_000_000, 1))).toBe(true); // sent before reuse
    proxy.options.permanent = (key) => key === "staged/b";
    await expect(st.set("/b", b)).rejects.toThrow(/403/);
    proxy.options.permanent = undefined;
    expect(stageAlloc(900_000).buffer).not.toBe(b.buffer);
    expect(stageAlloc(1000).buffer.byteLength).toBe(1000);
    expect(stageAlloc(9 * 2 ** 20).buffer.byteLength).toBe(9 * 2 ** 20);
  });

  it("cycles through few buffers as the writer keeps it in flight: distinct chunks of two sizes (D1's) read back exactly", async () => {
    const st = new S3Store({ bucket: "bkt", prefix: "staged-cycle", endpoint: s3.endpoint, credentials: S3RVER_CREDENTIALS, env: {} });
    // The writer on an S3Store waits for room within S3_STAGE_IN_FLIGHT before staging each chunk.
    expect(engine(new StoreOps(st), 3, 32, true).stageInFlight).toBe(S3_STAGE_IN_FLIGHT);
    const pool = new WritePool(32);
    const sizes = [1_220_000, 1_530_000];
    const bytesOf = (i: number) => {
      const b = new Uint8Array(sizes[i % 2]!);
      for (let j = 0; j < b.length; j += 997) b[j] = (i * 31 + j) & 255;
      b[0] = i;
      b[b.length - 1] = 255 - i;
      return b;
    };
    const seen = new Set<ArrayBufferLike>();
    for (let i = 0; i < 40; i++) {
      const n = sizes[i % 2]!;
      await pool.room(n, S3_STAGE_IN_FLIGHT); // as src/write/chunks.ts does before staging
      const staged = stageAlloc(n);
      staged.set(bytesOf(i));
      seen.add(staged.buffer);
      await pool.add(() => st.set(`/c/${i}`, staged), n);
    }
    await pool.drain();
    for (let i = 0; i < 40; i++) expect(Buffer.compare((await st.get(`/c/${i}`))!, bytesOf(i))).toBe(0);
    // Both sizes share one buffer size, so no more buffers than the bytes in flight allow (one more being staged).
    expect(seen.size).toBeLessThanOrEqual(Math.floor(S3_STAGE_IN_FLIGHT / sizes[0]!) + 1);
    await st.deletePrefix("/");
  });
});

describe("what goes on the wire", () => {
  let server: ReturnType<typeof createServer>, endpoint: string;
  const seen: { method: string; url: string; headers: IncomingHttpHeaders; body: Buffer }[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      const parts: Buffer[] = [];
      req.on("data", (d: Buffer) => parts.push(d));
      req.on("end", () => {
        seen.push({ method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(parts) });
        res.writeHead(200, { etag: '"x"', "content-length": "2" });
        res.end("ok");
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it.each(["node:http", "fetch"])("%s: the body as given, Content-Length, Content-MD5, UNSIGNED-PAYLOAD, the signed host", async (name) => {
    seen.length = 0;
    const st = new S3Store({ bucket: "bkt", prefix: "w", endpoint, credentials: S3RVER_CREDENTIALS, env: {} });
    if (name === "fetch") st.requester.transport = fetchTransport;
    const big = new Uint8Array(1 << 20).map((_, i) => i % 251);
    await st.set("/a/c/0", big.subarray(5, 5 + 700_000)); // a view into a larger buffer: its own bytes only
    await st.set("/empty", new Uint8Array(0));
    expect(await st.get("/a/c/0")).toEqual(new TextEncoder().encode("ok"));
    expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual(["PUT /bkt/w/a/c/0", "PUT /bkt/w/empty", "GET /bkt/w/a/c/0"]);
    const [put, empty, get] = seen;
    expect(put!.body.equals(Buffer.from(big.subarray(5, 5 + 700_000)))).toBe(true);
    expect(put!.headers["content-length"]).toBe("700000");
    expect(put!.headers["transfer-encoding"]).toBeUndefined();
    expect(put!.headers["content-md5"]).toBe(createHash("md5").update(put!.body).digest("base64"));
    expect(empty!.headers["content-length"]).toBe("0");
    for (const s of seen) {
      expect(s.headers["x-amz-content-sha256"]).toBe("UNSIGNED-PAYLOAD");
      expect(s.headers.host).toBe(new URL(endpoint).host);
      expect(s.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=S3RVER\/\d{8}\/us-east-1\/s3\/aws4_request, SignedHeaders=[a-z0-9;-]*x-amz-content-sha256[a-z0-9;-]*, Signature=[0-9a-f]{64}$/);
    }
    expect(put!.headers.authorization).toMatch(/SignedHeaders=content-md5;host;x-amz-content-sha256;x-amz-date,/);
    expect(get!.headers["content-length"]).toBeUndefined();
  });
});
