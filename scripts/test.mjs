// `npm test`: everything that needs only Node and npm — build, vitest (unit + JS-reader interop + packaging),
// and the Deno tests (Deno from the `deno` npm package). Exit status non-zero when anything fails.
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { root, vitest, deno } from "./results.mjs";

execFileSync(process.execPath, [join(root, "scripts", "build.mjs")], { cwd: root, stdio: "inherit" });
const args = process.argv.slice(2);
const suites = [
  vitest("unit", "test/vitest.config.ts", args),
  // --no-check here: in-repo Deno resolves dist's .d.ts siblings as plain JS; the packaging test type-checks
  // the installed tarball under Deno, which is what users get.
  deno("deno", ["-A", "--no-check", "test/deno/"]),
];
const failed = suites.reduce((s, r) => s + r.failed, 0);
const passed = suites.reduce((s, r) => s + r.passed, 0);
console.log(`npm test: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
