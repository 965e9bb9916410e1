// Fault injection for child processes that print one marker line per step ("op", "c", ...) and "done" at the
// end: SIGKILL the child `delayMs` after its `after`-th marker (never, for -1).
import { spawn } from "node:child_process";

export function killAfter(args: string[], marker: string, after: number, delayMs = 0): Promise<{ finished: boolean; steps: number; pid: number }> {
  return new Promise((res, rej) => {
    const p = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "", err = "", steps = 0, armed = after >= 0;
    p.stdout.on("data", (d: Buffer) => {
      out += d;
      steps = out.split("\n").filter((l) => l === marker).length;
      if (armed && steps >= after) {
        armed = false;
        setTimeout(() => p.kill("SIGKILL"), delayMs);
      }
    });
    p.stderr.on("data", (d) => (err += d));
    p.on("error", rej);
    p.on("close", (code, signal) => {
      const finished = out.includes("done");
      if (!finished && signal !== "SIGKILL") rej(new Error(`${args[0]} exited ${code}: ${err}`));
      else res({ finished, steps, pid: p.pid! });
    });
  });
}
