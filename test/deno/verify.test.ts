// Deno: verify decodes a store the writer wrote (zarrita + numcodecs.js under Deno), finds a changed byte by
// the rank's manifest, and refuses a directory that is not a store.
import { Dataset, fromArray, initializeStore, writePartition } from "xpartition";
import { verifyStore, VerifyError } from "../../dist/verify/verify.js";

function assert(cond: unknown, msg: string): asserts cond {
  if (!cond) throw new Error(msg);
}

Deno.test("verify under Deno: a whole store, a changed byte named with its rank, not a store", async () => {
  const dir = await Deno.makeTempDir({ prefix: "xp-deno-verify-" });
  try {
    const values = Float32Array.from({ length: 8 * 10 }, (_, i) => i * 0.25);
    const ds = new Dataset({ dataVars: { v: { dims: ["t", "x"], data: fromArray(values, [8, 10], { chunks: [2, 5] }) } } });
    const store = `${dir}/s.zarr`;
    await initializeStore(ds, store, { zarrFormat: 2 });
    for (let rank = 0; rank < 2; rank++) await writePartition(ds, store, { ranks: 2, dims: ["t"], rank });
    let r = await verifyStore(store);
    assert(r.ok && r.chunks.checked === 8 && r.chunks.manifested === 8, `whole store: ${JSON.stringify(r.problems)} ${JSON.stringify(r.chunks)}`);
    const file = `${store}/v/3.1`; // time chunk 3: rank 1's
    const b = await Deno.readFile(file);
    b[b.length - 1] ^= 0x01;
    await Deno.writeFile(file, b);
    r = await verifyStore(store);
    assert(!r.ok && r.problems.length === 1 && r.problems[0]!.kind === "hash" && r.problems[0]!.key === "/v/3.1" && r.resubmit === "--array=1", JSON.stringify(r.problems));
    await Deno.mkdir(`${dir}/plain`);
    await Deno.writeTextFile(`${dir}/plain/x.txt`, "x");
    const err = await verifyStore(`${dir}/plain`).catch((e) => e);
    assert(err instanceof VerifyError && /is not a zarr store/.test(err.message), String(err));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
