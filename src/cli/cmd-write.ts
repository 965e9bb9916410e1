// The CLI's `write` (one rank, a batch system's array task), `run` (every rank on a local pool) and `demo`.
import type { Dataset } from "../model/dataset.js";
import { choiceOption, dimsOption, formatRankList, intOption } from "./args.js";
import { listenForStop, SIGNAL_EXIT } from "./signals.js";
import { formatBytes, formatDuration, progressReporter } from "./progress.js";
import { loadDatasetExport } from "../run/load.js";
import { resolveRank, RANK_VARIABLES } from "../run/rank.js";
import { checkPlan, PlanError, readPlan } from "../run/records.js";
import { requireCompleteInit } from "../write/state.js";
import { availableCores, writeAll, WriteAllError } from "../run/pool.js";
import { isDataset, mapperPlan, resolveStore, writePartition, demoDatasetUrl } from "../run/backend.js";
import { datasetOf, outputOptions, SOURCE_HELP, SOURCE_OPTIONS, specFromArgs } from "./sources.js";
import type { SourceSpec } from "../sources/source-spec.js";
import { command, EXPORT_HELP, staleAfterOption, planArgs, storePath, writeSpec, type Io } from "./command.js";

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
    // (The worker threads were started by main from the raw arguments; writeAll tops them up before init.)
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

export { write, run, demo };
