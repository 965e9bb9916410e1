// Child of the fault-injection test: writes one rank of the fault dataset to a filesystem store, saying
// "writing" first, "c" as each chunk goes to the store and "done" at the end; the parent SIGKILLs it somewhere in between. A small memory budget
// makes the rank compute and write a couple of chunks at a time, so that chunk writes span the whole run
// (one block would compute everything first and write only at the end).
import { writePartition } from "xpartition";
import { faultDataset, RANKS } from "../fixtures/fault-dataset.mjs";

const [dir, format, rank] = process.argv.slice(2);
const ds = faultDataset(Number(format));
process.stdout.write("writing\n");
const onChunk = () => process.stdout.write("c\n");
await writePartition(ds, dir, { ranks: RANKS, dims: ["time"], rank: Number(rank), memoryBudget: 600_000, onChunk });
process.stdout.write("done\n");
