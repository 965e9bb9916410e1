// SIGTERM (a batch system's time limit or preemption) and SIGINT stop `xpartition write` and `run` gracefully:
// no new chunk, chunk writes in flight finish, no completion record for an unfinished rank, a message naming
// the signal, exit 143 / 130; writing again (--resume for run) completes a store byte-identical to a clean write.
import { describe, expect, it, beforeAll } from "vitest";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";

const root = resolve(import.meta.dirname, "../..");
const bin = join(root, "dist", "cli", "main.js");
const ds = resolve(import.meta.dirname, "../fixtures/slow-dataset.mjs");
let dir = "";

function xp(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: dir, encoding: "utf8", env: { PATH: process.env.PATH!, ...env } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** Every file of a store but its /.xpartition records: path -> base64 bytes. */
function files(store: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      try {
        if (statSync(p).isDirectory()) walk(p);
        else out.set(relative(store, p), readFileSync(p).toString("base64"));
      } catch (e) {
        // Polled while a writer runs: its temporary file can be renamed away between readdir and stat.
        if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
      }
    }
  };
  walk(store);
  for (const k of [...out.keys()]) if (k.startsWith(".xpartition")) out.delete(k);
  return out;
}

const chunksOf = (store: string) => [...files(store).keys()].filter((k) => k.startsWith("a/c/"));

/** Starts the CLI; `stopWhen` is polled until true, then `signals` are sent; resolves with the exit and stderr. */
function interrupted(args: string[], env: Record<string, string>, stopWhen: (stderr: string) => boolean, signals: NodeJS.Signals[]) {
  const child: ChildProcess = spawn(process.execPath, [bin, ...args], { cwd: dir, env: { PATH: process.env.PATH!, ...env } });
  let err = "";
  child.stderr!.on("data", (d) => (err += d));
  const t0 = performance.now();
  let signalledAt = 0;
  const timer = setInterval(() => {
    if (signalledAt || !stopWhen(err)) return;
    signalledAt = performance.now();
    signals.forEach((s, i) => setTimeout(() => child.kill(s), i * 150));
  }, 10);
  return new Promise<{ code: number | null; err: string; afterSignal: number }>((done) =>
    child.on("exit", (code) => {
      clearInterval(timer);
      done({ code, err, afterSignal: signalledAt ? performance.now() - signalledAt : -1 });
    }),
  ).finally(() => expect(performance.now() - t0).toBeLessThan(20_000));
}

let reference: Map<string, string>;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "xpartition-signals-"));
  expect(xp(["init", ds, "ref", "--ranks", "2", "--dims", "time"]).code).toBe(0);
  for (const r of ["0", "1"]) expect(xp(["write", ds, "ref", "--rank", r]).code).toBe(0);
  reference = files(join(dir, "ref"));
  expect(chunksOf(join(dir, "ref"))).toHaveLength(16);
});

describe("signals", () => {
  it("write: SIGTERM after the first chunks: exit 143, no record, whole chunks; writing the rank again completes", async () => {
    const s = join(dir, "w1");
    expect(xp(["init", ds, "w1", "--ranks", "2", "--dims", "time"]).code).toBe(0);
    const r = await interrupted(["write", ds, "w1", "--rank", "1", "--memory-budget", "1"], { XP_SLOW_MS: "150" }, () => chunksOf(s).length > 0, ["SIGTERM"]);
    expect(r.code, r.err).toBe(143);
    expect(r.err).toMatch(/^xpartition write: SIGTERM: stopping rank 1 after the chunk writes in flight/m);
    expect(r.err).toMatch(/^xpartition write: SIGTERM: stopped; rank 1 incomplete \(no completion record\): resubmit it \(--rank 1\)$/m);
    expect(existsSync(join(s, ".xpartition", "ranks", "1.json"))).toBe(false);
    const written = files(s);
    const chunks = chunksOf(s);
    expect(chunks.length).toBeGreaterThanOrEqual(1);
    expect(chunks.length).toBeLessThan(8); // stopped before the rank's 8 chunks of a
    for (const k of chunks) expect(written.get(k), k).toBe(reference.get(k)); // each whole, as in a clean write
    expect([...written.keys()].filter((k) => k.endsWith(".xptmp"))).toEqual([]);
    expect(xp(["status", "w1", "--json"]).code).toBe(1);
    expect(xp(["write", ds, "w1", "--rank", "1"]).code).toBe(0);
    expect(xp(["write", ds, "w1", "--rank", "0"]).code).toBe(0);
    expect(xp(["status", "w1"]).code).toBe(0);
    expect(files(s)).toEqual(reference);
  });

  it("write: SIGINT exits 130 with no record; a second signal quits at once", async () => {
    const s = join(dir, "w2");
    expect(xp(["init", ds, "w2", "--ranks", "2", "--dims", "time"]).code).toBe(0);
    let r = await interrupted(["write", ds, "w2", "--rank", "0", "--memory-budget", "1"], { XP_SLOW_MS: "150" }, () => chunksOf(s).length > 0, ["SIGINT"]);
    expect(r.code, r.err).toBe(130);
    expect(r.err).toMatch(/^xpartition write: SIGINT: stopped; rank 0 incomplete/m);
    expect(existsSync(join(s, ".xpartition", "ranks", "0.json"))).toBe(false);
    // Each compute takes 10 s: the first signal waits for it, the second one does not.
    r = await interrupted(["write", ds, "w2", "--rank", "0"], { XP_SLOW_MS: "10000", XP_SAY_COMPUTE: "1" }, (err) => err.includes("computing a"), ["SIGTERM", "SIGTERM"]);
    expect(r.code, r.err).toBe(143);
    expect(r.err).toMatch(/^xpartition: SIGTERM again: quitting now$/m);
    expect(r.afterSignal).toBeLessThan(5000);
    expect(existsSync(join(s, ".xpartition", "ranks", "0.json"))).toBe(false);
  });

  it("run: SIGTERM stops the pool: exit 143 naming the incomplete ranks and --resume, which completes the store", async () => {
    const s = join(dir, "r1");
    const r = await interrupted(
      ["run", ds, "r1", "--ranks", "4", "--dims", "time", "--workers", "2", "--memory-budget", "1"], { XP_SLOW_MS: "150" },
      () => existsSync(s) && chunksOf(s).length > 0, ["SIGTERM"],
    );
    expect(r.code, r.err).toBe(143);
    expect(r.err).toMatch(/^xpartition run: SIGTERM: stopping: no new ranks or chunks/m);
    expect(r.err).toMatch(/^xpartition run: SIGTERM: stopped; ranks? [\d,-]+ incomplete \(no completion record\), resume with --resume$/m);
    expect(r.err).not.toMatch(/resume: true/);
    const st = JSON.parse(xp(["status", "r1", "--json"]).out);
    expect(st.missing.length).toBeGreaterThanOrEqual(2); // 2 workers, 4 ranks: at least the last two never started
    for (const [k, v] of files(s)) if (k.startsWith("a/c/")) expect(v, k).toBe(reference.get(k));
    const again = xp(["run", ds, "r1", "--ranks", "4", "--dims", "time", "--resume"]);
    expect(again.code, again.err).toBe(0);
    expect(files(s)).toEqual(reference);
  });
});
