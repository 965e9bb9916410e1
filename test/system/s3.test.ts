// S3 stores against independent implementations: SigV4 signatures equal to Debian's botocore (S3SigV4Auth,
// fixed clock; and for requests as they arrive at a server); a store written by writeAll (2 worker threads reopening s3://) listed and fetched by boto3 and
// compared byte for byte with a filesystem store of the same dataset; zarrita reading it over plain HTTP;
// the Kubernetes Indexed Job workflow with the CLI (init, 8 processes with JOB_COMPLETION_INDEX, status,
// verify, clean); a 2 500-key listing in pages of 100. Server: s3rver under --openssl-legacy-provider.
// Needs: python3-boto3, python3-botocore; dist/ built (node scripts/build.mjs).
import { execFileSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as zarr from "zarrita";
import { S3Store } from "../../src/store/s3/index.js";
import { openZarr } from "../../src/sources/index.js";
import { d1Generate } from "../../src/demo/dataset.js";
import { startS3rver, type LocalS3 } from "../helpers/s3.js";
import { startS3Proxy, type S3Proxy } from "../helpers/s3-proxy.js";

const root = resolve(import.meta.dirname, "../..");
const bin = join(root, "dist", "cli", "main.js");
const PY = "/usr/bin/python3";
let s3: LocalS3, proxy: S3Proxy, dir: string;
const creds = { AWS_ACCESS_KEY_ID: "S3RVER", AWS_SECRET_ACCESS_KEY: "S3RVER", AWS_EC2_METADATA_DISABLED: "true" };

beforeAll(async () => {
  s3 = await startS3rver(["bkt"]);
  proxy = await startS3Proxy(s3.endpoint);
  dir = mkdtempSync(join(tmpdir(), "xp-s3-system-"));
  writeFileSync(join(dir, "d1.mjs"), `import { d1Dataset } from ${JSON.stringify(join(root, "dist/demo/index.js"))};\nexport default () => d1Dataset({ time: 8 });\n`);
}, 60_000);
afterAll(async () => {
  await proxy?.close();
  await s3?.stop();
});

/** Every file under `d`: relative path -> bytes. */
function files(d: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (p: string) => {
    for (const n of readdirSync(p)) {
      const f = join(p, n);
      if (statSync(f).isDirectory()) walk(f);
      else out.set(relative(d, f), readFileSync(f));
    }
  };
  walk(d);
  return out;
}

const SIGN = String.raw`
import sys, json, datetime
from unittest import mock
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.config import Config
out = []
for c in json.load(sys.stdin):
    req = AWSRequest(method=c["method"], url=c["url"], headers=c["headers"], data=bytes.fromhex(c["body"]))
    req.context["client_config"] = Config(s3={"payload_signing_enabled": False})
    with mock.patch("botocore.auth.datetime") as dt:
        dt.datetime.utcnow.return_value = datetime.datetime.strptime(c["datetime"], "%Y%m%dT%H%M%SZ")
        S3SigV4Auth(Credentials(c["id"], c["secret"], c.get("token")), "s3", c["region"]).add_auth(req)
    out.append(req.headers["Authorization"])
print(json.dumps(out))
`;

describe("S3 stores and independent implementations", () => {
  it("SigV4 signatures equal botocore's S3SigV4Auth (fixed clock; odd keys, Range, query strings, session tokens)", async () => {
    const id = "AKIDEXAMPLE", secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    const path = new S3Store({ bucket: "bkt", prefix: "a b/out.zarr", endpoint: "http://127.0.0.1:9000", region: "us-east-1", credentials: { accessKeyId: id, secretAccessKey: secret }, env: {} });
    const token = new S3Store({ bucket: "my-bucket", prefix: "", region: "eu-west-3", credentials: { accessKeyId: id, secretAccessKey: secret, sessionToken: "FwoGZXIvYXdzE+/session=token" }, env: {} });
    const body = new TextEncoder().encode('{"zarr_format": 3}');
    const cases: [S3Store, Parameters<S3Store["signedRequest"]>][] = [
      [path, ["GET", "/.zattrs"]],
      [path, ["GET", "/temp/c/0 1/sp ace%+plus/é/.zattrs"]],
      [path, ["GET", "/temp/c/0/0", { headers: { range: "bytes=0-1023" } }]],
      [path, ["GET", "/temp/c/0/0", { headers: { range: "bytes=-16" } }]],
      [path, ["PUT", "/zarr.json", { body, headers: { "content-md5": "abc==", "if-none-match": "*" } }]],
      [path, ["GET", "/x", { query: { "list-type": "2", prefix: "a b/é+%/", "continuation-token": "1/+x=", "max-keys": "100" } }]],
      [path, ["DELETE", "/big", { query: { uploadId: "2~x.y_z-*'()!" } }]],
      [token, ["GET", "/.zattrs"]],
      [token, ["PUT", "/temp/c/0/1", { body, headers: { "content-md5": "xyz==" } }]],
      [token, ["HEAD", "/a+b/é é"]],
    ];
    const datetime = "20240229T123456Z";
    const ours: string[] = [];
    const input = [];
    for (const [st, [method, key, o]] of cases) {
      const r = await st.signedRequest(method, key, { ...o, datetime });
      const auth = r.headers.get("authorization")!;
      ours.push(auth);
      const signed = /SignedHeaders=([^,]+)/.exec(auth)![1]!.split(";");
      const skip = new Set(["host", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256"]);
      const headers = Object.fromEntries([...r.headers].filter(([k]) => signed.includes(k) && !skip.has(k)));
      const c = (st.requester.credentials as unknown as { provider: () => Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken?: string }> });
      const k = await c.provider();
      input.push({ method, url: r.url, headers, body: Buffer.from(o?.body ?? new Uint8Array()).toString("hex"), datetime, id: k.accessKeyId, secret: k.secretAccessKey, token: k.sessionToken, region: st.region });
    }
    expect(ours[7]).toMatch(/x-amz-security-token/);
    const theirs = JSON.parse(execFileSync(PY, ["-c", SIGN], { input: JSON.stringify(input), encoding: "utf8" }));
    expect(theirs).toEqual(ours);
  });

  it("the requests as they arrive (node:http, session token): UNSIGNED-PAYLOAD, Content-MD5, and botocore's signature for them", async () => {
    const seen: { method: string; url: string; headers: Record<string, string | string[] | undefined>; body: Buffer }[] = [];
    const server = createServer((req, res) => {
      const parts: Buffer[] = [];
      req.on("data", (d: Buffer) => parts.push(d));
      req.on("end", () => {
        seen.push({ method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(parts) });
        res.writeHead(req.method === "GET" ? 404 : 200, { "content-length": "0" });
        res.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const k = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", sessionToken: "FwoGZXIvYXdzE+/session=token" };
    try {
      const st = new S3Store({ bucket: "bkt", prefix: "w é.zarr", endpoint, region: "eu-west-3", credentials: k, env: {} });
      expect(st.requester.transport.name).toBe("node:http");
      await st.set("/temp/c/0/1", new Uint8Array(100_000).map((_, i) => i & 255));
      await st.get("/a+b/.zattrs");
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
    const input = seen.map((s) => {
      const auth = String(s.headers.authorization);
      const signed = /SignedHeaders=([^,]+)/.exec(auth)![1]!.split(";");
      const skip = new Set(["host", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256"]);
      const headers = Object.fromEntries(Object.entries(s.headers).filter(([h]) => signed.includes(h) && !skip.has(h)));
      expect(s.headers["x-amz-content-sha256"]).toBe("UNSIGNED-PAYLOAD");
      expect(s.headers["x-amz-security-token"]).toBe(k.sessionToken);
      if (s.method === "PUT") expect(s.headers["content-md5"]).toBe(createHash("md5").update(s.body).digest("base64"));
      return { method: s.method, url: endpoint + s.url, headers, body: s.body.toString("hex"), datetime: s.headers["x-amz-date"], id: k.accessKeyId, secret: k.secretAccessKey, token: k.sessionToken, region: "eu-west-3" };
    });
    expect(input.map((c) => c.method)).toEqual(["PUT", "GET"]);
    const theirs = JSON.parse(execFileSync(PY, ["-c", SIGN], { input: JSON.stringify(input), encoding: "utf8" }));
    expect(theirs).toEqual(seen.map((s) => s.headers.authorization));
  });

  it("writeAll into an S3Store (worker threads rebuild it, static keys included): boto3 lists and fetches every key, equal to a filesystem store's", async () => {
    // dist's writeAll and S3Store: the dataset module builds D1 with dist's classes (its worker threads import dist too).
    const { writeAll } = (await import(join(root, "dist/index.js"))) as typeof import("../../src/index.js");
    const dist = (await import(join(root, "dist/store/s3/index.js"))) as typeof import("../../src/store/s3/index.js");
    const store = new dist.S3Store({ bucket: "bkt", prefix: "d1.zarr", endpoint: s3.endpoint, credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" }, env: {} });
    const common = { dataset: join(dir, "d1.mjs"), ranks: 4, dims: ["tile"], workers: 2, init: "w" as const };
    const res = await writeAll({ ...common, store });
    expect(res.written).toEqual([0, 1, 2, 3]);
    await writeAll({ ...common, store: join(dir, "d1-fs.zarr") });
    const py = String.raw`
import sys, json, boto3
from botocore.config import Config
c = boto3.client("s3", endpoint_url=sys.argv[1], aws_access_key_id="S3RVER", aws_secret_access_key="S3RVER", region_name="us-east-1", config=Config(s3={"addressing_style": "path"}))
out = {}
for page in c.get_paginator("list_objects_v2").paginate(Bucket="bkt", Prefix="d1.zarr/", PaginationConfig={"PageSize": 7}):
    for o in page.get("Contents", []):
        out[o["Key"][len("d1.zarr/"):]] = c.get_object(Bucket="bkt", Key=o["Key"])["Body"].read().hex()
print(json.dumps(out))
`;
    const got = new Map(Object.entries(JSON.parse(execFileSync(PY, ["-c", py, s3.endpoint], { encoding: "utf8", maxBuffer: 1 << 28 })) as Record<string, string>));
    const fs = files(join(dir, "d1-fs.zarr"));
    const data = (keys: Iterable<string>) => [...keys].filter((k) => !k.startsWith(".xpartition/")).sort();
    expect(data(got.keys())).toEqual(data(fs.keys()));
    expect(data(got.keys()).length).toBeGreaterThan(20);
    for (const k of data(fs.keys())) expect(got.get(k), k).toBe(fs.get(k)!.toString("hex"));
    // The same records (plan, ranks' manifests) exist, and no directory markers (keys ending "/").
    expect([...got.keys()].filter((k) => k.startsWith(".xpartition/ranks/")).length).toBe([...fs.keys()].filter((k) => k.startsWith(".xpartition/ranks/")).length);
    expect([...got.keys()].some((k) => k.endsWith("/"))).toBe(false);
  });

  it("zarrita reads the store over plain HTTP from the server; openZarr reads it through s3://", async () => {
    const store = new zarr.FetchStore(`${s3.endpoint}/bkt/d1.zarr`);
    const ref = d1Generate(8);
    for (const name of ["temp", "wind"] as const) {
      const arr = await zarr.open(zarr.root(store).resolve(name), { kind: "array" });
      const { data } = await zarr.get(arr);
      expect(Buffer.from((data as Float32Array).buffer).equals(Buffer.from(ref[name].buffer)), name).toBe(true);
    }
    const saved = { ...process.env };
    Object.assign(process.env, creds, { AWS_ENDPOINT_URL_S3: s3.endpoint });
    try {
      const ds = await openZarr("s3://bkt/d1.zarr");
      expect(Object.keys(ds.dataVars).sort()).toEqual(["temp", "wind"]);
      expect(ds.dataVars.temp!.shape).toEqual([8, 6, 256, 256]);
    } finally {
      for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    }
  });

  it("the Kubernetes Indexed Job workflow: init, 8 processes with JOB_COMPLETION_INDEX, status, verify; clean", async () => {
    const env = (endpoint: string, more: Record<string, string> = {}) => ({ PATH: process.env.PATH!, HOME: dir, ...creds, AWS_ENDPOINT_URL_S3: endpoint, ...more });
    // Asynchronous: the proxy runs in this process and must keep answering.
    const xp = (args: string[], e = env(s3.endpoint)) =>
      new Promise<{ status: number | null; stdout: string; stderr: string }>((res) => {
        const p = spawn(process.execPath, [bin, ...args], { cwd: dir, env: e });
        let stdout = "", stderr = "";
        p.stdout.on("data", (d) => (stdout += d));
        p.stderr.on("data", (d) => (stderr += d));
        p.on("exit", (status) => res({ status, stdout, stderr }));
      });
    const out = "s3://bkt/k8s.zarr";
    // s3rver ignores If-None-Match: an exclusive init is refused, naming why; mode w works.
    let r = await xp(["init", "d1.mjs", out, "--ranks", "8", "--dims", "time,tile"]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/ignores If-None-Match: \*.*mode "w"/);
    r = await xp(["init", "d1.mjs", out, "--ranks", "8", "--dims", "time,tile", "--mode", "w"]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    // Through the proxy (which honours If-None-Match) the default exclusive init works.
    r = await xp(["init", "d1.mjs", "s3://bkt/k8s-excl.zarr", "--ranks", "2", "--dims", "tile"], env(proxy.endpoint));
    expect([r.status, r.stderr]).toEqual([0, ""]);
    const codes = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        new Promise<[number | null, string]>((res) => {
          const args = i % 2 ? ["write", "d1.mjs", out] : ["write", out]; // half from the recorded source
          const p = spawn(process.execPath, [bin, ...args], { cwd: dir, env: env(s3.endpoint, { JOB_COMPLETION_INDEX: String(i) }) });
          let err = "";
          p.stderr.on("data", (d) => (err += d));
          p.on("exit", (code) => res([code, err]));
        }),
      ),
    );
    expect(codes).toEqual(Array.from({ length: 8 }, () => [0, ""]));
    r = await xp(["status", out]);
    expect([r.status, r.stdout]).toEqual([0, expect.stringMatching(/all ranks complete/)]);
    r = await xp(["verify", out]);
    expect([r.status, r.stderr]).toEqual([0, ""]);
    // clean: a multipart upload left under the prefix is aborted (through the proxy, which lists them);
    // s3rver itself cannot list them: exit 2 saying so.
    const st = new S3Store({ bucket: "bkt", prefix: "k8s.zarr", endpoint: proxy.endpoint, credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" }, env: {} });
    await st.requester.send({ method: "POST", url: `${proxy.endpoint}/bkt/k8s.zarr/temp/c/0/0/0/0?uploads=`, what: "orphan" });
    expect((await st.listUploads()).length).toBe(1);
    r = await xp(["clean", out, "--min-age", "0"], env(proxy.endpoint));
    expect([r.status, r.stdout]).toEqual([0, `${out}: aborted 1 multipart upload left by interrupted writes\n`]);
    expect(await st.listUploads()).toEqual([]);
    r = await xp(["clean", out]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/this server cannot list multipart uploads/);
  });

  it("lists 2 500 keys 100 per page (ListObjectsV2 continuation tokens; s3rver needs --openssl-legacy-provider)", async () => {
    const st = new S3Store({ bucket: "bkt", prefix: "many", endpoint: s3.endpoint, credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" }, env: {} });
    const keys = Array.from({ length: 2500 }, (_, i) => `/k/${String(i).padStart(5, "0")}`);
    await Promise.all(keys.map((k) => st.set(k, new TextEncoder().encode(k))));
    const before = st.requester.attempts;
    const got: string[] = [];
    for await (const k of st.listObjects("many/k/", 100)) got.push(`/${k.slice(5)}`);
    expect(got).toEqual(keys);
    expect(st.requester.attempts - before).toBe(25);
    expect((await st.list("/k/")).length).toBe(2500);
  });
});
