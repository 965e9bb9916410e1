// The CLI as users run it (dist/cli/main.js in a child process, PATH only), asynchronous so that a server the
// test hosts (HTTP sources, a proxy) keeps serving meanwhile.
import { execFile } from "node:child_process";
import { resolve } from "node:path";

export const cliBin = resolve(import.meta.dirname, "../../dist/cli/main.js");

export interface CliResult { code: number; out: string; err: string }

/** Runs `xpartition ARGS` in `cwd`; resolves with its exit status and output, never rejects. */
export function runCli(cwd: string, args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((done) => {
    execFile(process.execPath, [cliBin, ...args], { cwd, env: { PATH: process.env.PATH!, ...env } }, (e, out, err) => {
      done({ code: e ? ((e as { code?: number }).code ?? 1) : 0, out, err });
    });
  });
}
