// Where an S3Store's configuration and credentials come from, each source against a local fake on 127.0.0.1
// (container credentials, STS AssumeRoleWithWebIdentity, EC2 IMDSv2), profiles in ~/.aws files (keys,
// credential_process), addressing, and temporary credentials refreshed during a write (the proxy refuses an
// expired session token with 400 ExpiredToken, which the client does not retry).
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { S3Store } from "../../src/store/s3/index.js";
import { bucketUrl, s3Location } from "../../src/store/s3/config.js";
import { defaultProvider, hosts } from "../../src/store/s3/credentials.js";
import { initializeStore } from "../../src/write/initialize.js";
import { writePartition } from "../../src/write/write.js";
import { d1Dataset } from "../../src/demo/dataset.js";
import { startS3rver, type LocalS3 } from "../helpers/s3.js";
import { startS3Proxy, type S3Proxy } from "../helpers/s3-proxy.js";

/** A fake of the AWS credential endpoints; each answer a new session token valid `lifetimeMs`. */
class FakeAws {
  server!: Server;
  url = "";
  issued = new Map<string, number>(); // token -> expiry
  seen: string[] = [];
  lifetimeMs = 3_600_000;
  private n = 0;
  private issue() {
    const token = `tok-${++this.n}`;
    const exp = Date.now() + this.lifetimeMs;
    this.issued.set(token, exp);
    return { AccessKeyId: "S3RVER", SecretAccessKey: "S3RVER", Token: token, Expiration: new Date(exp).toISOString() };
  }
  async start() {
    this.server = createServer((req, res) => {
      let body = "";
      req.on("data", (d) => (body += d));
      req.on("end", () => {
        this.seen.push(`${req.method} ${req.url}`);
        const json = (o: unknown) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(o));
        if (req.url === "/ecs/creds") {
          if (req.headers.authorization !== "secret-auth") return res.writeHead(401).end("no");
          return json(this.issue());
        }
        if (req.method === "PUT" && req.url === "/latest/api/token") return res.writeHead(200).end("imds-token");
        if (req.url?.startsWith("/latest/meta-data/iam/security-credentials/")) {
          if (req.headers["x-aws-ec2-metadata-token"] !== "imds-token") return res.writeHead(401).end();
          if (req.url.endsWith("/")) return res.writeHead(200).end("my-role");
          return json({ Code: "Success", ...this.issue() });
        }
        if (req.method === "POST" && req.url === "/") {
          const q = new URLSearchParams(body);
          if (q.get("Action") !== "AssumeRoleWithWebIdentity" || q.get("WebIdentityToken") !== "jwt-from-eks") return res.writeHead(403).end("<Error><Message>bad token</Message></Error>");
          const c = this.issue();
          return res.writeHead(200, { "content-type": "text/xml" }).end(
            `<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleWithWebIdentityResult><Credentials>` +
              `<AccessKeyId>${c.AccessKeyId}</AccessKeyId><SecretAccessKey>${c.SecretAccessKey}</SecretAccessKey><SessionToken>${c.Token}</SessionToken>` +
              `<Expiration>${c.Expiration}</Expiration></Credentials></AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>`,
          );
        }
        res.writeHead(404).end();
      });
    });
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
}

let s3: LocalS3, proxy: S3Proxy, fake: FakeAws;
const tokens: string[] = [];
const dir = mkdtempSync(join(tmpdir(), "xp-aws-"));
const base = { HOME: dir, AWS_EC2_METADATA_DISABLED: "true" };

beforeAll(async () => {
  s3 = await startS3rver(["bkt"]);
  fake = new FakeAws();
  await fake.start();
  proxy = await startS3Proxy(s3.endpoint, {
    tokenExpired: (t) => !(Date.now() < (fake.issued.get(t) ?? 0)),
    onRequest: (_m, _u, h) => {
      if (typeof h["x-amz-security-token"] === "string") tokens.push(h["x-amz-security-token"]);
    },
  });
}, 30_000);
afterAll(async () => {
  await proxy?.close();
  fake?.server.close();
  await s3?.stop();
});

const roundTrip = async (env: Record<string, string>, key: string) => {
  tokens.length = 0;
  const st = new S3Store({ bucket: "bkt", prefix: "creds", env: { ...base, AWS_ENDPOINT_URL: proxy.endpoint, ...env } });
  await st.set(key, new TextEncoder().encode(key));
  expect(new TextDecoder().decode(await st.get(key))).toBe(key);
  return st;
};

describe("S3 credentials and configuration", () => {
  it("static keys from the environment; a profile from ~/.aws/credentials with region and endpoint from ~/.aws/config", async () => {
    fake.issued.set("static-token", Infinity);
    let st = await roundTrip({ AWS_ACCESS_KEY_ID: "S3RVER", AWS_SECRET_ACCESS_KEY: "S3RVER", AWS_SESSION_TOKEN: "static-token" }, "/env");
    expect(st.credentialSource).toMatch(/environment/);
    expect(tokens).toContain("static-token");
    writeFileSync(join(dir, "credentials"), "[default]\naws_access_key_id = NOPE\naws_secret_access_key = x\n\n[dev]\naws_access_key_id = S3RVER\naws_secret_access_key = S3RVER\n");
    writeFileSync(join(dir, "config"), `[profile dev]\nregion = eu-west-3\ns3 =\n  endpoint_url = ${proxy.endpoint}\n  addressing_style = path\n`);
    const env = { ...base, AWS_PROFILE: "dev", AWS_SHARED_CREDENTIALS_FILE: join(dir, "credentials"), AWS_CONFIG_FILE: join(dir, "config") };
    st = new S3Store({ bucket: "bkt", prefix: "creds", env });
    expect([st.credentialSource, st.region, st.endpoint]).toEqual(["profile dev", "eu-west-3", proxy.endpoint]);
    await st.set("/profile", new Uint8Array([1]));
    expect(await st.get("/profile")).toEqual(new Uint8Array([1]));
    expect(() => new S3Store({ bucket: "bkt", env: { ...env, AWS_PROFILE: "nosuch" } })).toThrow(/AWS_PROFILE nosuch: no such profile/);
  });

  it("credential_process in a profile", async () => {
    const script = join(dir, "cp.mjs");
    writeFileSync(script, `console.log(JSON.stringify({ Version: 1, AccessKeyId: "S3RVER", SecretAccessKey: "S3RVER", SessionToken: "proc-token", Expiration: new Date(Date.now() + 3600e3).toISOString() }))`);
    fake.issued.set("proc-token", Infinity);
    writeFileSync(join(dir, "config2"), `[profile proc]\ncredential_process = ${process.execPath} ${script}\n`);
    const st = await roundTrip({ AWS_PROFILE: "proc", AWS_CONFIG_FILE: join(dir, "config2"), AWS_SHARED_CREDENTIALS_FILE: join(dir, "none") }, "/proc");
    expect(st.credentialSource).toMatch(/credential_process/);
    expect(tokens).toContain("proc-token");
  });

  it("container credentials (full URI with an authorization token file, and relative URI)", async () => {
    writeFileSync(join(dir, "auth"), "secret-auth\n");
    const st = await roundTrip({ AWS_CONTAINER_CREDENTIALS_FULL_URI: `${fake.url}/ecs/creds`, AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: join(dir, "auth") }, "/ecs");
    expect(st.credentialSource).toBe("container credentials");
    expect(fake.issued.has(tokens[0]!)).toBe(true);
    const saved = hosts.container;
    hosts.container = fake.url;
    try {
      await roundTrip({ AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: "/ecs/creds", AWS_CONTAINER_AUTHORIZATION_TOKEN: "secret-auth" }, "/ecs-rel");
    } finally {
      hosts.container = saved;
    }
  });

  it("web identity through STS AssumeRoleWithWebIdentity", async () => {
    writeFileSync(join(dir, "jwt"), "jwt-from-eks\n");
    const st = await roundTrip(
      { AWS_WEB_IDENTITY_TOKEN_FILE: join(dir, "jwt"), AWS_ROLE_ARN: "arn:aws:iam::123456789012:role/xp", AWS_ENDPOINT_URL_STS: fake.url, AWS_ENDPOINT_URL_S3: proxy.endpoint },
      "/sts",
    );
    expect(st.credentialSource).toMatch(/web identity/);
    expect(fake.issued.has(tokens[0]!)).toBe(true);
    writeFileSync(join(dir, "jwt"), "forged\n");
    const bad = new S3Store({ bucket: "bkt", env: { ...base, AWS_ENDPOINT_URL: proxy.endpoint, AWS_WEB_IDENTITY_TOKEN_FILE: join(dir, "jwt"), AWS_ROLE_ARN: "arn:r", AWS_ENDPOINT_URL_STS: fake.url } });
    await expect(bad.get("/k")).rejects.toThrow(/s3:\/\/bkt\/k: GET: no credentials \(web identity.*AssumeRoleWithWebIdentity\) for arn:r: .* answered 403: bad token/);
  });

  it("EC2 IMDSv2 (token, role, credentials); no instance and nothing else: anonymous", async () => {
    const st = await roundTrip({ AWS_EC2_METADATA_DISABLED: "false", AWS_EC2_METADATA_SERVICE_ENDPOINT: fake.url }, "/imds");
    expect(st.credentialSource).toMatch(/EC2/);
    expect(fake.seen).toContain("PUT /latest/api/token");
    expect(fake.seen).toContain("GET /latest/meta-data/iam/security-credentials/my-role");
    expect(defaultProvider({ ...base }).provider).toBeUndefined();
    // Anonymous reads: unsigned requests (s3rver allows them).
    tokens.length = 0;
    const anon = new S3Store({ bucket: "bkt", prefix: "creds", endpoint: proxy.endpoint, credentials: "anonymous", env: base });
    expect(new TextDecoder().decode(await anon.get("/imds"))).toBe("/imds");
  });

  it("temporary credentials are refreshed before they expire, during a write", async () => {
    // Tokens live 400 ms (refreshed at half their life); 100 ms per request makes the write (12 chunk PUTs two
    // at a time, plus its reads, manifest and record) outlast several of them, whatever the machine's speed.
    const life = 400;
    fake.lifetimeMs = life;
    proxy.options.latencyMs = 100;
    try {
      const env = { ...base, AWS_ENDPOINT_URL: proxy.endpoint, AWS_CONTAINER_CREDENTIALS_FULL_URI: `${fake.url}/ecs/creds`, AWS_CONTAINER_AUTHORIZATION_TOKEN: "secret-auth" };
      const ds = d1Dataset({ time: 8 });
      const plan = { ranks: 1, dims: ["tile"] };
      await initializeStore(ds, new S3Store({ bucket: "bkt", prefix: "refresh.zarr", env }), { plan });
      tokens.length = 0;
      const st = new S3Store({ bucket: "bkt", prefix: "refresh.zarr", env, maxConcurrency: 2 });
      const t0 = Date.now();
      await writePartition(ds, st, { ...plan, rank: 0, storeConcurrency: 2 });
      expect(Date.now() - t0).toBeGreaterThan(2 * life); // longer than two tokens' lives
      expect(new Set(tokens).size).toBeGreaterThan(1);
      expect((st.requester.credentials as unknown as { refreshes: number }).refreshes).toBeGreaterThan(0);
    } finally {
      fake.lifetimeMs = 3_600_000;
      proxy.options.latencyMs = 0;
    }
  }, 20_000);

  it("addressing: path-style with an endpoint or an IP/localhost host, virtual-hosted on AWS; forcePathStyle decides", () => {
    const aws = s3Location({}, { region: "eu-west-1" });
    expect(bucketUrl("bkt", aws)).toBe("https://bkt.s3.eu-west-1.amazonaws.com");
    expect(bucketUrl("bkt", aws, true)).toBe("https://s3.eu-west-1.amazonaws.com/bkt");
    expect(bucketUrl("a.b", aws)).toBe("https://s3.eu-west-1.amazonaws.com/a.b");
    expect(bucketUrl("bkt", s3Location({ AWS_ENDPOINT_URL: "https://minio.example:9000/" }))).toBe("https://minio.example:9000/bkt");
    expect(bucketUrl("bkt", s3Location({ AWS_ENDPOINT_URL: "https://r2.example" }), false)).toBe("https://bkt.r2.example");
    expect(bucketUrl("bkt", s3Location({ AWS_ENDPOINT_URL: "http://localhost:9000" }), false)).toBe("http://localhost:9000/bkt");
    expect(bucketUrl("bkt", s3Location({ AWS_ENDPOINT_URL: "http://10.0.0.1:9000" }), false)).toBe("http://10.0.0.1:9000/bkt");
    // AWS_ENDPOINT_URL_S3 beats AWS_ENDPOINT_URL; AWS_REGION beats AWS_DEFAULT_REGION.
    expect(s3Location({ AWS_ENDPOINT_URL: "http://a", AWS_ENDPOINT_URL_S3: "http://b", AWS_REGION: "r1", AWS_DEFAULT_REGION: "r2", HOME: dir })).toMatchObject({ endpoint: "http://b", region: "r1" });
    expect(s3Location({ AWS_DEFAULT_REGION: "r2", HOME: dir }).region).toBe("r2");
  });
});
