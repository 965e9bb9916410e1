// Which rank this process is, from the environment of the engine that started it. An array job hands each
// task its index in an engine-specific variable; the first one set (in this order) wins.
import process from "node:process";

/**
 * The variables read, in priority order, with the engine that sets each. `first` is the engine's first index
 * (rank 0): SGE and LSF number array tasks from 1. `unset` is a value the engine writes outside an array job.
 */
export const RANK_VARIABLES: readonly { readonly name: string; readonly engine: string; readonly first?: number; readonly unset?: string }[] = [
  { name: "SLURM_ARRAY_TASK_ID", engine: "SLURM array job" },
  { name: "JOB_COMPLETION_INDEX", engine: "Kubernetes Indexed Job" },
  { name: "AWS_BATCH_JOB_ARRAY_INDEX", engine: "AWS Batch array job" },
  { name: "CLOUD_RUN_TASK_INDEX", engine: "Cloud Run job" },
  { name: "BATCH_TASK_INDEX", engine: "Google Batch" },
  { name: "PBS_ARRAY_INDEX", engine: "PBS Pro / OpenPBS array job" },
  { name: "PBS_ARRAYID", engine: "Torque array job" },
  { name: "SGE_TASK_ID", engine: "Grid Engine array job (tasks from 1)", first: 1, unset: "undefined" },
  { name: "LSB_JOBINDEX", engine: "LSF job array (indices from 1)", first: 1, unset: "0" },
  { name: "OMPI_COMM_WORLD_RANK", engine: "Open MPI" },
  { name: "PMI_RANK", engine: "MPICH / Intel MPI" },
];

export class RankEnvError extends Error {
  override name = "RankEnvError";
}

export interface DetectedRank {
  rank: number;
  /** Where it came from: an environment variable's name, or "--rank". */
  source: string;
  /** The variable's value, where it is not the rank itself (engines numbering tasks from 1). */
  value?: string;
}

/** A non-negative integer written in decimal digits, or undefined. */
function parseIndex(value: string): number | undefined {
  const v = value.trim();
  if (!/^\d+$/.test(v)) return undefined;
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** The rank from the first engine variable that is set (non-empty), or undefined when none is. */
export function rankFromEnv(env: Record<string, string | undefined> = process.env): DetectedRank | undefined {
  for (const { name, first = 0, unset } of RANK_VARIABLES) {
    const value = env[name];
    if (value === undefined || value === "" || value === unset) continue;
    const index = parseIndex(value);
    if (index === undefined || index < first) {
      const want = first ? `an integer from ${first} (its first task is rank 0)` : "a non-negative integer";
      throw new RankEnvError(`${name}=${JSON.stringify(value)} is not a rank: expected ${want}`);
    }
    return first ? { rank: index - first, source: name, value } : { rank: index, source: name };
  }
  return undefined;
}

/**
 * The rank to write: `explicit` (e.g. `--rank`) if given, else from the environment. Checked against
 * `ranks` when given. Throws a RankEnvError that lists the variables when there is none.
 */
export function resolveRank(
  explicit: number | string | undefined,
  options: { ranks?: number; env?: Record<string, string | undefined> } = {},
): DetectedRank {
  let found: DetectedRank | undefined;
  if (explicit !== undefined) {
    const rank = typeof explicit === "number" ? (Number.isSafeInteger(explicit) && explicit >= 0 ? explicit : undefined) : parseIndex(explicit);
    if (rank === undefined) throw new RankEnvError(`--rank ${JSON.stringify(String(explicit))} is not a rank: expected a non-negative integer`);
    found = { rank, source: "--rank" };
  } else {
    found = rankFromEnv(options.env ?? process.env);
  }
  if (!found) {
    throw new RankEnvError(
      `no rank: pass --rank R or run under an engine that sets one of ${RANK_VARIABLES.map((v) => v.name).join(", ")}`,
    );
  }
  const { ranks } = options;
  if (ranks !== undefined && found.rank >= ranks) {
    const from = found.source === "--rank" ? `--rank ${found.rank}` : found.value !== undefined ? `${found.source}=${found.value} (rank ${found.rank})` : `${found.source}=${found.rank}`;
    throw new RankEnvError(`${from} is out of range: the plan has ${ranks} ranks (0..${ranks - 1})`);
  }
  return found;
}
