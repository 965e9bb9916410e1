// Child process of the memory test: writes one rank of D1 (time 64, ~200 MB of float32 over two variables)
// under a 16 MiB budget to a filesystem store, then prints its peak RSS.
import { d1Dataset, initializeStore, writePartition } from "xpartition";

const [store, budgetArg] = process.argv.slice(2);
const budget = Number(budgetArg);
const ds = d1Dataset({ time: 64 });
await initializeStore(ds, store, { zarrFormat: 3 });
const rec = await writePartition(ds, store, { ranks: 1, dims: ["time"], rank: 0, memoryBudget: budget });
console.log(JSON.stringify({ maxRSS: process.resourceUsage().maxRSS * 1024, bytesIn: rec.bytesIn, chunks: rec.chunks }));
