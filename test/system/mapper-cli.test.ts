// A dataset module exporting a PartitionMapper, run through the CLI in 4 processes (xpartition init, then 4
// concurrent `xpartition write STORE --rank R`), gives a store byte-identical to the same mapper run rank by
// rank in this process: every chunk and metadata document, the schema and each rank's chunk manifest (the
// completion records differ only in timings and generation). Also writeAll with the module, and arguments that
// differ from the mapper's refused naming both.
import { beforeAll, describe, expect, it } from "vitest";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";

const repo = resolve(import.meta.dirname, "../..");
const cli = join(repo, "dist", "cli", "main.js");
const fixture = join(repo, "test", "fixtures", "mapper-dataset.mjs");
const tmp = () => mkdtempSync(join(tmpdir(), "xp-mapper-cli-"));

beforeAll(() => {
  if (!existsSync(join(repo, "dist", "mapper", "index.js"))) execFileSync(process.execPath, [join(repo, "scripts/build.mjs")], { cwd: repo, stdio: "inherit" });
});

function files(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const f of readdirSync(dir, { recursive: true }) as string[]) {
    const p = join(dir, f);
    if (statSync(p).isFile()) out.set(relative(dir, p), readFileSync(p));
  }
  return out;
}

/** What must be identical: everything but plan.json, init/complete markers and the records' timings/generation. */
function comparable(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, b] of files(dir)) {
    if (/^\.xpartition\/(plan|init|complete)\.json$/.test(k) || k.includes("takeover")) continue;
    if (/^\.xpartition\/ranks\/\d+\.json$/.test(k)) {
      const { timings: _t, generation: _g, ...rest } = JSON.parse(b.toString("utf8")) as Record<string, unknown>;
      out[k] = JSON.stringify(rest);
    } else out[k] = b.toString("base64");
  }
  return out;
}

const run = (args: string[], env: Record<string, string>) =>
  new Promise<{ code: number | null; out: string; err: string }>((res) => {
    const p = spawn(process.execPath, [cli, ...args], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "", err = "";
    p.stdout.on("data", (d) => (out += d));
    p.stderr.on("data", (d) => (err += d));
    p.on("close", (code) => res({ code, out, err }));
  });

describe("a PartitionMapper module through the CLI and writeAll", () => {
  it("4 CLI processes give a store byte-identical to the mapper run rank by rank in one process", async () => {
    const root = tmp();
    const a = join(root, "cli.zarr"), b = join(root, "inproc.zarr");
    const env = { XP_MAPPER_STORE: a };
    // The mapper brings its ranks and dims: --ranks/--dims may be left out.
    const init = await run(["init", fixture, a], env);
    expect(init.code, init.err).toBe(0);
    const writes = await Promise.all([0, 1, 2, 3].map((r) => run(["write", a, "--rank", String(r)], env)));
    for (const w of writes) expect(w.code, w.err).toBe(0);
    const status = spawnSync(process.execPath, [cli, "status", a], { encoding: "utf8" });
    expect(status.status, status.stdout + status.stderr).toBe(0);
    // verify decodes every chunk and checks it against the ranks' manifests.
    const verify = spawnSync(process.execPath, [cli, "verify", a], { encoding: "utf8" });
    expect(verify.status, verify.stdout + verify.stderr).toBe(0);
    expect(verify.stdout).toMatch(/ranks: 4 of 4 complete/);

    const { build } = (await import(fixture)) as { build: (s: string) => AsyncIterable<number> & { write(r: number): Promise<unknown> } };
    const mapper = build(b);
    for await (const rank of mapper) await mapper.write(rank);

    const ca = comparable(a), cb = comparable(b);
    expect(Object.keys(ca).sort()).toEqual(Object.keys(cb).sort());
    expect(Object.keys(ca).filter((k) => k.startsWith("height/") || k.startsWith("double/")).length).toBeGreaterThan(8);
    for (const k of Object.keys(ca)) expect(ca[k], k).toBe(cb[k]);

    // xpartition run with the module alone (the mapper's ranks and dims) on 2 worker threads: the same store.
    const c = join(root, "run.zarr");
    const pooled = await run(["run", fixture, c, "--workers", "2"], { XP_MAPPER_STORE: c });
    expect(pooled.code, pooled.err).toBe(0);
    const cc = comparable(c);
    for (const k of Object.keys(cb)) if (!k.startsWith(".xpartition/ranks/")) expect(cc[k], k).toBe(cb[k]);
  });

  it("writeAll uses the mapper; a store, ranks or dims other than the mapper's is an error naming both", async () => {
    const root = tmp();
    const store = join(root, "pool.zarr");
    process.env.XP_MAPPER_STORE = store;
    try {
      const { writeAll } = await import("../../dist/run/pool.js");
      // store, ranks and dims left out: the mapper's.
      const res = await writeAll({ dataset: fixture, workers: 2 });
      expect([res.ranks, res.dims]).toEqual([4, ["x"]]);
      expect(res.written.sort()).toEqual([0, 1, 2, 3]);
      const ref = join(root, "ref.zarr");
      const { build } = (await import(fixture)) as { build: (s: string) => AsyncIterable<number> & { write(r: number): Promise<unknown> } };
      const mapper = build(ref);
      for await (const rank of mapper) await mapper.write(rank);
      const ca = comparable(store), cb = comparable(ref);
      for (const k of Object.keys(cb)) if (!k.startsWith(".xpartition/ranks/")) expect(ca[k], k).toBe(cb[k]);

      await expect(writeAll({ dataset: fixture, store: join(root, "other.zarr"), ranks: 4, dims: ["x"], workers: 1 }))
        .rejects.toThrow(new RegExp(`PartitionMapper writes to ${store.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}, but the store given is .*other\\.zarr`));
      await expect(writeAll({ dataset: fixture, dims: ["y"], workers: 1 })).rejects.toThrow(/PartitionMapper has 4 ranks over x, but dims y was given/);
    } finally {
      delete process.env.XP_MAPPER_STORE;
    }
    const bad = await run(["init", fixture, join(root, "x.zarr"), "--ranks", "3", "--dims", "x"], { XP_MAPPER_STORE: join(root, "x.zarr") });
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/PartitionMapper has 4 ranks over x, but ranks 3 was given/);
  });
});
