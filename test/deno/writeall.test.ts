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
