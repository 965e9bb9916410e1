// The writer's store writes in flight: with no `storeConcurrency` given, a store's `preferredConcurrency`
// (S3Store: S3_PREFERRED_CONCURRENCY, chosen by bench/s3.bench.mjs over a cloud-like link), else 8; a given
// `storeConcurrency` always wins. Observed as the most `set`s of chunk keys pending at once in a store whose
// writes take a few milliseconds. Also the proxy's discard mode, which the benchmark measures the client with.
import { describe, expect, it } from "vitest";
import { Dataset } from "../../src/model/dataset.js";
import { lazy } from "../../src/model/lazy.js";
import { initializeStore } from "../../src/write/initialize.js";
import { writePartition } from "../../src/write/write.js";
import { S3Store, S3_PREFERRED_CONCURRENCY } from "../../src/store/s3/store.js";
import { createHash } from "node:crypto";
import { startS3Proxy } from "../helpers/s3-proxy.js";

/** 200 chunks of 4 float32 values each. */
const ds = () =>
  new Dataset({
    dataVars: {
      v: { dims: ["x"], data: lazy({ name: "v", shape: [800], dtype: "float32", chunks: [4], compute: (r) => Float32Array.from({ length: r[0]!.stop - r[0]!.start }, (_, i) => r[0]!.start + i + 1) }) },
    },
  });

/** A Map-backed store counting chunk writes pending at once (each takes 3 ms). */
class SlowStore {
  readonly map = new Map<string, Uint8Array>();
  pending = 0;
  maxPending = 0;
  constructor(readonly preferredConcurrency?: number) {}
  get(k: string) {
    return this.map.get(k);
  }
  delete(k: string) {
    this.map.delete(k);
  }
  list() {
    return this.map.keys();
  }
  setIfAbsent(k: string, v: Uint8Array) {
    if (this.map.has(k)) return false;
    this.map.set(k, v);
    return true;
  }
  async set(k: string, v: Uint8Array) {
    const chunk = k.startsWith("/v/c/");
    if (chunk) this.maxPending = Math.max(this.maxPending, ++this.pending);
    await new Promise((r) => setTimeout(r, 3));
    this.map.set(k, v);
    if (chunk) this.pending--;
  }
}

async function maxInFlight(store: SlowStore, storeConcurrency?: number): Promise<number> {
  await initializeStore(ds(), store);
  const rec = await writePartition(ds(), store, { ranks: 1, dims: ["x"], rank: 0, storeConcurrency });
  expect(rec.chunks).toBe(200);
  expect([...store.map.keys()].filter((k) => k.startsWith("/v/c/")).length).toBe(200);
  return store.maxPending;
}

describe("storeConcurrency default", () => {
  it("a store's preferredConcurrency applies when none is given; a given storeConcurrency wins; else 8", async () => {
    expect(await maxInFlight(new SlowStore(24))).toBe(24);
    expect(await maxInFlight(new SlowStore(24), 5)).toBe(5);
    expect(await maxInFlight(new SlowStore())).toBe(8);
  });

  it("S3Store prefers S3_PREFERRED_CONCURRENCY writes in flight (at most its maxConcurrency), and keeps it in worker threads", () => {
    const opts = { bucket: "bkt", endpoint: "http://127.0.0.1:1", credentials: { accessKeyId: "a", secretAccessKey: "b" }, env: {} };
    expect(S3_PREFERRED_CONCURRENCY).toBeGreaterThan(8);
    expect(new S3Store(opts).preferredConcurrency).toBe(S3_PREFERRED_CONCURRENCY);
    expect(new S3Store({ ...opts, maxConcurrency: 4 }).preferredConcurrency).toBe(4);
    const st = new S3Store({ ...opts, maxConcurrency: 6 });
    expect(new S3Store(st.toOptions() as never).preferredConcurrency).toBe(6);
  });

  it("writePartition into an S3Store without storeConcurrency keeps its preferred number of PUTs in flight", async () => {
    class CountingS3 extends S3Store {
      readonly inner = new SlowStore();
      override get(k: string) {
        return Promise.resolve(this.inner.get(k));
      }
      override set(k: string, v: Uint8Array) {
        return this.inner.set(k, v);
      }
      override setIfAbsent(k: string, v: Uint8Array) {
        return Promise.resolve(this.inner.setIfAbsent(k, v));
      }
      override delete(k: string) {
        this.inner.delete(k);
        return Promise.resolve();
      }
      override list() {
        return Promise.resolve([...this.inner.map.keys()].sort());
      }
    }
    const st = new CountingS3({ bucket: "bkt", endpoint: "http://127.0.0.1:1", credentials: { accessKeyId: "a", secretAccessKey: "b" }, env: {} });
    await initializeStore(ds(), st, { mode: "w" });
    await writePartition(ds(), st, { ranks: 1, dims: ["x"], rank: 0 });
    expect(st.inner.maxPending).toBe(S3_PREFERRED_CONCURRENCY);
  });
});

describe("the S3 proxy's discard mode (bench/s3.bench.mjs)", () => {
  it("answers a matching PUT 200 with its MD5 as ETag without forwarding; a wrong Content-MD5 gets 400 BadDigest; other keys are forwarded", async () => {
    // The upstream port is closed: anything forwarded fails (502), so a 200 proves nothing was forwarded.
    const proxy = await startS3Proxy("http://127.0.0.1:1", { discard: (k) => k.includes("/c/") });
    try {
      const body = new TextEncoder().encode("chunk bytes");
      const md5 = createHash("md5").update(body);
      const b64 = md5.copy().digest("base64");
      const put = (key: string, m: string) => fetch(`${proxy.endpoint}/bkt/${key}`, { method: "PUT", body, headers: { "content-md5": m } });
      const ok = await put("out.zarr/temp/c/0/0", b64);
      expect(ok.status).toBe(200);
      expect(ok.headers.get("etag")).toBe(`"${md5.digest("hex")}"`);
      const bad = await put("out.zarr/temp/c/0/1", createHash("md5").update("other").digest("base64"));
      expect(bad.status).toBe(400);
      expect(await bad.text()).toMatch(/BadDigest/);
      expect((await put("out.zarr/zarr.json", b64)).status).toBe(502);
      expect(proxy.stats).toMatchObject({ discarded: 1, discardedBytes: body.length, badDigest: 1 });
    } finally {
      await proxy.close();
    }
  });
});
