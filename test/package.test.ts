// What users install works: `npm pack`, install the tarball into a fresh project, import it by name and call a
// kernel — in Node, and in Deno with type-checking of the shipped .d.ts.
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
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--offline", "--prefer-offline", `./${tgz}`], { cwd: dir, stdio: "pipe" });
}, 180_000);

const program = `
import { fill, allEqual } from "xpartition";
const a = new Float32Array(100);
fill(a, 2.5);
if (!allEqual(a, 2.5)) throw new Error("kernel did not fill");
console.log("ok", a[99]);
`;

describe("packaged tarball", () => {
  it("imports by name and runs a kernel in Node", () => {
    writeFileSync(join(dir, "main.mjs"), program);
    expect(execFileSync(process.execPath, ["main.mjs"], { cwd: dir, encoding: "utf8" }).trim()).toBe("ok 2.5");
  });

  it("imports by name, type-checks and runs a kernel in Deno", () => {
    writeFileSync(join(dir, "main.ts"), program.replace("new Float32Array(100)", "new Float32Array(100) as Float32Array"));
    const out = execFileSync(join(root, "node_modules", ".bin", "deno"), ["run", "-A", "--check", "main.ts"], {
      cwd: dir, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" },
    });
    expect(out.trim()).toBe("ok 2.5");
  });

  it("installs the xpartition command (npx xpartition)", () => {
    const out = execFileSync(join(dir, "node_modules", ".bin", "xpartition"), ["status", "--help"], { cwd: dir, encoding: "utf8" });
    expect(out).toMatch(/^usage: xpartition status <store>/);
  });
});
