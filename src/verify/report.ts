// verifyStore's report (also `xpartition verify --json`, schema in the README, "Verifying a store") and its
// text form.
import { formatBytes } from "../cli/progress.js";

/** What a problem is about. Every kind but "temporary" and "no-manifest" makes the store not whole. */
export type ProblemKind =
  | "rank" //          a rank without a valid completion record (missing, stale or invalid)
  | "manifest" //      a complete rank's manifest absent, unreadable, or not the one its record names
  | "missing" //       a chunk a complete rank's manifest lists is not in the store
  | "length" //        a chunk's byte length differs from its manifest's
  | "hash" //          a chunk's XXH64 differs from its manifest's (its bytes changed)
  | "unlisted" //      a chunk in a complete rank's region that its manifest does not list (another writer's)
  | "read" //          reading a chunk failed
  | "decode" //        zarrita/numcodecs.js could not decode a chunk (or an inner chunk of a shard)
  | "size" //          a chunk decoded to another size than its element count x dtype size
  | "shard-index" //   a shard shorter than its index, or an index entry outside the shard
  | "shard-crc" //     a shard index whose CRC-32C does not match
  | "outside-grid" //  a key under an array that is not a chunk key of its grid
  | "stray-key" //     a key at the root that is neither zarr metadata nor under /.xpartition/
  | "metadata"; //     metadata that readers would not see as the writer meant (consolidated vs own, schema)

export type WarningKind =
  | "temporary" //     a temporary file of an interrupted filesystem write (xpartition clean removes it)
  | "no-manifest"; //  a complete rank whose record names no manifest (written before manifests)

export interface VerifyProblem {
  kind: ProblemKind;
  message: string;
  /** The store key concerned. */
  key?: string;
  variable?: string;
  /** Grid index of the chunk (the shard for sharded arrays). */
  chunk?: number[];
  /** Inner chunk number within the shard (C order). */
  inner?: number;
  /** The rank that writes the chunk (or whose record or manifest it is): resubmit it. */
  rank?: number;
}

export interface VerifyWarning {
  kind: WarningKind;
  message: string;
  key?: string;
  rank?: number;
}

export interface VerifyArray {
  name: string;
  shape: number[];
  /** Chunk shape of the grid (shard shape when sharded). */
  chunks: number[];
  dtype: string;
  /** Inner chunk shape of sharded arrays, else null. */
  innerChunks: number[] | null;
  /** Chunks of the grid in all, and those present in the store. */
  gridChunks: number;
  present: number;
}

export interface VerifyReport {
  /** The store as given. */
  store: string;
  /** true when no problem was found (warnings allowed). */
  ok: boolean;
  zarrFormat: 2 | 3;
  consolidated: boolean;
  /** Whether the store carries xpartition's records (/.xpartition/). */
  xpartition: boolean;
  arrays: VerifyArray[];
  /** The plan and the ranks' state, or null for a store without a plan or records. */
  ranks: { ranks: number; dims: string[]; complete: number[]; missing: number[]; manifests: number } | null;
  chunks: {
    /** Chunks (shards) read and decoded. */
    checked: number;
    /** Inner chunks of shards decoded. */
    inner: number;
    /** Bytes read. */
    bytes: number;
    /** Chunks checked against a manifest. */
    manifested: number;
  };
  /** Problems found, at most `maxProblems` of them (`problemCount` has them all). */
  problems: VerifyProblem[];
  problemCount: number;
  /** Problems per kind (all of them). */
  problemKinds: Partial<Record<ProblemKind, number>>;
  warnings: VerifyWarning[];
  /** Ranks to write again: those without a valid record and those owning a bad or missing chunk. */
  resubmitRanks: number[];
  /** SLURM's form, as `xpartition status` prints it: `--array=3,7` (null when none). */
  resubmit: string | null;
  /** What could not be checked on this store, and why. */
  notChecked: string[];
  seconds: number;
}

/** The report as text: a summary, then each problem and warning on a line. */
export function formatReport(r: VerifyReport, maxLines = 200): string {
  const out: string[] = [];
  const arrays = r.arrays.map((a) => `${a.name || "/"} ${a.present}/${a.gridChunks}`).join(", ");
  out.push(`${r.store}: zarr v${r.zarrFormat}${r.consolidated ? ", consolidated" : ""}, ${r.arrays.length} array${r.arrays.length === 1 ? "" : "s"} (chunks present/in grid: ${arrays || "none"})`);
  out.push(`checked: ${r.chunks.checked} chunks${r.chunks.inner ? ` (${r.chunks.inner} inner chunks of shards)` : ""}, ${formatBytes(r.chunks.bytes)}, ${r.chunks.manifested} against manifests, ${r.seconds.toFixed(2)} s`);
  if (r.ranks) {
    out.push(`ranks: ${r.ranks.complete.length} of ${r.ranks.ranks} complete over ${r.ranks.dims.join(",")}, ${r.ranks.manifests} manifests`);
  }
  for (const n of r.notChecked) out.push(`not checked: ${n}`);
  const lines = r.problems.slice(0, maxLines);
  for (const p of lines) out.push(`  ${p.kind}: ${p.message}`);
  if (r.problemCount > lines.length) out.push(`  ... and ${r.problemCount - lines.length} more problems (--json lists ${r.problems.length})`);
  for (const w of r.warnings.slice(0, maxLines)) out.push(`  warning (${w.kind}): ${w.message}`);
  if (r.warnings.length > maxLines) out.push(`  ... and ${r.warnings.length - maxLines} more warnings`);
  if (r.ok) out.push(`whole: every chunk decodes${r.chunks.manifested ? " and matches its rank's manifest" : ""}`);
  else {
    const kinds = Object.entries(r.problemKinds).map(([k, n]) => `${n} ${k}`).join(", ");
    out.push(`NOT whole: ${r.problemCount} problem${r.problemCount === 1 ? "" : "s"} (${kinds})`);
  }
  if (r.resubmit) out.push(`resubmit: ${r.resubmit}`);
  return out.join("\n") + "\n";
}
