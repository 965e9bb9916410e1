// Loading the user's dataset module: "have some code that constructs the dataset lazily". The same module is
// imported by the CLI, by writeAll and by each worker thread, so it must build the dataset without computing
// it. Its export (default, or the one named) is the dataset or a (possibly async) function returning it.
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import process from "node:process";
import { pathToFileURL } from "node:url";

export class DatasetModuleError extends Error {
  override name = "DatasetModuleError";
}

/** `spec` as a URL string: URLs (`file:`, `https:`, `data:`...) as they are, paths resolved against `cwd`. */
export function moduleUrl(spec: string | URL, cwd: string = process.cwd()): string {
  if (spec instanceof URL) return spec.href;
  if (typeof spec !== "string" || spec === "") throw new DatasetModuleError(`dataset module: expected a file path or URL, got ${JSON.stringify(spec)}`);
  // Two or more letters before ':' is a scheme; one letter is a Windows drive.
  if (/^[a-zA-Z][a-zA-Z0-9+.-]+:/.test(spec)) return new URL(spec).href;
  const path = resolve(cwd, spec);
  if (!existsSync(path)) throw new DatasetModuleError(`dataset module not found: ${path}`);
  return pathToFileURL(path).href;
}

/** A short, human name for a module URL (its path for file: URLs). */
function shortName(url: string): string {
  return url.startsWith("file:") ? decodeURIComponent(new URL(url).pathname) : url;
}

export interface LoadOptions {
  /** A named export instead of the default. */
  exportName?: string;
  cwd?: string;
  /** Checks the value is a dataset; returns a description of what it is otherwise. */
  check?: (value: unknown) => string | undefined;
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (typeof v === "object") return `an object (${(v as object).constructor?.name ?? "Object"})`;
  return typeof v;
}

/** Import the module and return its dataset: the export itself, or what calling it returns (awaited). */
export async function loadDatasetExport(spec: string | URL, options: LoadOptions = {}): Promise<unknown> {
  const url = moduleUrl(spec, options.cwd);
  const name = shortName(url);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(url)) as Record<string, unknown>;
  } catch (e) {
    throw new DatasetModuleError(`cannot import dataset module ${name}: ${(e as Error)?.message ?? String(e)}`);
  }
  const key = options.exportName ?? "default";
  if (!(key in mod)) {
    const names = Object.keys(mod).filter((k) => k !== "default");
    const has = names.length ? `its exports: ${names.join(", ")}` : "it has no named exports";
    throw new DatasetModuleError(
      options.exportName
        ? `dataset module ${name} has no export named ${JSON.stringify(key)} (${has})`
        : `dataset module ${name} has no default export (${has}); pick one with --export NAME`,
    );
  }
  let value = mod[key];
  const label = options.exportName ? `export ${JSON.stringify(key)}` : "the default export";
  if (typeof value === "function") {
    try {
      value = await (value as () => unknown)();
    } catch (e) {
      throw new DatasetModuleError(`${label} of ${name} threw while building the dataset: ${(e as Error)?.message ?? String(e)}`);
    }
  }
  const problem = options.check?.(value);
  if (problem !== undefined) {
    throw new DatasetModuleError(`${label} of ${name} is ${describe(value)}, expected a Dataset or a function returning one${problem ? ` (${problem})` : ""}`);
  }
  return value;
}
