// S3Store against a real S3 server (s3rver, started under --openssl-legacy-provider) and, for what s3rver
// cannot check (Content-MD5, If-None-Match, suffix ranges, multipart listing/abort, faults), through the tests'
// own proxy (test/helpers/s3-proxy.ts). Objects are compared as s3rver stored them on disk (an independent view).
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { S3Store } from "../../src/store/s3/index.js";
import { openStoreFromOptions, resolveStore, storeOptions, StoreOps } from "../../src/store/index.js";
import { initializeStore } from "../../src/write/initialize.js";
import { writePartition } from "../../src/write/write.js";
import { storeStatus } from "../../src/run/status.js";
import { d1Dataset } from "../../src/demo/dataset.js";
import { startS3rver, S3RVER_CREDENTIALS, type LocalS3 } from "../helpers/s3.js";
import { startS3Proxy, type S3Proxy } from "../helpers/s3-proxy.js";

let s3: LocalS3;
const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array | undefined) => (b === undefined ? undefined : new TextDecoder().decode(b));

beforeAll(async () => {
  s3 = await startS3rver(["bkt"]);
}, 30_000);
afterAll(async () => {
  await s3?.stop();
});

/** Every object s3rver holds under `bucket/prefix`, read from its directory: relative key -> bytes. */
function onDisk(prefix: string): Map<string, Buffer> {
  const root = join(s3.directory, "bkt", prefix);
  const out = new Map<string, Buffer>();
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else if (n.endsWith("._S3rver_object")) out.set(relative(root, p).replace(/\._S3rver_object$/, ""), readFileSync(p));
    }
  };
  walk(root);
  return out;
}

const store = (endpoint: string, prefix: string, more: Partial<ConstructorParameters<typeof S3Store>[0]> = {}) =>
  new S3Store({ bucket: "bkt", prefix, endpoint, credentials: S3RVER_CREDENTIALS, env: {}, ...more });

describe("S3Store on s3rver", () => {
  it("gets, sets, ranges, deletes and lists keys as a filesystem store would hold them (no directory markers)", async () => {
    const st = store(s3.endpoint, "dir a/out.zarr", { multipartThreshold: 40, partSize: 16 });
    const odd = "/v/c/0 é+%!'()*/.zattrs";
    await st.set("/zarr.json", enc("{}"));
    await st.set(odd, enc("odd key"));
    const big = enc("0123456789".repeat(10)); // 100 bytes: multipart, 7 parts
    await st.set("/v/big", big);
    expect(await st.list("/"), JSON.stringify(await st.list("/"))).toEqual(["/v/big", odd, "/zarr.json"].sort());
    expect(await st.list("/v/")).toEqual(["/v/big", odd].sort());
    expect(dec(await st.get(odd))).toBe("odd key");
    expect(await st.get("/v/big")).toEqual(big);
    expect(await st.get("/missing")).toBeUndefined();
    expect(dec(await st.getRange("/v/big", { offset: 12, length: 5 }))).toBe("23456");
    expect(await st.getRange("/missing", { offset: 0, length: 5 })).toBeUndefined();
    // s3rver's own files: exactly these three objects, under the prefix.
    expect([...onDisk("dir a/out.zarr").keys()].length).toBe(3);
    expect(onDisk("dir a/out.zarr").get("v/big")).toEqual(Buffer.from(big));
    await st.delete("/v/big");
    await st.delete("/v/big"); // absent is fine
    expect(await st.list("/v/")).toEqual([odd]);
    await st.set("/vv", enc("kept")); // "/v/" is a directory: "/vv" is not under it
    await new StoreOps(st).deletePrefix("/v/");
    expect(await st.list("/")).toEqual(["/vv", "/zarr.json"]);
    expect(() => st.objectKey("rel")).toThrow(/absolute path/);
    expect(() => st.objectKey("/a/../b")).toThrow(/"\.\."/);
  });

  it("resolves s3://bucket/prefix and reopens from plain options (static keys travel, env credentials do not)", async () => {
    const env = { AWS_ENDPOINT_URL_S3: s3.endpoint, AWS_ACCESS_KEY_ID: "S3RVER", AWS_SECRET_ACCESS_KEY: "S3RVER" };
    const saved = { ...process.env };
    Object.assign(process.env, env);
    try {
      const st = resolveStore("s3://bkt/r/x.zarr") as S3Store;
      expect(st).toBeInstanceOf(S3Store);
      expect([st.bucket, st.prefix, st.endpoint]).toEqual(["bkt", "r/x.zarr", s3.endpoint]);
      const o = storeOptions("s3://bkt/r/x.zarr");
      expect(o.scheme).toBe("s3");
      expect(o.credentials).toBeUndefined(); // re-read from the environment where reopened
      const re = openStoreFromOptions(structuredClone(o)) as S3Store;
      await re.set("/k", enc("v"));
      expect(dec(await st.get("/k"))).toBe("v");
      const given = storeOptions(store(s3.endpoint, "p"));
      expect(given.credentials).toEqual(S3RVER_CREDENTIALS);
      expect(() => storeOptions(new S3Store({ bucket: "bkt", endpoint: s3.endpoint, credentials: async () => S3RVER_CREDENTIALS }))).toThrow(/credentials function/);
    } finally {
      for (const k of Object.keys(env)) if (!(k in saved)) delete process.env[k];
    }
  });

  it("a server ignoring If-None-Match: init mode w- fails clearly, mode w works", async () => {
    const st = store(s3.endpoint, "nocond.zarr");
    expect(await st.conditionalWrites()).toBe(false);
    expect(await st.list("/")).toEqual([]); // the probe removed its key
    const ds = d1Dataset({ time: 8 });
    await expect(initializeStore(ds, st)).rejects.toThrow(/ignores If-None-Match: \*.*mode "w"/);
    await initializeStore(ds, st, { mode: "w" });
    const keys = await st.list("/");
    expect(keys).toContain("/.xpartition/complete.json");
    await st.set("/stray", enc("x"));
    await initializeStore(ds, st, { mode: "w" }); // replaces everything
    expect(await st.list("/")).toEqual(keys);
  });

  it("sharded variables (shards assembled in the staged buffers, ranks of 2 blocks) equal a filesystem store's bytes", async () => {
    const ds = d1Dataset({ time: 32 });
    const encoding = { temp: { shards: [16, 2, 256, 256] }, wind: { shards: [16, 2, 256, 256] } };
    const dir = mkdtempSync(join(tmpdir(), "xp-s3-shards-"));
    try {
      const st = store(s3.endpoint, "sharded.zarr");
      for (const target of [st, join(dir, "d1.zarr")]) {
        await initializeStore(ds, target, { zarrFormat: 3, encoding, mode: "w" });
        for (const rank of [0, 1]) await writePartition(ds, target, { ranks: 2, dims: ["time"], rank, encoding, memoryBudget: 16 * 2 ** 20 });
      }
      const got = onDisk("sharded.zarr");
      const keys = [...got.keys()].filter((k) => /^(temp|wind)\//.test(k)).sort();
      expect(keys.filter((k) => k.includes("/c/")).length).toBe(2 * 2 * 3); // 2 shards along time x 3 along tile, 2 variables
      for (const k of keys) expect(Buffer.compare(got.get(k)!, readFileSync(join(dir, "d1.zarr", k))), k).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it("a missing bucket and a refused request name the key, the status and the server's message", async () => {
    const st = new S3Store({ bucket: "nobucket", endpoint: s3.endpoint, credentials: S3RVER_CREDENTIALS, env: {} });
    await expect(st.set("/zarr.json", enc("x"))).rejects.toThrow(/s3:\/\/nobucket\/zarr\.json: PUT refused with 404 NoSuchBucket: .*bucket does not exist/);
    const bad = new S3Store({ bucket: "bkt", endpoint: s3.endpoint, credentials: { accessKeyId: "NOPE", secretAccessKey: "x" }, env: {} });
    await expect(bad.get("/k")).rejects.toThrow(/s3:\/\/bkt\/k: GET refused with 403 InvalidAccessKeyId.*credentials: the credentials given/);
  });
});

describe("S3Store through the fault-injecting proxy", () => {
  let proxy: S3Proxy;
  beforeAll(async () => {
    proxy = await startS3Proxy(s3.endpoint, { seed: 7, delayMs: 1500 });
  });
  afterAll(() => proxy?.close());

  it("conditional puts: If-None-Match honoured, suffix ranges right, a corrupted body refused by Content-MD5", async () => {
    const st = store(proxy.endpoint, "cond");
    expect(await st.conditionalWrites()).toBe(true);
    expect(await st.setIfAbsent("/claim", enc("mine"))).toBe(true);
    expect(await st.setIfAbsent("/claim", enc("theirs"))).toBe(false);
    expect(dec(await st.get("/claim"))).toBe("mine");
    const wins = await Promise.all(Array.from({ length: 6 }, (_, i) => store(proxy.endpoint, "cond").setIfAbsent("/race", enc(`r${i}`))));
    expect(wins.filter(Boolean).length).toBe(1);
    await st.set("/s", enc("abcdefghij"));
    expect(dec(await st.getRange("/s", { suffixLength: 3 }))).toBe("hij");
    proxy.options.faultRate = 1;
    proxy.options.faults = ["corrupt"];
    const once = store(proxy.endpoint, "cond", { retries: 1, backoffMs: 1 });
    await expect(once.set("/c", enc("payload"))).rejects.toThrow(/s3:\/\/bkt\/cond\/c: PUT failed after 2 attempts; last: 400 BadDigest/);
    proxy.options.faultRate = 0;
    expect(await st.get("/c")).toBeUndefined();
  });

  it("a retried conditional PUT whose first attempt landed (reset after forwarding) counts as created", async () => {
    const st = store(proxy.endpoint, "landed", { retries: 1, backoffMs: 1 });
    expect(await st.conditionalWrites()).toBe(true);
    // The first attempt lands, then the connection resets; the retry gets 412 and reads back our bytes.
    proxy.options.next = ["reset-after"];
    expect(await st.setIfAbsent("/claim", enc("ours"))).toBe(true);
    expect(proxy.options.next).toEqual([]);
    // Someone else's bytes: a retry finding them is not ours.
    const other = store(proxy.endpoint, "landed", { retries: 1, backoffMs: 1 });
    expect(await other.conditionalWrites()).toBe(true);
    proxy.options.next = ["reset-before"];
    expect(await other.setIfAbsent("/claim", enc("other"))).toBe(false);
    expect(dec(await other.get("/claim"))).toBe("ours");
  });

  it("two concurrent inits through the proxy: exactly one wins", async () => {
    const ds = d1Dataset({ time: 8 });
    const results = await Promise.allSettled([0, 1].map(() => initializeStore(ds, store(proxy.endpoint, "twoinit.zarr"))));
    expect(results.filter((r) => r.status === "fulfilled").length).toBe(1);
    const lost = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(String(lost.reason.message)).toMatch(/another initialisation|being initialised/);
  });

  it("10% faults: 8 ranks write D1 and every object equals a fault-free run's byte for byte; a permanent fault fails one rank", async () => {
    // 16 time steps: enough requests (24 chunk PUTs, records, reads) for several faults at 10%.
    const ds = d1Dataset({ time: 16 });
    const opts = { ranks: 8, dims: ["tile"] as string[] };
    const run = async (prefix: string, faulty: boolean, ranks: number[]) => {
      const mk = () => store(proxy.endpoint, prefix, { timeoutMs: 1000, backoffMs: 5, retries: 8 });
      return Promise.allSettled(ranks.map((rank) => writePartition(ds, mk(), { ...opts, rank })));
    };
    proxy.options.faultRate = 0;
    await initializeStore(ds, store(proxy.endpoint, "clean.zarr"), { plan: opts });
    expect((await run("clean.zarr", false, [0, 1, 2, 3, 4, 5, 6, 7])).every((r) => r.status === "fulfilled")).toBe(true);

    await initializeStore(ds, store(proxy.endpoint, "faulty.zarr"), { plan: opts });
    proxy.options.faults = undefined;
    proxy.options.faultRate = 0.1;
    const before = { ...proxy.stats.faults };
    const res = await run("faulty.zarr", true, [0, 1, 2, 3, 4, 5, 6, 7]);
    proxy.options.faultRate = 0;
    expect(res.filter((r) => r.status === "rejected").map((r) => (r as PromiseRejectedResult).reason)).toEqual([]);
    const injected = Object.entries(proxy.stats.faults).reduce((n, [k, v]) => n + v - (before[k] ?? 0), 0);
    expect(injected).toBeGreaterThan(5);
    const clean = onDisk("clean.zarr"), faulty = onDisk("faulty.zarr");
    const data = (m: Map<string, Buffer>) => [...m.keys()].filter((k) => !k.startsWith(".xpartition")).sort();
    expect(data(faulty)).toEqual(data(clean));
    for (const k of data(clean)) expect(faulty.get(k)!.equals(clean.get(k)!), k).toBe(true);

    // A permanent 403 on one chunk: that rank fails naming key, status and message; status lists it missing.
    await initializeStore(ds, store(proxy.endpoint, "perm.zarr"), { plan: opts });
    const victim = [...clean.keys()].find((k) => k.startsWith("temp/c/"))!;
    proxy.options.permanent = (key, method) => method === "PUT" && key === `perm.zarr/${victim}`;
    const perm = await run("perm.zarr", false, [0, 1, 2, 3, 4, 5, 6, 7]);
    proxy.options.permanent = undefined;
    const failed = perm.flatMap((r, rank) => (r.status === "rejected" ? [[rank, String((r as PromiseRejectedResult).reason.message)] as const] : []));
    expect(failed.length).toBe(1);
    expect(failed[0]![1]).toContain(`s3://bkt/perm.zarr/${victim}: PUT refused with 403 AccessDenied`);
    const st = await storeStatus(store(proxy.endpoint, "perm.zarr"));
    expect(st.missing).toEqual([failed[0]![0]]);
    await run("perm.zarr", false, [failed[0]![0]]);
    expect((await storeStatus(store(proxy.endpoint, "perm.zarr"))).missing).toEqual([]);
    const permed = onDisk("perm.zarr");
    expect(data(permed)).toEqual(data(clean));
    for (const k of data(clean)) expect(permed.get(k)!.equals(clean.get(k)!), k).toBe(true);
  }, 40_000);

  it("writeAll: a thread starts its next rank while the last writes of the one before are in flight; the store equals ranks written one by one", async () => {
    // The package's own classes (writeAll's threads reopen its S3Store from its options; the fixture is its module).
    const pkg = await import("xpartition");
    const fixture = new URL("../fixtures/small-dataset.mjs", import.meta.url);
    const opts = { ranks: 3, dims: ["time"] as string[] };
    const mk = (endpoint: string, prefix: string) => new pkg.S3Store({ bucket: "bkt", prefix, endpoint, credentials: S3RVER_CREDENTIALS, env: {} });
    // 25 ms per request: a rank's last chunk writes take a while after its compute.
    proxy.options.latencyMs = 25;
    try {
      const r = await pkg.writeAll({ dataset: fixture, store: mk(proxy.endpoint, "overlap.zarr"), ...opts, workers: 1, init: "w" });
      expect(r.written.sort()).toEqual([0, 1, 2]);
    } finally {
      proxy.options.latencyMs = undefined;
    }
    const ds = (await import(fixture.href)).default();
    await pkg.initializeStore(ds, mk(s3.endpoint, "one-by-one.zarr"), { plan: opts, mode: "w" });
    for (let rank = 0; rank < 3; rank++) await pkg.writePartition(ds, mk(s3.endpoint, "one-by-one.zarr"), { ...opts, rank });
    const a = onDisk("overlap.zarr"), b = onDisk("one-by-one.zarr");
    const records = [0, 1, 2].map((rank) => JSON.parse(dec(a.get(`.xpartition/ranks/${rank}.json`))!));
    // One thread: rank 1 started once rank 0 had computed everything, before rank 0's record was written (the
    // record's finishedAt precedes its own fence and PUT); rank 2 only once rank 0 was done (two at most).
    const spans = records.map((x) => [Date.parse(x.timings.startedAt), Date.parse(x.timings.finishedAt)] as const).sort((p, q) => p[0] - q[0]);
    const shown = JSON.stringify(spans.map(([s0, e]) => [s0 - spans[0]![0], e - spans[0]![0]]));
    expect(spans[1]![0], shown).toBeLessThan(spans[0]![1]);
    expect(spans[2]![0], shown).toBeGreaterThanOrEqual(spans[0]![1]);
    const data = (m: Map<string, Buffer>) => [...m.keys()].filter((k) => !k.startsWith(".xpartition/") || k.endsWith(".chunks")).sort();
    expect(data(a)).toEqual(data(b));
    for (const k of data(b)) expect(a.get(k)!.equals(b.get(k)!), k).toBe(true);
    expect(records.map((x) => x.digest)).toEqual([0, 1, 2].map((rank) => JSON.parse(dec(b.get(`.xpartition/ranks/${rank}.json`))!).digest));
  }, 40_000);

  it("lists and aborts multipart uploads under the prefix", async () => {
    const st = store(proxy.endpoint, "mp.zarr", { multipartThreshold: 10, partSize: 8 });
    proxy.options.permanent = (_k, method, q) => method === "POST" && q.includes("uploadId="); // Complete fails: the upload is aborted
    await expect(st.set("/big", enc("x".repeat(30)))).rejects.toThrow(/403 AccessDenied/);
    proxy.options.permanent = undefined;
    expect(await st.listUploads()).toEqual([]);
    const ops = new StoreOps(st);
    expect(await ops.get("/big")).toBeUndefined();
    // A part damaged in transit is refused by its Content-MD5 and sent again; the object is whole.
    const bad = proxy.stats.badDigest;
    const value = Uint8Array.from({ length: 30 }, (_, i) => i);
    proxy.options.next = [null, "corrupt"]; // the CreateMultipartUpload passes, the first part is damaged
    await st.set("/big", value);
    expect(proxy.stats.badDigest).toBe(bad + 1);
    expect(await st.get("/big")).toEqual(value);
    expect(await st.listUploads()).toEqual([]);
  });
});
