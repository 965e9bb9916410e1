// Deno: writeAll on node:worker_threads with 1..3 workers writes complete stores identical to each other.
import { writeAll, storeStatus } from "xpartition";

const fixture = new URL("../fixtures/small-dataset.mjs", import.meta.url);

async function files(root: string, dir = root, out: Record<string, string> = {}): Promise<Record<string, string>> {
  for await (const e of Deno.readDir(dir)) {
    const p = `${dir}/${e.name}`;
    if (e.isDirectory) await files(root, p, out);
    else if (!p.includes("/.xpartition/")) out[p.slice(root.length)] = btoa(String.fromCharCode(...await Deno.readFile(p)));
  }
  return out;
}

Deno.test("writeAll under Deno with 1, 2 and 3 workers", async () => {
  const base = await Deno.makeTempDir({ prefix: "xpartition-deno-pool-" });
  let first: Record<string, string> | undefined;
  for (const workers of [1, 2, 3]) {
    const store = `${base}/w${workers}`;
    const res = await writeAll({ dataset: fixture, store, ranks: 5, dims: ["time", "x"], workers });
    if (res.written.join() !== "0,1,2,3,4" || res.workers !== workers) throw new Error(`written ${res.written} on ${res.workers}`);
    const st = await storeStatus(store);
    if (st.missing.length !== 0) throw new Error(`missing ranks ${st.missing}`);
    const f = await files(store);
    if (Object.keys(f).length < 10) throw new Error("too few keys");
    if (first && JSON.stringify(f) !== JSON.stringify(first)) throw new Error(`store with ${workers} workers differs`);
    first ??= f;
  }
  await Deno.remove(base, { recursive: true });
});

Deno.test("writePartition with concurrency 2 (encode threads) under Deno equals concurrency 1", async () => {
  const { initializeStore, writePartition } = await import("xpartition");
  const { d1Dataset } = await import("xpartition/demo");
  const ds = d1Dataset({ time: 8 });
  const a = new Map<string, Uint8Array>(), b = new Map<string, Uint8Array>();
  await initializeStore(ds, a);
  await initializeStore(ds, b);
  const ra = await writePartition(ds, a, { ranks: 1, dims: ["time"], rank: 0 });
  const rb = await writePartition(ds, b, { ranks: 1, dims: ["time"], rank: 0, concurrency: 2 });
  if (ra.digest !== rb.digest || ra.chunks !== rb.chunks) throw new Error("digests differ");
  for (const [k, v] of a) {
    if (k.startsWith("/.xpartition/ranks/") || k === "/.xpartition/init.json" || k === "/.xpartition/complete.json") continue; // per init
    const w = b.get(k);
    if (!w || w.length !== v.length || w.some((x, i) => x !== v[i])) throw new Error(`key ${k} differs`);
  }
});

Deno.test("the CLI under Deno: run then status", async () => {
  const store = await Deno.makeTempDir({ prefix: "xpartition-deno-cli-" });
  const cli = new URL("../../dist/cli/main.js", import.meta.url).pathname;
  const run = (args: string[]) => new Deno.Command(Deno.execPath(), { args: ["run", "-A", cli, ...args], stdout: "piped", stderr: "piped" }).output();
  const r = await run(["run", fixture.pathname, store, "--ranks", "3", "--dims", "time", "--mode", "w"]);
  if (r.code !== 0) throw new Error(new TextDecoder().decode(r.stderr));
  const s = await run(["status", store]);
  const out = new TextDecoder().decode(s.stdout);
  if (s.code !== 0 || !out.includes("all ranks complete")) throw new Error(out);
  await Deno.remove(store, { recursive: true });
});

Deno.test("concurrency 2 to a filesystem store under Deno (chunks handed to the writer thread by transfer) equals one thread to a Map", async () => {
  const { initializeStore, writePartition, FileSystemStore } = await import("xpartition");
  const { d1Dataset } = await import("xpartition/demo");
  const ds = d1Dataset({ time: 8 });
  const a = new Map<string, Uint8Array>();
  const dir = await Deno.makeTempDir({ prefix: "xp-deno-conc-" });
  await initializeStore(ds, a);
  await initializeStore(ds, dir);
  const ra = await writePartition(ds, a, { ranks: 1, dims: ["time"], rank: 0 });
  const rb = await writePartition(ds, dir, { ranks: 1, dims: ["time"], rank: 0, concurrency: 2 });
  if (ra.digest !== rb.digest || ra.chunks !== rb.chunks) throw new Error("digests differ");
  const fs = new FileSystemStore(dir);
  for (const [k, v] of a) {
    if (k.startsWith("/.xpartition/ranks/") || k === "/.xpartition/init.json" || k === "/.xpartition/complete.json") continue; // per init
    const w = await fs.get(k);
    if (!w || w.length !== v.length || w.some((x, i) => x !== v[i])) throw new Error(`key ${k} differs`);
  }
  await Deno.remove(dir, { recursive: true });
});
