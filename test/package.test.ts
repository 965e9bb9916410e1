// What users install works: `npm pack`, install the tarball into a fresh project (its dependencies from the
// registry, as any install gets them: no reliance on what this machine's npm cache holds), import the root and
// every subpath by name and use each — in Node, and in Deno with type-checking of the shipped .d.ts.
import { describe, expect, it, beforeAll } from "vitest";
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");
let dir = "";

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "xpartition-pack-"));
  execFileSync("npm", ["pack", "--ignore-scripts", "--pack-destination", dir], { cwd: root, stdio: "pipe" });
  const tgz = readdirSync(dir).find((f) => f.endsWith(".tgz"))!;
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
  execFileSync("npm", ["install", "--no-audit", "--no-fund", `./${tgz}`], { cwd: dir, stdio: "pipe" });
}, 180_000);

const program = `
import { Dataset, lazy, initializeStore, writePartition } from "xpartition";
import { fill, allEqual, crc32c } from "xpartition/kernels";
import { codec, Pipeline } from "xpartition/codecs";
import { D1_DIMS } from "xpartition/demo";
const a = new Float32Array(100);
fill(a, 2.5);
if (!allEqual(a, 2.5)) throw new Error("kernel did not fill");
if (crc32c(new TextEncoder().encode("123456789")) !== 0xe3069283) throw new Error("crc32c");
if (typeof Pipeline !== "function" || (await codec({ id: "zstd", level: 1 }).encode(a)).length >= 400) throw new Error("codecs");
const store = new Map();
const ds = new Dataset({ dataVars: { v: { dims: ["t"], data: lazy({ shape: [4], dtype: "float32", chunks: [2], compute: (r) => new Float32Array(r[0].stop - r[0].start).fill(1) }) } } });
await initializeStore(ds, store, { zarrFormat: 3 });
await writePartition(ds, store, { ranks: 2, dims: ["t"], rank: 1 });
if (!store.has("/v/c/1")) throw new Error("no chunk written");
console.log("ok", a[99], D1_DIMS.join(","));
`;

describe("packaged tarball", () => {
  it("imports the root and each subpath by name and uses them in Node", () => {
    writeFileSync(join(dir, "main.mjs"), program);
    expect(execFileSync(process.execPath, ["main.mjs"], { cwd: dir, encoding: "utf8" }).trim()).toBe("ok 2.5 time,tile,y,x");
  });

  it("imports the root and each subpath by name, type-checks and runs them in Deno", () => {
    writeFileSync(join(dir, "main.ts"), program.replace("new Float32Array(100)", "new Float32Array(100) as Float32Array"));
    const out = execFileSync(join(root, "node_modules", ".bin", "deno"), ["run", "-A", "--check", "main.ts"], {
      cwd: dir, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" },
    });
    expect(out.trim()).toBe("ok 2.5 time,tile,y,x");
  });

  it("installs the xpartition command (npx xpartition)", () => {
    const out = execFileSync(join(dir, "node_modules", ".bin", "xpartition"), ["status", "--help"], { cwd: dir, encoding: "utf8" });
    expect(out).toMatch(/^usage: xpartition status <store>/);
  });
});
