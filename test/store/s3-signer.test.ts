// newSigner (src/store/s3/signer.ts): aws4fetch's signer with our small Headers must sign exactly as with
// fetch's own Headers (botocore's equality is the system test's), and signing must not load undici.
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { AwsV4Signer } from "aws4fetch";
import { describe, expect, it } from "vitest";
import { newSigner, SignerHeaders } from "../../src/store/s3/signer.js";

const creds = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" };
const cases: { method: string; url: string; headers?: Record<string, string>; sessionToken?: string; region?: string }[] = [
  { method: "GET", url: "http://127.0.0.1:9000/bkt/a%20b/out.zarr/.zattrs" },
  { method: "GET", url: "http://127.0.0.1:9000/bkt/temp/c/0%201/sp%20ace%25%2Bplus/%C3%A9/.zattrs", headers: { Range: "bytes=-16" } },
  { method: "PUT", url: "https://bkt.s3.eu-west-3.amazonaws.com/zarr.json", headers: { "Content-MD5": " abc== ", "If-None-Match": "*", "Content-Type": "application/json" }, sessionToken: "FwoGZXIvYXdzE+/session=token", region: "eu-west-3" },
  { method: "GET", url: "http://localhost:9000/bkt?list-type=2&prefix=a%20b%2F%C3%A9%2B%25%2F&continuation-token=1%2F%2Bx%3D&max-keys=100" },
  { method: "DELETE", url: "http://localhost:9000/bkt/big?uploadId=2~x.y_z-*'()!", headers: { "x-amz-meta-Mixed-Case": "a  b\tc" } },
];

describe("newSigner", () => {
  it("signs every case exactly as aws4fetch with fetch's Headers (headers, URL, Authorization)", async () => {
    for (const c of cases) {
      const o = { ...creds, ...c, service: "s3", region: c.region ?? "us-east-1", datetime: "20240229T123456Z" };
      const ours = await newSigner(o).sign();
      const theirs = await new AwsV4Signer(o).sign();
      expect([...(ours.headers as unknown as Iterable<[string, string]>)]).toEqual([...theirs.headers]);
      expect(ours.url.href).toBe(theirs.url.href);
      expect(ours.headers.get("authorization")).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20240229\//);
    }
    // The global is fetch's own again afterwards.
    expect(new Headers({ A: "b" })).toBeInstanceOf(Headers);
    expect(globalThis.Headers).not.toBe(SignerHeaders);
  });

  it("SignerHeaders refuses what fetch's Headers refuses, and combines appended values the same way", () => {
    for (const [k, v] of [["bad name", "x"], ["ok", "a\r\nb"], ["", "x"]] as const) {
      expect(() => new Headers({ [k]: v })).toThrow(TypeError);
      expect(() => new SignerHeaders({ [k]: v })).toThrow(TypeError);
    }
    const a = new SignerHeaders([["X-A", "1"], ["x-a", " 2 "], ["B", "3"]]);
    const b = new Headers([["X-A", "1"], ["x-a", " 2 "], ["B", "3"]]);
    expect([...a]).toEqual([...b]);
  });

  it("does not load undici (a fresh process: fetch's Headers would)", () => {
    const src = fileURLToPath(new URL("../../dist/store/s3/signer.js", import.meta.url));
    const script = (use: string) => `
      const { newSigner } = await import(${JSON.stringify(src)});
      const { AwsV4Signer } = await import("aws4fetch");
      const o = { method: "PUT", url: "http://127.0.0.1:1/b/k", headers: { "content-md5": "x" }, accessKeyId: "a", secretAccessKey: "b", service: "s3", region: "us-east-1" };
      await (${use}).sign();
      console.log(process.moduleLoadList.some((m) => m.includes("undici")));`;
    const run = (use: string) => execFileSync(process.execPath, ["--input-type=module", "-e", script(use)], { encoding: "utf8", cwd: fileURLToPath(new URL("../..", import.meta.url)) }).trim();
    expect(run("newSigner(o)")).toBe("false");
    expect(run("new AwsV4Signer(o)")).toBe("true");
  });
});
