// `dependencies` in package.json are exactly the packages the shipped dist/ code imports (static imports and
// re-exports, side-effect imports and dynamic import() of bare specifiers, reduced to package names; Node's
// builtins excluded). Everything used only by tests and benchmarks is a devDependency.
import { describe, expect, it } from "vitest";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { builtinModules } from "node:module";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");

/** The package a bare specifier names (`@scope/name/sub` -> `@scope/name`), or undefined for builtins and paths. */
export function packageOf(spec: string): string | undefined {
  if (spec.startsWith(".") || spec.startsWith("/") || spec.startsWith("node:") || spec.startsWith("data:")) return undefined;
  const parts = spec.split("/");
  const name = spec.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
  return builtinModules.includes(name) ? undefined : name;
}

/** Bare specifiers a JS module imports. */
export function importsOf(code: string): string[] {
  const out: string[] = [];
  const patterns = [
    /\b(?:import|export)\s[^;"'`]*?\bfrom\s*["']([^"']+)["']/g, // import x from "a"; export { y } from "a"
    /\bimport\s*["']([^"']+)["']/g, // import "a"
    /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g, // import("a")
  ];
  for (const re of patterns) for (const m of code.matchAll(re)) out.push(m[1]!);
  return out;
}

function jsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? jsFiles(p) : p.endsWith(".js") ? [p] : [];
  });
}

/** The differences between what `files` import and `deps`, one message per package. */
export function dependencyProblems(pkg: { name: string; dependencies?: Record<string, string> }, files: Record<string, string>): string[] {
  const used = new Map<string, string>(); // package -> first file importing it
  for (const [file, code] of Object.entries(files)) {
    for (const spec of importsOf(code)) {
      const name = packageOf(spec);
      if (name && name !== pkg.name && !used.has(name)) used.set(name, file);
    }
  }
  const declared = new Set(Object.keys(pkg.dependencies ?? {}));
  const problems: string[] = [];
  for (const [name, file] of used) if (!declared.has(name)) problems.push(`${name}: imported by ${file} but not in dependencies`);
  for (const name of declared) if (!used.has(name)) problems.push(`${name}: in dependencies but nothing in dist/ imports it (move it to devDependencies or remove it)`);
  return problems.sort();
}

describe("run-time dependencies", () => {
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  const files = Object.fromEntries(jsFiles(join(root, "dist")).map((f) => [f.slice(root.length + 1), readFileSync(f, "utf8")]));

  it("are exactly the packages dist/ imports", () => {
    expect(Object.keys(files).length).toBeGreaterThan(20);
    expect(dependencyProblems(pkg, files)).toEqual([]);
  });

  it("the check names a dependency nothing imports, and an import missing from dependencies", () => {
    const extra = { ...pkg, dependencies: { ...pkg.dependencies, "left-pad": "^1.3.0" } };
    expect(dependencyProblems(extra, files)).toEqual(["left-pad: in dependencies but nothing in dist/ imports it (move it to devDependencies or remove it)"]);
    const withImport = { ...files, "dist/extra.js": 'import { x } from "@scope/pkg/sub/path.js";\nconst y = await import("lodash");\nimport "node:fs";\nimport "./local.js";' };
    expect(dependencyProblems(pkg, withImport)).toEqual([
      "@scope/pkg: imported by dist/extra.js but not in dependencies",
      "lodash: imported by dist/extra.js but not in dependencies",
    ]);
  });

  it("reads every form of import", () => {
    expect(importsOf('import a from "a";\nimport { b } from "b/x";\nexport * from "c";\nexport { d } from \'d\';\nimport "e";\nawait import("f");\nimport * as g from "@s/g";'))
      .toEqual(["a", "b/x", "c", "d", "@s/g", "e", "f"]);
    expect(["fs", "node:path", "./x.js", "zarrita", "@zarrita/core/x", "fs/promises"].map(packageOf)).toEqual([undefined, undefined, undefined, "zarrita", "@zarrita/core", undefined]);
  });
});
