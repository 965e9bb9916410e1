// The CLI's commands. Each parses its own options (./args.ts), does its work through the library (the same
// functions users call) and returns the exit status.
import process from "node:process";
import { statSync } from "node:fs";
import { resolve as resolvePath } from "node:path";
import { FileSystemStore } from "../store/fs.js";
import type { S3Store } from "../store/s3/index.js";
import { resolveStore as openStoreArg, storeScheme, StoreError } from "../store/index.js";
import type { Dataset } from "../model/dataset.js";
import { choiceOption, dimsOption, formatRankList, intOption, parse, requireOption, UsageError, type OptionSpec } from "./args.js";
import { listenForStop, SIGNAL_EXIT } from "./signals.js";
import { formatBytes, formatDuration, progressReporter, verifyProgressReporter, type ProgressOut } from "./progress.js";
import { verifyStore } from "../verify/verify.js";
import { formatReport } from "../verify/report.js";
import { loadDatasetExport } from "../run/load.js";
import { resolveRank, RANK_VARIABLES } from "../run/rank.js";
import { checkPlan, PlanError, readPlan, type RecordedPlan } from "../run/records.js";
import { storeStatus } from "../run/status.js";
import { parseDuration, requireCompleteInit } from "../write/state.js";
import { availableCores, prestartWriteWorkers, writeAll, WriteAllError } from "../run/pool.js";
import { describePlan, initializeStore, isDataset, mapperPlan, resolveStore, writePartition, demoDatasetUrl } from "../run/backend.js";
import { datasetOf, outputOptions, SOURCE_HELP, SOURCE_OPTIONS, specFromArgs } from "./sources.js";
import { sourceSpecDifference, sourceZarrFormat, type SourceSpec } from "../sources/source-spec.js";
import { planReadAmplification } from "../write/amplification.js";
import { DEFAULT_MEMORY_BUDGET } from "../write/write.js";

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

const EXPORT_HELP = `  --export NAME       use the module's export NAME instead of its default export`;

function command(
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
function cliMode(e: unknown): never {
  if (e instanceof Error) e.message = e.message.replace('pass mode "w" to replace it', "pass --mode w to replace it");
  throw e;
}

function staleAfterOption(name: string, v: Record<string, string | boolean | undefined>): number | undefined {
  const t = v["stale-after"];
  if (typeof t !== "string") return undefined;
  try {
    return parseDuration(t);
  } catch (e) {
    throw new UsageError(`${name}: ${(e as Error).message}`);
  }
}

function planArgs(name: string, v: Record<string, string | boolean | undefined>): RecordedPlan {
  const ranks = requireOption(name, "ranks", intOption(name, v, "ranks", 1));
  const dims = requireOption(name, "dims", dimsOption(name, v));
  return { ranks, dims };
}

/**
 * A store argument as given: a plain path (spaces, "#", "?", "%41", non-ASCII kept, never a URL, never
 * glob-expanded) resolved against the current directory; a URL (file:, scheme://) left to the scheme table.
 * An unknown or unsupported scheme is a usage error here, before anything is read or written.
 */
function storePath(s: string, io: Io, output = false): string {
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
function checkStoreRoot(cmd: string, path: string, given: string): void {
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
async function writeSpec(sources: string[], v: Record<string, string | boolean | undefined>, recorded: SourceSpec | undefined, store: string, io: Io): Promise<SourceSpec> {
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

// ---------------------------------------------------------------------------------------------------- plan
/** Ranks listed per variable by `plan` (without --json) before it summarises. */
const PLAN_RANKS_SHOWN = 16;
const plan = command(
  "plan",
  "Show how the ranks would split the work",
  "Per variable and rank: its region, chunks and bytes; ranks left idle; the spread of work between ranks.",
  "SOURCE... --ranks N --dims a,b [--json] [--memory-budget MB] [--export NAME] [source options]",
  `
${SOURCE_HELP}

options:
  --ranks N           number of ranks (independent processes)
  --dims a,b          dimensions to partition over, outermost first
  --json              print the plan as JSON
  --memory-budget MB  the writers' memory budget per rank in MiB (default 256), for the read amplification of
                      a rechunked source (bytes of source chunks read / bytes needed; 1.0: each read once)
${EXPORT_HELP}

Past ${PLAN_RANKS_SHOWN + 4} ranks the listing shows the first ${PLAN_RANKS_SHOWN} and last 2 of each variable (--json lists every rank).

exit status: 0 planned, 1 error (the dataset module, a dimension it lacks), 2 a bad command line
`,
  { ranks: { type: "string" }, dims: { type: "string" }, json: { type: "boolean" }, export: { type: "string" }, "memory-budget": { type: "string" }, ...SOURCE_OPTIONS },
  { min: 1, max: Infinity, names: ["source"] },
  async (v, sources, io) => {
    const p = planArgs("plan", v);
    const budgetMiB = intOption("plan", v, "memory-budget", 1);
    const spec = await specFromArgs("plan", sources, v, io.cwd, false);
    const ds = await datasetOf(spec);
    const report = describePlan(ds, p.ranks, p.dims, outputOptions(spec).encoding as never);
    const budget = budgetMiB ? budgetMiB * 1024 * 1024 : DEFAULT_MEMORY_BUDGET;
    const amplification = planReadAmplification((ds as Dataset).variables ?? {}, report, budget);
    if (v.json) {
      io.out.write(JSON.stringify(Object.keys(amplification).length ? { ...report, readAmplification: amplification } : report, null, 2) + "\n");
      return 0;
    }
    io.out.write(`${p.ranks} ranks over ${p.dims.join(", ")}\n`);
    // Bounded output at any rank count: the first and last ranks of each variable (--json lists every rank).
    const shown = (n: number) => (n <= PLAN_RANKS_SHOWN + 4 ? n : PLAN_RANKS_SHOWN);
    for (const variable of report.variables) {
      io.out.write(`\n${variable.name} (${variable.dims.join(", ")}) shape ${variable.shape.join("x")} chunks ${variable.chunks.join("x")} ${variable.dtype}\n`);
      const rows = variable.perRank, head = shown(rows.length);
      const line = (r: (typeof rows)[number]) => {
        const region = r.region ? r.region.map(([a, b], i) => `${variable.dims[i]} ${a}:${b}`).join(", ") : "idle";
        io.out.write(`  rank ${String(r.rank).padStart(3)}  ${region.padEnd(40)}  ${String(r.chunks).padStart(6)} chunks  ${formatBytes(r.bytes)}\n`);
      };
      rows.slice(0, head).forEach(line);
      if (head < rows.length) {
        io.out.write(`  ... ${rows.length - head - 2} more ranks (--json lists every rank)\n`);
        rows.slice(-2).forEach(line);
      }
      const a = amplification[variable.name];
      if (a) io.out.write(`  read amplification ${a.ratio.toFixed(2)}x: ${formatBytes(a.bytesRead)} of source chunks read for ${formatBytes(a.bytesNeeded)} (memory budget ${budget / 2 ** 20} MiB)\n`);
    }
    const s = report.spread;
    io.out.write(`\nper rank: ${s.minChunks}..${s.maxChunks} chunks, ${formatBytes(s.minBytes)}..${formatBytes(s.maxBytes)} (max/mean ${s.imbalance.toFixed(2)})\n`);
    let idle = formatRankList(report.idle);
    if (idle.length > 200) idle = `${idle.slice(0, idle.lastIndexOf(",", 200))},... (${report.idle.length} ranks)`;
    io.out.write(report.idle.length ? `idle ranks: ${idle} (nothing to write)\n` : "idle ranks: none\n");
    return 0;
  },
);

// ---------------------------------------------------------------------------------------------------- init
const init = command(
  "init",
  "Initialise a store and record the plan",
  "Initialises a zarr store for the dataset (metadata, unchunked variables) and records the plan (ranks, dims) in\n/.xpartition/plan.json beside the schema. The store is claimed first (/.xpartition/init.json, created only if\nabsent) and marked complete last (/.xpartition/complete.json): writers and status refuse a store whose init\ndid not complete.",
  "SOURCE... <store> --ranks N --dims a,b [--zarr-format 2|3] [--mode w|w-] [--stale-after 10m] [--export NAME] [source options]",
  `
${SOURCE_HELP}

The plan records how to rebuild the dataset (the module, or the sources with their options and a fingerprint
of each source's metadata): 'xpartition write <store>' then needs no SOURCE.

<store> is a directory path, a file: URL or s3://bucket/prefix (an S3 store; configured as AWS tools are:
AWS_ENDPOINT_URL_S3, AWS_REGION, AWS_PROFILE, ...). On a server that ignores If-None-Match (no exclusive
claim), mode w- fails; use --mode w there.

options:
  --ranks N           number of ranks that will write (e.g. the size of the array job); for a module
                      exporting a PartitionMapper, optional: the mapper's ranks and dims (and store) are used
  --dims a,b          dimensions to partition over, outermost first
  --zarr-format 2|3   zarr format (default 3)
  --mode w-|w         w- (default): fail if a store exists there; w: replace it
  --stale-after T     w-: take over an unfinished init of the same dataset whose claim is older than T
                      (default 10m; units ms, s, m, h), or whose process is dead on this host
${EXPORT_HELP}

exit status: 0 initialised, 1 error (a store exists there, the dataset module, an init in progress), 2 a bad
command line
`,
  {
    ranks: { type: "string" }, dims: { type: "string" }, "zarr-format": { type: "string" }, mode: { type: "string" }, export: { type: "string" },
    "stale-after": { type: "string" }, ...SOURCE_OPTIONS,
  },
  { min: 2, max: Infinity, names: ["source", "store"] },
  async (v, pos, io) => {
    const store = pos.at(-1)!;
    // A module exporting a PartitionMapper brings its own ranks and dims (the options, if given, must match).
    const asked = { ranks: intOption("init", v, "ranks", 1), dims: dimsOption("init", v) };
    let p = asked.ranks !== undefined && asked.dims !== undefined ? planArgs("init", v) : undefined;
    const zarrFormat = choiceOption("init", v, "zarr-format", ["2", "3"] as const);
    const mode = choiceOption("init", v, "mode", ["w-", "w"] as const) ?? "w-";
    const staleAfter = staleAfterOption("init", v);
    const path = storePath(store, io, true);
    const spec = await specFromArgs("init", pos.slice(0, -1), v, io.cwd, true);
    const ds = await datasetOf(spec, false); // fingerprints just taken
    p = mapperPlan(ds, asked) ?? p ?? planArgs("init", v);
    const out = outputOptions(spec);
    describePlan(ds, p.ranks, p.dims, out.encoding as never); // validates dims against the dataset before anything is written
    // The plan (with the source) is recorded by the init, before the store is marked complete.
    const options = {
      mode, plan: { ...p, source: spec }, ...(staleAfter !== undefined ? { staleAfter } : {}),
      // A copy keeps its sources' zarr format unless --zarr-format asks for another.
      ...(zarrFormat ? { zarrFormat: Number(zarrFormat) as 2 | 3 } : spec.kind === "sources" && sourceZarrFormat(ds) ? { zarrFormat: sourceZarrFormat(ds) } : {}),
      ...(out.encoding ? { encoding: out.encoding as never } : {}),
    };
    await initializeStore(ds, path, options).catch(cliMode);
    io.out.write(`initialised ${store} for ${p.ranks} ranks over ${p.dims.join(",")}: write each with 'xpartition write ${store} --rank R' (or from ${RANK_VARIABLES[0]!.name})\n`);
    return 0;
  },
);

// ---------------------------------------------------------------------------------------------------- write
const write = command(
  "write",
  "Write one rank (e.g. one task of an array job)",
  "Writes one rank into a store initialised by 'xpartition init'; ranks and dims come from the recorded plan.",
  "[SOURCE...] <store> [--rank R] [--ranks N --dims a,b] [--export NAME] [source options]",
  `
Without SOURCE the dataset is rebuilt from what init recorded in the store (the module, or the sources and
their options): an array task needs only the store and its rank. SOURCE arguments and source options, when
given, must be those init was given; a source whose metadata changed since init is refused.

${SOURCE_HELP}

The rank is --rank R, or else the first of these environment variables that is set:
${RANK_VARIABLES.map((r) => `  ${r.name.padEnd(26)}${r.engine}`).join("\n")}

options:
  --rank R            the rank to write (0-based)
  --ranks N, --dims a,b
                      optional: checked against the plan recorded by init (a mismatch is an error)
  --concurrency N     threads slicing and encoding inside this rank (default 1)
  --memory-budget MB  block size bound in MiB (default: the writer's, 256)
${EXPORT_HELP}

On success the rank's completion record is written last; 'xpartition status' reads it.
SIGTERM (a batch system's time limit or preemption) or Ctrl-C (SIGINT) stops the rank after the chunk writes in
flight, with no completion record: write the rank again to finish it; a second signal quits at once.

exit status: 0 written (record written), 1 the rank failed or could not start (no record), 2 a bad command
line, 143 stopped by SIGTERM, 130 stopped by SIGINT
`,
  {
    rank: { type: "string" }, ranks: { type: "string" }, dims: { type: "string" }, export: { type: "string" },
    concurrency: { type: "string" }, "memory-budget": { type: "string" }, ...SOURCE_OPTIONS,
  },
  { min: 1, max: Infinity, names: ["store"] },
  async (v, pos, io) => {
    const store = pos.at(-1)!, sources = pos.slice(0, -1);
    const asked = { ranks: intOption("write", v, "ranks", 1), dims: dimsOption("write", v) };
    const concurrency = intOption("write", v, "concurrency", 1, 256);
    const budget = intOption("write", v, "memory-budget", 1);
    const path = storePath(store!, io, true);
    const kv = resolveStore(path);
    await requireCompleteInit(kv, store!); // a store whose init did not complete is refused, naming its claim
    const recorded = await readPlan(kv, store!);
    if (!recorded) throw new PlanError(`${store} has no recorded plan (/.xpartition/plan.json): initialise it with 'xpartition init'`);
    checkPlan(recorded, asked, store!);
    const spec = await writeSpec(sources, v, recorded.source as SourceSpec | undefined, store, io);
    const { rank, source, value } = resolveRank(v.rank as string | undefined, { ranks: recorded.ranks, env: io.env });
    const stop = listenForStop(io.err, (sig) => `xpartition write: ${sig}: stopping rank ${rank} after the chunk writes in flight (a second signal quits at once)\n`);
    let record: Record<string, unknown> | undefined;
    const t0 = performance.now();
    try {
      const ds = await datasetOf(spec); // a source changed since init is refused here, before anything is written
      const encoding = outputOptions(spec).encoding;
      record = (await writePartition(ds, path, {
        ranks: recorded.ranks, dims: recorded.dims, rank, signal: stop.signal, ...(encoding ? { encoding: encoding as never } : {}),
        ...(concurrency ? { concurrency } : {}), ...(budget ? { memoryBudget: budget * 1024 * 1024 } : {}),
      })) as unknown as Record<string, unknown> | undefined;
    } catch (e) {
      const sig = stop.received;
      if (!sig) throw e;
      io.err.write(`xpartition write: ${sig}: stopped; rank ${rank} incomplete (no completion record): resubmit it (${source === "--rank" ? `--rank ${rank}` : `${source}=${value ?? rank}`})\n`);
      return SIGNAL_EXIT[sig];
    } finally {
      stop.dispose();
    }
    const s = (performance.now() - t0) / 1000;
    const chunks = Number(record?.chunks ?? 0), bytesIn = Number(record?.bytesIn ?? 0), bytesOut = Number(record?.bytesOut ?? 0);
    const src = source === "--rank" ? "" : ` (from ${source}${value !== undefined ? `=${value}` : ""})`;
    io.out.write(
      chunks
        ? `rank ${rank}/${recorded.ranks}${src}: ${chunks} chunks, ${formatBytes(bytesIn)} in, ${formatBytes(bytesOut)} out, ${s.toFixed(2)} s, ${(bytesIn / 1e6 / Math.max(s, 1e-9)).toFixed(1)} MB/s\n`
        : `rank ${rank}/${recorded.ranks}${src}: nothing to write (idle rank), recorded\n`,
    );
    return 0;
  },
);

// ---------------------------------------------------------------------------------------------------- run
async function runPool(
  name: string,
  o: { dataset?: string | URL; source?: SourceSpec; exportName?: string; store: string; ranks: number; dims: string[]; workers?: number; resume: boolean; mode: "w-" | "w"; zarrFormat?: 2 | 3; extra?: Record<string, unknown> },
  io: Io,
): Promise<number> {
  const stop = listenForStop(io.err, (sig) => `${io.err.isTTY ? "\n" : ""}xpartition ${name}: ${sig}: stopping: no new ranks or chunks, letting the chunk writes in flight finish (a second signal quits at once)\n`);
  const report = progressReporter(io.err);
  try {
    const res = await writeAll({
      ...(o.source ? { source: o.source } : { dataset: o.dataset, exportName: o.exportName }), store: o.store, ranks: o.ranks, dims: o.dims, workers: o.workers,
      init: o.mode, resume: o.resume, signal: stop.signal, cwd: io.cwd, ...(o.zarrFormat ? { zarrFormat: o.zarrFormat } : {}), ...o.extra,
      onProgress: report,
    });
    const rate = res.bytesIn / 1e6 / Math.max(res.seconds, 1e-9);
    const ratio = res.bytesOut ? res.bytesIn / res.bytesOut : 0;
    io.out.write(
      `${name}: ${res.written.length} ranks written${res.skipped.length ? `, ${res.skipped.length} already complete` : ""} on ${res.workers} workers: ` +
        `${res.chunks} chunks, ${formatBytes(res.bytesIn)} in, ${formatBytes(res.bytesOut)} out (ratio ${ratio.toFixed(2)}), ` +
        `${formatDuration(res.seconds)} (${res.seconds.toFixed(2)} s), ${rate.toFixed(1)} MB/s\n`,
    );
    return 0;
  } catch (e) {
    const sig = stop.received;
    if (e instanceof WriteAllError) {
      // The library's advice in CLI terms.
      io.err.write(`xpartition ${name}: ${e.message.replace("resume: true", "--resume")}\n`);
      if (sig) {
        const done = new Set([...e.result.written, ...e.result.skipped]);
        const incomplete: number[] = [];
        for (let r = 0; r < e.result.ranks; r++) if (!done.has(r)) incomplete.push(r);
        io.err.write(`xpartition ${name}: ${sig}: stopped; rank${incomplete.length === 1 ? "" : "s"} ${formatRankList(incomplete)} incomplete (no completion record), resume with --resume\n`);
      } else io.err.write(`resume with: xpartition ${name} ... --resume  (or 'xpartition status ${o.store}')\n`);
      return sig ? SIGNAL_EXIT[sig] : 1;
    }
    if (sig) {
      // Stopped before the pool started (e.g. while the dataset loaded): nothing was written for any rank.
      io.err.write(`xpartition ${name}: ${(e as Error)?.message ?? String(e)}\nxpartition ${name}: ${sig}: stopped before writing any rank\n`);
      return SIGNAL_EXIT[sig];
    }
    throw e;
  } finally {
    stop.dispose();
  }
}

const run = command(
  "run",
  "Initialise and write every rank on local worker threads",
  "Initialises the store and writes every rank on a pool of worker threads on this machine, with progress.",
  "SOURCE... <store> --ranks N --dims a,b [--workers W] [--resume] [--zarr-format 2|3] [--mode w|w-] [--stale-after 10m] [--export NAME] [source options]",
  `
${SOURCE_HELP}

options:
  --ranks N           number of ranks
  --dims a,b          dimensions to partition over, outermost first
  --workers W         worker threads (default: the available cores, ${availableCores()} here)
  --resume            keep a store initialised already and write only ranks without a valid completion record
                      (a store whose init did not complete is refused)
  --zarr-format 2|3   zarr format (default 3)
  --mode w-|w         w- (default): fail if a store exists there; w: replace it
  --stale-after T     w-: take over an unfinished init of the same dataset whose claim is older than T
                      (default 10m), or whose process is dead on this host
  --concurrency N     threads slicing and encoding inside each rank (default 1)
  --memory-budget MB  block size bound in MiB per rank (default: the writer's, 256)
${EXPORT_HELP}

On a terminal a live bar shows ranks done, chunks, MB/s and ETA; otherwise one line per rank.
SIGTERM or Ctrl-C (SIGINT) stops handing out ranks and chunks and lets the chunk writes in flight finish;
unfinished ranks get no completion record and --resume continues; a second signal quits at once.

exit status: 0 every rank written, 1 some ranks failed (--resume writes them) or another error, 2 a bad command
line, 143 stopped by SIGTERM, 130 stopped by SIGINT
`,
  {
    ranks: { type: "string" }, dims: { type: "string" }, workers: { type: "string" }, resume: { type: "boolean" },
    "zarr-format": { type: "string" }, mode: { type: "string" }, export: { type: "string" }, concurrency: { type: "string" },
    "stale-after": { type: "string" }, "memory-budget": { type: "string" }, ...SOURCE_OPTIONS,
  },
  { min: 2, max: Infinity, names: ["source", "store"] },
  async (v, pos, io) => {
    const store = pos.at(-1)!;
    const asked = { ranks: intOption("run", v, "ranks", 1), dims: dimsOption("run", v) };
    let p = asked.ranks !== undefined && asked.dims !== undefined ? planArgs("run", v) : undefined;
    const workers = intOption("run", v, "workers", 1, 1024);
    const concurrency = intOption("run", v, "concurrency", 1, 256);
    const budget = intOption("run", v, "memory-budget", 1);
    const zarrFormat = choiceOption("run", v, "zarr-format", ["2", "3"] as const);
    const mode = choiceOption("run", v, "mode", ["w-", "w"] as const) ?? "w-";
    const staleAfter = staleAfterOption("run", v);
    const path = storePath(store, io, true);
    // The worker threads start now: their start-up overlaps reading the sources' metadata (init).
    // (Data sources: this thread writes ranks too, so one thread fewer; a dataset module is user code: all threads.)
    const n = Math.min(workers ?? availableCores(), asked.ranks ?? Infinity);
    const dataSources = !pos.slice(0, -1).some((a) => /\.(m?js|cjs|ts|mts)$/i.test(a));
    if (!v.resume) prestartWriteWorkers(dataSources && n >= 2 ? n - 1 : n, pos.slice(0, -1).some((a) => /\.(nc|nc4|cdf|h5|hdf5)$/i.test(a)) ? ["netcdf"] : []);
    const spec = await specFromArgs("run", pos.slice(0, -1), v, io.cwd, true);
    // A module exporting a PartitionMapper brings its ranks and dims (the options, if given, must match).
    p ??= (spec.kind === "module" ? mapperPlan(await datasetOf(spec), asked) : undefined) ?? planArgs("run", v);
    return runPool(
      "run",
      {
        source: spec, store: path, ranks: p.ranks, dims: p.dims, workers,
        resume: !!v.resume, mode, zarrFormat: zarrFormat ? (Number(zarrFormat) as 2 | 3) : undefined, extra: { ...(concurrency ? { concurrency } : {}), ...(budget ? { memoryBudget: budget * 1024 * 1024 } : {}), ...(staleAfter !== undefined ? { staleAfter } : {}) },
      },
      io,
    );
  },
);

// ---------------------------------------------------------------------------------------------------- status
const status = command(
  "status",
  "Complete and missing ranks, and what to resubmit",
  "Which ranks of a store are complete, which are missing, and the exact list to resubmit.",
  "<store> [--json]",
  `
Reads the plan recorded by init and one completion record per rank (never a listing of chunks, nor the
ranks' chunk manifests). A record written for another schema or plan (a fingerprint that does not match), or
into an earlier initialisation of the store, counts as missing. A store whose init did not complete is an
error (exit 2), naming the init's host, pid and start time.

options:
  --json              print the status as JSON

exit status: 0 all ranks complete, 1 some missing, 2 error (no such store, no recorded plan)
`,
  { json: { type: "boolean" } },
  { min: 1, max: 1, names: ["store"] },
  async (v, [store], io) => {
    const path = storePath(store!, io);
    let st;
    try {
      checkStoreRoot("status", path, store!);
      st = await storeStatus(path);
    } catch (e) {
      // Every error exits 2, as --help says (1 means ranks missing); the store named as given.
      if (e instanceof UsageError) throw e;
      throw new UsageError((e as Error).message.split(path).join(store!));
    }
    const list = st.resubmit?.slice("--array=".length) ?? "";
    if (v.json) {
      const problems = st.details.filter((s) => s.state !== "complete" && s.state !== "missing").map((s) => ({ rank: s.rank, state: s.state, reason: s.reason }));
      io.out.write(JSON.stringify({
        store, ranks: st.ranks, dims: st.dims, complete: st.complete, missing: st.missing, problems, resubmit: st.resubmit,
        chunks: st.chunks, bytesIn: st.bytesIn, bytesOut: st.bytesOut,
      }, null, 2) + "\n");
      return st.missing.length ? 1 : 0;
    }
    io.out.write(`${store}: ${st.ranks} ranks over ${st.dims.join(",")}\n`);
    io.out.write(`complete: ${st.complete.length} of ${st.ranks} ranks (${st.chunks} chunks, ${formatBytes(st.bytesIn)} in, ${formatBytes(st.bytesOut)} out)\n`);
    if (!st.missing.length) {
      io.out.write("all ranks complete\n");
      return 0;
    }
    io.out.write(`missing: ${st.missing.length} rank${st.missing.length === 1 ? "" : "s"}: ${list}\n`);
    for (const s of st.details) if (s.state !== "complete" && s.state !== "missing") io.out.write(`  rank ${s.rank}: record ${s.state} (${s.reason})\n`);
    io.out.write(`resubmit: ${st.resubmit}\n`);
    return 1;
  },
);

// ---------------------------------------------------------------------------------------------------- clean
const clean = command(
  "clean",
  "Remove temporary files left by killed writes",
  "Removes the temporary files (*.xptmp) that writes killed mid-chunk left in a filesystem store;\nin an S3 store (s3://bucket/prefix), aborts the multipart uploads left under its prefix.",
  "<store> [--min-age SECONDS] [--dry-run]",
  `
A chunk is written to a temporary file in its directory, then renamed into place, so a killed rank never
leaves a torn chunk, but it may leave its temporary file behind. Those files are never keys and readers
ignore them; this reclaims their space (one walk over the store's files).

options:
  --min-age SECONDS   only files not modified for this long (default 60: a live writer holds its temporary
                      file only while one chunk is written)
  --dry-run           list them, remove nothing

S3 stores: multipart uploads (values above the multipart threshold) of killed writes are listed
(ListMultipartUploads) and aborted when older than --min-age; a lifecycle rule AbortIncompleteMultipartUpload
does the same on the server's side.

exit status: 0 done (also when there was nothing to remove), 2 error (no such store, not a directory, a
server that cannot list multipart uploads)
`,
  { "min-age": { type: "string" }, "dry-run": { type: "boolean" } },
  { min: 1, max: 1, names: ["store"] },
  async (v, [store], io) => {
    const minAgeSeconds = intOption("clean", v, "min-age", 0) ?? 60;
    const scheme = storeScheme(store!);
    if (scheme === "s3") {
      const s3 = openStoreArg(storePath(store!, io)) as S3Store;
      const dryRun = Boolean(v["dry-run"]);
      const ups = await s3.abortIncompleteUploads({ minAgeSeconds, dryRun }).catch((e: Error) => {
        throw new UsageError(`clean: ${e.message}`); // exit 2
      });
      if (dryRun) for (const u of ups) io.out.write(`s3://${s3.bucket}/${u.key} ${u.uploadId}\n`);
      io.out.write(`${store}: ${dryRun ? "would abort" : "aborted"} ${ups.length} multipart upload${ups.length === 1 ? "" : "s"} left by interrupted writes\n`);
      return 0;
    }
    if (scheme !== undefined && scheme !== "file") throw new UsageError(`clean: ${store} is not a filesystem store (its scheme is ${scheme}:)`);
    const path = storePath(store!, io);
    const fs = openStoreArg(path);
    if (!(fs instanceof FileSystemStore)) throw new UsageError(`clean: ${store} is not a filesystem store`);
    checkStoreRoot("clean", path, store!);
    const { files, bytes } = await fs.cleanTemporary({ minAgeSeconds, dryRun: Boolean(v["dry-run"]) }).catch((e: Error) => {
      throw new UsageError(`clean: ${e.message}`); // exit 2, as --help says
    });
    if (v["dry-run"]) for (const f of files) io.out.write(`${f}\n`);
    io.out.write(`${store}: ${v["dry-run"] ? "would remove" : "removed"} ${files.length} temporary file${files.length === 1 ? "" : "s"} (${formatBytes(bytes)}) left by interrupted writes\n`);
    return 0;
  },
);

// ---------------------------------------------------------------------------------------------------- verify
const verify = command(
  "verify",
  "Prove a store whole: decode every chunk, check it against its rank's manifest",
  "Reads every chunk of a store once and decodes it with zarrita and numcodecs.js (independent of the writer);\nchecks shard indexes, each complete rank's chunks against its manifest, and keys that do not belong.",
  "<store> [--json] [--concurrency N]",
  `
<store> is a directory path or a file: URL, used as given, or s3://bucket/prefix.

For every chunk (and every inner chunk of a shard): it decodes to its element count x dtype size. For every
shard: its index's CRC-32C matches and each entry lies within the shard. For every complete rank: each chunk
its manifest (/.xpartition/ranks/<rank>.chunks) lists is present with the same length and XXH64 (a byte
changed in a compressed chunk often still decodes), and no other chunk is in its region. Also listed: keys
under an array that are not chunks of its grid, keys at the root that are not zarr metadata, ranks without a
completion record, and (as warnings) temporary files of interrupted writes ('xpartition clean' removes them).

options:
  --json              print the report as JSON (its schema: README, "Verifying a store")
  --concurrency N     chunks read and decoded at once (default 8); memory holds at most N chunks or shards

On a terminal a live line on stderr shows chunks checked, MB/s and ETA. Problems are listed with the ranks
to write again, as 'xpartition status' prints them (resubmit: --array=...).

exit status: 0 whole, 1 problems found, 2 error (not a store, an initialisation that did not complete, a bad
command line)
`,
  { json: { type: "boolean" }, concurrency: { type: "string" } },
  { min: 1, max: 1, names: ["store"] },
  async (v, [store], io) => {
    const concurrency = intOption("verify", v, "concurrency", 1, 1024) ?? 8;
    const path = storePath(store!, io);
    let report;
    try {
      checkStoreRoot("verify", path, store!);
      report = await verifyStore(path, { concurrency, where: store!, onProgress: v.json ? undefined : verifyProgressReporter(io.err) });
    } catch (e) {
      // A store that cannot be verified exits 2, as --help says (1 means problems found); named as given.
      if (e instanceof UsageError) throw e;
      throw new UsageError((e as Error).message.split(path).join(store!));
    }
    io.out.write(v.json ? JSON.stringify(report, null, 2) + "\n" : formatReport(report));
    return report.ok ? 0 : 1;
  },
);

// ---------------------------------------------------------------------------------------------------- demo
const demo = command(
  "demo",
  "Write the demo dataset D1 on local worker threads",
  "Writes the benchmark dataset D1 (float32 temp and wind over time, tile, y, x; chunks 8x1x256x256) to a local\nstore on the worker pool, with progress: the job of 'npm run demo'.",
  "[store] [--time N] [--ranks N] [--workers W] [--zarr-format 2|3]",
  `
[store] defaults to ./d1.zarr (replaced if it exists).

options:
  --time N            length of the time dimension (default 96: 96x6x256x256, 2 variables, 302 MB)
  --ranks N           ranks, partitioned over time (default 4)
  --workers W         worker threads (default: the available cores)
  --zarr-format 2|3   zarr format (default 3)

exit status: 0 written, 1 error, 2 a bad command line, 143 stopped by SIGTERM, 130 stopped by SIGINT
`,
  { time: { type: "string" }, ranks: { type: "string" }, workers: { type: "string" }, "zarr-format": { type: "string" } },
  { min: 0, max: 1, names: ["store"] },
  async (v, [store], io) => {
    const time = intOption("demo", v, "time", 1) ?? 96;
    const ranks = intOption("demo", v, "ranks", 1) ?? 4;
    const workers = intOption("demo", v, "workers", 1, 1024);
    const zarrFormat = choiceOption("demo", v, "zarr-format", ["2", "3"] as const);
    const path = storePath(store ?? "d1.zarr", io);
    const url = demoDatasetUrl(time);
    const ds = (await loadDatasetExport(url, { check: isDataset })) as Dataset;
    io.out.write(`D1: ${Object.entries(ds.sizes).map(([d, n]) => `${d}=${n}`).join(", ")} -> ${path} (zarr v${zarrFormat ?? 3}, ${ranks} ranks over time, Blosc lz4+shuffle)\n`);
    for (const [name, da] of Object.entries(ds.dataVars)) {
      const chunks = da.chunks!;
      io.out.write(`  ${name.padEnd(5)} ${da.dtype} [${da.shape.join(", ")}] chunks [${chunks.map((c) => c[0]).join(", ")}] (${chunks.reduce((p, c) => p * c.length, 1)} chunks)\n`);
    }
    return runPool("demo", { dataset: url, store: path, ranks, dims: ["time"], workers, resume: false, mode: "w", zarrFormat: zarrFormat ? (Number(zarrFormat) as 2 | 3) : undefined }, io);
  },
);

export const COMMANDS: Record<string, Command> = { plan, init, write, run, status, verify, clean, demo };
