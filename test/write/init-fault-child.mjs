// Child of the init fault-injection tests: initialises the init fault dataset (variant argv[3]) in a
// filesystem store through a store that prints "op" on stdout before each operation that changes the store
// (pipes are written synchronously), and "done" at the end; the parent SIGKILLs it after a seeded op.
import { FileSystemStore, initializeStore } from "xpartition";
import { initDataset, RANKS } from "../fixtures/init-dataset.mjs";

const [dir, variant = "A"] = process.argv.slice(2);
const fs = new FileSystemStore(dir);
const op = () => process.stdout.write("op\n");
const store = {
  get: (k) => fs.get(k),
  getRange: (k, r) => fs.getRange(k, r),
  list: (p) => fs.list(p),
  set: (k, v) => (op(), fs.set(k, v)),
  setIfAbsent: (k, v) => (op(), fs.setIfAbsent(k, v)),
  delete: (k) => (op(), fs.delete(k)),
  createRoot: () => (op(), fs.createRoot()),
};
await initializeStore(initDataset(variant), store, { zarrFormat: 2, plan: { ranks: RANKS, dims: ["time"] } });
process.stdout.write("done\n");
