// Shared by the test scripts: run a suite, record {passed, failed} in build/results/<suite>.json for .ci/run.
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync, existsSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..");
export const resultsDir = join(root, "build", "results");
export const bin = (name) => join(root, "node_modules", ".bin", name);

export function record(suite, passed, failed) {
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(join(resultsDir, `${suite}.json`), JSON.stringify({ suite, passed, failed }) + "\n");
  console.log(`${suite}: ${passed} passed, ${failed} failed`);
  return { passed, failed };
}

/** Run vitest with a config; counts come from its JSON report. A crash with no report counts as one failure. */
export function vitest(suite, config, extraArgs = []) {
  const out = join(resultsDir, `${suite}.vitest.json`);
  mkdirSync(resultsDir, { recursive: true });
  if (existsSync(out)) rmSync(out);
  const r = spawnSync(bin("vitest"), ["run", "--config", config, "--reporter=default", "--reporter=json", `--outputFile.json=${out}`, ...extraArgs], { cwd: root, stdio: "inherit" });
  if (!existsSync(out)) return record(suite, 0, 1);
  const rep = JSON.parse(readFileSync(out, "utf8"));
  let failed = rep.numFailedTests;
  // A file that fails to load has no tests but fails the suite.
  failed += (rep.testResults ?? []).filter((f) => f.status === "failed" && (f.assertionResults ?? []).length === 0).length;
  if (r.status !== 0 && failed === 0) failed = 1;
  const res = record(suite, rep.numPassedTests, failed);
  if (rep.numPendingTests + rep.numTodoTests > 0) {
    console.error(`${suite}: ${rep.numPendingTests + rep.numTodoTests} skipped or todo tests: none may be skipped`);
    return record(suite, res.passed, res.failed + rep.numPendingTests + rep.numTodoTests);
  }
  return res;
}

/** Run Deno's test runner; counts come from its closing summary line. */
export function deno(suite, args) {
  const r = spawnSync(bin("deno"), ["test", ...args], { cwd: root, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
  process.stdout.write(r.stdout ?? "");
  process.stderr.write(r.stderr ?? "");
  const m = /(?:ok|FAILED) \| (\d+) passed(?: \(\d+ steps?\))? \| (\d+) failed/.exec(r.stdout ?? "");
  if (!m) return record(suite, 0, 1);
  let failed = Number(m[2]);
  if (r.status !== 0 && failed === 0) failed = 1;
  return record(suite, Number(m[1]), failed);
}
