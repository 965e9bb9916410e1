// SOURCE arguments and their options on the command line (plan, init, run, write): parsed into a SourceSpec
// (src/sources/source-spec.ts), which openSource turns into the Dataset and init records in the plan.
import { readFileSync } from "node:fs";
import { resolve as resolvePath } from "node:path";
import type { Dataset } from "../model/dataset.js";
import { openSource, sourceSpec, type SourceOptions, type SourceSpec } from "../sources/source-spec.js";
import { UsageError, type OptionSpec, type Parsed } from "./args.js";

/** Options for data sources (list options comma-separated and repeatable). */
export const SOURCE_OPTIONS: OptionSpec = {
  vars: { type: "string", multiple: true },
  drop: { type: "string", multiple: true },
  chunks: { type: "string", multiple: true },
  isel: { type: "string", multiple: true },
  rename: { type: "string", multiple: true },
  "concat-dim": { type: "string" },
  encoding: { type: "string" },
};

export const SOURCE_HELP = `SOURCE is a dataset module (a file or URL ending .js, .mjs, .cjs or .ts whose default export, or --export
NAME, is a Dataset or a function returning one; every process that writes imports it), or data: a zarr store (a
directory or http(s):// URL holding zarr.json, .zgroup, .zarray or .zmetadata). A SOURCE that does not exist and
holds *, ? or [ is a glob, expanded and sorted. Several data sources are joined with --concat-dim.

options for data sources (list options comma-separated and repeatable; dims named as in the sources):
  --vars a,b          keep these variables (with the coordinates they need)
  --drop c            leave these variables out (unread: drop string variables so)
  --concat-dim DIM    join several sources along DIM
  --isel time=0:240   select (Python slice, step 1; time=3 drops the dim)
  --chunks time=24,lat=-1
                      output chunk lengths (-1: one chunk)
  --rename old=new    rename variables and dimensions (applied last)
  --encoding JSON|@file.json
                      per-variable encoding overrides (compressor, filters, codecs, chunks, shards, fillValue)`;

function list(v: Parsed["values"][string] | string[]): string[] {
  if (v === undefined || typeof v === "boolean") return [];
  return (Array.isArray(v) ? v : [v]).flatMap((s) => String(s).split(",")).map((s) => s.trim());
}

function names(cmd: string, opt: string, v: Parsed["values"][string]): string[] | undefined {
  const xs = list(v);
  if (!xs.length) return undefined;
  if (xs.some((x) => x === "")) throw new UsageError(`${cmd}: --${opt} has an empty name: expected names separated by commas, e.g. --${opt} a,b`);
  return [...new Set(xs)];
}

function pairs(cmd: string, opt: string, v: Parsed["values"][string], example: string): [string, string][] {
  const out: [string, string][] = [];
  for (const item of list(v)) {
    const i = item.indexOf("=");
    if (i <= 0 || i === item.length - 1) throw new UsageError(`${cmd}: --${opt} ${JSON.stringify(item)} is not valid: expected NAME=VALUE, e.g. --${opt} ${example}`);
    const k = item.slice(0, i).trim(), val = item.slice(i + 1).trim();
    if (out.some(([x]) => x === k)) throw new UsageError(`${cmd}: --${opt} names ${JSON.stringify(k)} twice`);
    out.push([k, val]);
  }
  return out;
}

const INT = /^[+-]?\d+$/;

/** `a:b`, `:b`, `a:`, `:`, `a:b:1` (Python slices, step 1) or an integer (drops the dim). */
function parseIsel(cmd: string, dim: string, s: string): number | { start?: number; stop?: number } {
  if (INT.test(s)) return Number(s);
  const parts = s.split(":");
  const bad = () => new UsageError(`${cmd}: --isel ${dim}=${s} is not valid: expected an index or a slice START:STOP (step 1), e.g. --isel ${dim}=0:240`);
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => p !== "" && !INT.test(p))) throw bad();
  if (parts.length === 3 && parts[2] !== "" && Number(parts[2]) !== 1) throw new UsageError(`${cmd}: --isel ${dim}=${s}: only step 1 is supported`);
  return { ...(parts[0] !== "" ? { start: Number(parts[0]) } : {}), ...(parts[1] !== "" ? { stop: Number(parts[1]) } : {}) };
}

function parseEncoding(cmd: string, s: string, cwd: string): Record<string, unknown> {
  let text = s, from = "--encoding";
  if (s.startsWith("@")) {
    const path = resolvePath(cwd, s.slice(1));
    from = `--encoding file ${path}`;
    try {
      text = readFileSync(path, "utf8");
    } catch (e) {
      throw new UsageError(`${cmd}: cannot read ${from}: ${(e as Error).message}`);
    }
  }
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${cmd}: ${from} is not valid JSON (${(e as Error).message})`);
  }
  if (typeof j !== "object" || j === null || Array.isArray(j)) throw new UsageError(`${cmd}: ${from} must be a JSON object of variable: encoding`);
  return j as Record<string, unknown>;
}

/** The source options given on the command line, normalised. */
export function sourceOptions(cmd: string, v: Parsed["values"], cwd: string): SourceOptions & { export?: string } {
  const o: SourceOptions & { export?: string } = {};
  const vars = names(cmd, "vars", v.vars), drop = names(cmd, "drop", v.drop);
  if (vars) o.vars = vars;
  if (drop) o.drop = drop;
  const both = vars?.find((x) => drop?.includes(x));
  if (both) throw new UsageError(`${cmd}: ${JSON.stringify(both)} is both in --vars and in --drop`);
  const chunks = pairs(cmd, "chunks", v.chunks, "time=24,lat=-1");
  if (chunks.length) {
    o.chunks = {};
    for (const [d, s] of chunks) {
      const n = INT.test(s) ? Number(s) : NaN;
      if (!(Number.isSafeInteger(n) && (n >= 1 || n === -1))) throw new UsageError(`${cmd}: --chunks ${d}=${s} is not valid: expected a chunk length >= 1, or -1 for one chunk`);
      o.chunks[d] = n;
    }
  }
  const isel = pairs(cmd, "isel", v.isel, "time=0:240");
  if (isel.length) o.isel = Object.fromEntries(isel.map(([d, s]) => [d, parseIsel(cmd, d, s)]));
  const rename = pairs(cmd, "rename", v.rename, "old=new");
  if (rename.length) o.rename = Object.fromEntries(rename);
  if (typeof v["concat-dim"] === "string") {
    if (v["concat-dim"].trim() === "") throw new UsageError(`${cmd}: --concat-dim needs a dimension name`);
    o.concatDim = v["concat-dim"].trim();
  }
  if (typeof v.encoding === "string") o.encoding = parseEncoding(cmd, v.encoding, cwd);
  if (v["zarr-format"] === "2" || v["zarr-format"] === "3") o.zarrFormat = Number(v["zarr-format"]) as 2 | 3;
  if (typeof v.export === "string") o.export = v.export;
  return o;
}

/** The spec of the SOURCE arguments with their options (and each data source's fingerprint when asked). */
export function specFromArgs(cmd: string, args: readonly string[], v: Parsed["values"], cwd: string, fingerprints: boolean): Promise<SourceSpec> {
  return sourceSpec(args, sourceOptions(cmd, v, cwd), cwd, fingerprints);
}

/** The dataset of a spec (fingerprints just computed need no second look). */
export function datasetOf(spec: SourceSpec, checkFingerprints = true): Promise<Dataset> {
  return openSource(spec, { checkFingerprints });
}

/** The output options a data spec carries (init's --encoding, --zarr-format). */
export function outputOptions(spec: SourceSpec): { encoding?: Record<string, unknown>; zarrFormat?: 2 | 3 } {
  if (spec.kind !== "sources") return {};
  const { encoding, zarrFormat } = spec.options;
  return { ...(encoding ? { encoding } : {}), ...(zarrFormat ? { zarrFormat } : {}) };
}
