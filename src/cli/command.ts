// What every CLI command shares: the command shape (options parsed by ./args.ts, --help, exit status), the
// store-argument rules and the source record a `write` rebuilds.
import { statSync } from "node:fs";
import { resolve as resolvePath } from "node:path";
import { FileSystemStore } from "../store/fs.js";
import { resolveStore as openStoreArg, storeScheme, StoreError } from "../store/index.js";
import { dimsOption, intOption, parse, requireOption, UsageError, type OptionSpec } from "./args.js";
import type { ProgressOut } from "./progress.js";
import { PlanError, type RecordedPlan } from "../run/records.js";
import { parseDuration } from "../write/state.js";
import { SOURCE_OPTIONS, specFromArgs } from "./sources.js";
import { sourceSpecDifference, type SourceSpec } from "../sources/source-spec.js";

export interface Io {
  out: ProgressOut;
  err: ProgressOut;
  env: Record<string, string | undefined>;
  cwd: string;
}

export interface Command {
  name: string;
  summary: string;
  help: string;
  run(args: string[], io: Io): Promise<number>;
}

export const EXPORT_HELP = `  --export NAME       use the module's export NAME instead of its default export`;

export function command(
  name: string,
  summary: string,
  description: string,
  usage: string,
  body: string,
  options: OptionSpec,
  positionals: { min: number; max: number; names: string[] },
  run: (v: Record<string, string | boolean | undefined>, pos: string[], io: Io) => Promise<number>,
): Command {
  const help = `usage: xpartition ${name} ${usage}\n\n${description}\n\n${body.trim()}\n`;
  return {
    name,
    summary,
    help,
    async run(args, io) {
      const { values, positionals: pos } = parse(name, args, options, positionals);
      if (values.help) {
        io.out.write(help);
        return 0;
      }
      return run(values, pos, io);
    },
  };
}

/** The library's advice in CLI terms. */
export function cliMode(e: unknown): never {
  if (e instanceof Error) e.message = e.message.replace('pass mode "w" to replace it', "pass --mode w to replace it");
  throw e;
}

export function staleAfterOption(name: string, v: Record<string, string | boolean | undefined>): number | undefined {
  const t = v["stale-after"];
  if (typeof t !== "string") return undefined;
  try {
    return parseDuration(t);
  } catch (e) {
    throw new UsageError(`${name}: ${(e as Error).message}`);
  }
}

export function planArgs(name: string, v: Record<string, string | boolean | undefined>): RecordedPlan {
  const ranks = requireOption(name, "ranks", intOption(name, v, "ranks", 1));
  const dims = requireOption(name, "dims", dimsOption(name, v));
  return { ranks, dims };
}

/**
 * A store argument as given: a plain path (spaces, "#", "?", "%41", non-ASCII kept, never a URL, never
 * glob-expanded) resolved against the current directory; a URL (file:, scheme://) left to the scheme table.
 * An unknown or unsupported scheme is a usage error here, before anything is read or written.
 */
export function storePath(s: string, io: Io, output = false): string {
  if (storeScheme(s) === undefined) return resolvePath(io.cwd, s);
  let opened;
  try {
    opened = openStoreArg(s);
  } catch (e) {
    if (e instanceof StoreError) throw new UsageError(e.message);
    throw e;
  }
  // http(s): a source, never an output.
  if (output && (opened as { readOnly?: boolean }).readOnly) throw new UsageError(`store ${s} is read-only (its scheme is ${storeScheme(s)}:, for sources): write into a path or a file: URL`);
  return s;
}

/** A filesystem store's root must be an existing directory (status, clean): a usage error (exit 2) otherwise. */
export function checkStoreRoot(cmd: string, path: string, given: string): void {
  const s = openStoreArg(path);
  if (!(s instanceof FileSystemStore)) return;
  const st = statSync(s.root, { throwIfNoEntry: false });
  if (!st) throw new UsageError(`${cmd}: no such store: ${given}`);
  if (!st.isDirectory()) throw new UsageError(`${cmd}: ${given} is a file, not a store (a store is a directory)`);
}

/**
 * The dataset `write` builds: the one init recorded (SOURCE arguments and options, when given, must match it),
 * or, for a store initialised without a record (by the library), the SOURCE arguments given.
 */
export async function writeSpec(sources: string[], v: Record<string, string | boolean | undefined>, recorded: SourceSpec | undefined, store: string, io: Io): Promise<SourceSpec> {
  if (!sources.length) {
    const given = Object.keys(SOURCE_OPTIONS).filter((k) => v[k] !== undefined).concat(v.export !== undefined ? ["export"] : []);
    if (given.length) throw new UsageError(`write: --${given[0]} needs the SOURCE arguments it applies to (or leave it out: the store records what init was given)`);
    if (!recorded) throw new PlanError(`${store} records no source in /.xpartition/plan.json (initialised without one): pass the dataset module, 'xpartition write MODULE ${store}'`);
    return recorded;
  }
  const spec = await specFromArgs("write", sources, v, io.cwd, false);
  if (!recorded) return spec;
  const differs = sourceSpecDifference(recorded, spec);
  if (differs) throw new PlanError(`${store} was initialised from another source: ${differs}`);
  return recorded; // with its fingerprints, checked as the dataset is rebuilt
}
