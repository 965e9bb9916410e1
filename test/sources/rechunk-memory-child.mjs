// Child of rechunk-memory.test.ts: rechunks a source store (chunks (1, 1, 256, 256)) to chunks (16, 1, 64, 256)
// as one rank under a memory budget, counting each source chunk's reads, then prints its peak RSS.
import { initializeStore, openZarr, writePartition } from "xpartition";

const [src, out, budgetArg] = process.argv.slice(2);
const reads = new Map();
const ds = (await openZarr(src, { onChunkRead: (v, c) => reads.set(`${v}/${c}`, (reads.get(`${v}/${c}`) ?? 0) + 1) })).chunk({ time: 16, tile: 1, y: 64, x: 256 });
reads.clear(); // dimension coordinates, read at open
await initializeStore(ds, out, { zarrFormat: 2 });
const rec = await writePartition(ds, out, { ranks: 1, rank: 0, dims: ["time"], memoryBudget: Number(budgetArg) });
const counts = [...reads.entries()].filter(([k]) => k.startsWith("v/")).map(([, n]) => n);
console.log(JSON.stringify({ maxRSS: process.resourceUsage().maxRSS * 1024, bytesIn: rec.bytesIn, chunks: rec.chunks, sourceChunks: counts.length, maxReads: Math.max(...counts), reads: counts.reduce((a, b) => a + b, 0) }));
