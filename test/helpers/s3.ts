// A local S3 server (s3rver) for tests: started in a child process under --openssl-legacy-provider on
// 127.0.0.1, stopped by `stop()`. Its one account's key id is S3RVER (it does not check SigV4 signatures).
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const S3RVER_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };

export interface LocalS3 {
  endpoint: string;
  port: number;
  directory: string;
  stop(): Promise<void>;
}

export async function startS3rver(buckets: string[] = ["bkt"]): Promise<LocalS3> {
  const directory = mkdtempSync(join(tmpdir(), "xp-s3rver-"));
  const script = fileURLToPath(new URL("./s3rver-child.mjs", import.meta.url));
  const child = spawn(process.execPath, ["--openssl-legacy-provider", script, directory, buckets.join(",")], { stdio: ["pipe", "pipe", "inherit"] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d) => {
      out += d;
      const m = /\{"port":(\d+)\}/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.on("exit", (code) => reject(new Error(`s3rver exited (${code}) before it listened`)));
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    directory,
    async stop() {
      const done = new Promise((r) => child.on("exit", r));
      child.kill("SIGTERM");
      await done;
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
