// The tests' S3 proxy (test/helpers/s3-proxy.ts) in a process of its own for bench/s3.bench.mjs, so that its
// MD5 checks and timers do not share the benchmark's event loop. The TypeScript is transpiled (typescript's
// transpileModule, a dev dependency) into a temporary directory. argv: upstream endpoint, options as JSON, where
// `discard` is a regular expression over object keys. Prints {"endpoint":...} once up; answers a "stats" line
// on stdin with the proxy's counters as JSON (a "reset" line zeroes them, answering {}); stops when stdin closes.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { createInterface } from "node:readline";
import { fileURLToPath, pathToFileURL } from "node:url";
import ts from "typescript";

const root = fileURLToPath(new URL("..", import.meta.url));
// Its imports are node: built-ins and ./rng.js (transpiled beside it), so it runs from a temporary directory.
const dir = mkdtempSync(`${tmpdir()}/xp-bench-s3-proxy-`);
for (const name of ["s3-proxy", "rng"]) {
  const src = readFileSync(`${root}test/helpers/${name}.ts`, "utf8");
  writeFileSync(`${dir}/${name}.js`, ts.transpileModule(src, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText);
}
writeFileSync(`${dir}/package.json`, '{"type":"module"}');
const { startS3Proxy } = await import(pathToFileURL(`${dir}/s3-proxy.js`).href);

const [upstream, json = "{}"] = process.argv.slice(2);
const { discard, ...options } = JSON.parse(json);
if (discard) {
  const re = new RegExp(discard);
  options.discard = (k) => re.test(k);
}
const proxy = await startS3Proxy(upstream, options);
process.stdout.write(JSON.stringify({ endpoint: proxy.endpoint }) + "\n");
const rl = createInterface({ input: process.stdin });
rl.on("line", (l) => {
  if (l.trim() === "stats") process.stdout.write(JSON.stringify(proxy.stats) + "\n");
  if (l.trim() === "reset") {
    Object.assign(proxy.stats, { requests: 0, discarded: 0, discardedBytes: 0, badDigest: 0 });
    process.stdout.write("{}\n");
  }
});
rl.on("close", async () => {
  await proxy.close();
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
});
