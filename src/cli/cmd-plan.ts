// The CLI's `plan` (what each rank writes) and `init` (metadata, small variables, the records ranks rebuild from).
import type { Dataset } from "../model/dataset.js";
import { choiceOption, dimsOption, formatRankList, intOption } from "./args.js";
import { formatBytes } from "./progress.js";
import { RANK_VARIABLES } from "../run/rank.js";
import { describePlan, initializeStore, mapperPlan } from "../run/backend.js";
import { datasetOf, outputOptions, SOURCE_HELP, SOURCE_OPTIONS, specFromArgs } from "./sources.js";
import { sourceZarrFormat } from "../sources/source-spec.js";
import { planReadAmplification } from "../write/amplification.js";
import { DEFAULT_MEMORY_BUDGET } from "../write/write.js";
import { command, EXPORT_HELP, cliMode, staleAfterOption, planArgs, storePath } from "./command.js";

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

export { plan, init };
