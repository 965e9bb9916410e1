// `npm run bench`: builds, then runs every bench/*.bench.mjs in turn (one at a time: benchmarks share 2 cores).
// Pass file name fragments to run a subset: `npm run bench -- blosc shuffle`.
import { execFileSync, spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { root } from "./results.mjs";

execFileSync(process.execPath, [join(root, "scripts", "build.mjs")], { cwd: root, stdio: "inherit" });
const filters = process.argv.slice(2);
const files = readdirSync(join(root, "bench"))
  .filter((f) => f.endsWith(".bench.mjs") && (filters.length === 0 || filters.some((x) => f.includes(x))))
  .sort();
let failed = 0;
for (const f of files) {
  console.log(`\n=== bench/${f}`);
  // Some peers (lz4-wasm) load as ES-module WASM, which Node 20 needs a flag for.
  const r = spawnSync(process.execPath, ["--experimental-wasm-modules", "--no-warnings", join("bench", f)], { cwd: root, stdio: "inherit" });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
