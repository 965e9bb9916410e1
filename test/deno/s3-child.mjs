// Run by test/deno/s3.test.ts under `deno run --allow-net --allow-env --allow-read` (no more): init, two ranks
// and status of an S3 store named by its s3:// URL, configured from the environment. Prints a JSON summary.
import { Dataset, fromArray, initializeStore, writePartition, storeStatus } from "../../dist/index.js";
import { S3Store } from "../../dist/store/s3/index.js";

const url = Deno.args[0];
const values = Float32Array.from({ length: 8 * 10 }, (_, i) => i * 0.25);
const ds = new Dataset({ dataVars: { v: { dims: ["t", "x"], data: fromArray(values, [8, 10], { chunks: [2, 5] }) } } });
await initializeStore(ds, url, { mode: "w", zarrFormat: 2, plan: { ranks: 2, dims: ["t"] } });
for (let rank = 0; rank < 2; rank++) await writePartition(ds, url, { ranks: 2, dims: ["t"], rank });
const st = await storeStatus(url);
const keys = await new S3Store({ bucket: "bkt", prefix: "deno.zarr" }).list("/");
console.log(JSON.stringify({ complete: st.complete, keys }));
