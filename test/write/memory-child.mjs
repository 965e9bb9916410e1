// Child process of the memory test: writes one rank of D1 (time 64, ~200 MB of float32 over two variables)
// under a 16 MiB budget to a filesystem store, then prints its peak RSS. A third argument "sharded" writes
// both variables as zarr v3 shards of 4 chunks (8 MiB each).
import { d1Dataset } from "xpartition/demo";
import { initializeStore, writePartition } from "xpartition";

const [store, budgetArg, mode] = process.argv.slice(2);
const budget = Number(budgetArg);
const ds = d1Dataset({ time: 64 });
const encoding = mode === "sharded" ? { temp: { shards: [16, 2, 256, 256] }, wind: { shards: [16, 2, 256, 256] } } : undefined;
await initializeStore(ds, store, { zarrFormat: 3, encoding });
const rec = await writePartition(ds, store, { ranks: 1, dims: ["time"], rank: 0, memoryBudget: budget, encoding });
console.log(JSON.stringify({ maxRSS: process.resourceUsage().maxRSS * 1024, bytesIn: rec.bytesIn, chunks: rec.chunks }));
