// `npm run demo [-- <store-path> [time-length] [ranks]]`: `xpartition demo` — builds the benchmark dataset D1
// lazily, initialises a zarr store in a local folder, writes every rank on the local worker pool with
// progress, and prints what it wrote (chunks, bytes in and out, ratio, seconds, MB/s).
import { rmSync } from "node:fs";
import { resolve } from "node:path";
import { main } from "../dist/cli/main.js";

const [storeArg = "d1.zarr", timeArg = "96", ranksArg = "4", ...rest] = process.argv.slice(2);
const store = resolve(storeArg);
const code = await main(["demo", store, "--time", timeArg, "--ranks", ranksArg, ...rest], {
  out: process.stdout, err: process.stderr, env: process.env, cwd: process.cwd(),
});
if (process.env.XP_DEMO_CLEANUP) rmSync(store, { recursive: true, force: true });
process.exitCode = code;
