// What each rank would write: per chunked variable and rank, its region, chunk count and bytes (uncompressed),
// the idle ranks and the spread of work. Backs `xpartition plan` and writeAll's progress totals.
import { Dataset } from "../model/dataset.js";
import { dtypeInfo } from "../model/dtypes.js";
import { datasetPartitionIndexers } from "../plan/partition.js";
import { chunkStarts } from "../plan/blocks.js";
import type { VariableEncoding } from "../write/encoding.js";
import { planningCollection } from "../write/sharding.js";

export interface PlanReport {
  ranks: number;
  dims: string[];
  variables: {
    name: string;
    dims: string[];
    shape: number[];
    chunks: number[];
    dtype: string;
    perRank: { rank: number; region: [number, number][] | null; chunks: number; bytes: number }[];
  }[];
  /** Totals per rank over every variable. */
  perRank: { rank: number; chunks: number; bytes: number }[];
  /** Ranks with nothing to write in any variable. */
  idle: number[];
  spread: { minChunks: number; maxChunks: number; minBytes: number; maxBytes: number; imbalance: number };
}

/** First chunk index whose end is past `at` (binary search over the chunk starts). */
function chunkAt(starts: Float64Array, at: number): number {
  let lo = 0, hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (starts[mid + 1]! <= at) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Chunks of a 1-d chunk list that [start, stop) overlaps: O(log chunks), so many ranks stay cheap. */
function chunksIn(lengths: readonly number[], start: number, stop: number): number {
  if (stop <= start) return 0;
  const starts = chunkStarts(lengths);
  return chunkAt(starts, stop - 1) - chunkAt(starts, start) + 1;
}

/** `encoding`: the per-variable overrides given to initializeStore (sharded variables are planned on shards). */
export function describePlan(ds: Dataset, ranks: number, dims: readonly string[], encoding?: Record<string, VariableEncoding>): PlanReport {
  // The zarr chunk grid of each variable (shards where sharded): what the writer plans on and counts.
  const grid = planningCollection(ds, encoding).variables;
  const vars = Object.entries(ds.variables).filter(([, v]) => v.chunks !== null).map(([name, v]) => [name, { dims: v.dims, shape: v.shape, dtype: v.dtype, chunks: grid[name]!.chunks }] as const);
  const report: PlanReport = {
    ranks, dims: [...dims], variables: [], perRank: [], idle: [],
    spread: { minChunks: 0, maxChunks: 0, minBytes: 0, maxBytes: 0, imbalance: 1 },
  };
  for (const [name, v] of vars) {
    report.variables.push({ name, dims: [...v.dims], shape: [...v.shape], chunks: v.chunks!.map((c) => c[0] ?? 0), dtype: v.dtype, perRank: [] });
  }
  for (let rank = 0; rank < ranks; rank++) {
    const regions = datasetPartitionIndexers({ variables: grid }, ranks, rank, dims);
    let chunks = 0, bytes = 0;
    vars.forEach(([name, v], i) => {
      const region = regions[name] ?? null;
      let c = 0, b = 0, ranges: [number, number][] | null = null;
      if (region) {
        ranges = v.dims.map((d) => [region[d]!.start, region[d]!.stop] as [number, number]);
        c = 1;
        b = dtypeInfo(v.dtype).size;
        ranges.forEach(([a, z], axis) => {
          c *= chunksIn(v.chunks![axis]!, a, z);
          b *= z - a;
        });
        if (b === 0) c = 0;
      }
      report.variables[i]!.perRank.push({ rank, region: ranges, chunks: c, bytes: b });
      chunks += c;
      bytes += b;
    });
    report.perRank.push({ rank, chunks, bytes });
    if (chunks === 0) report.idle.push(rank);
  }
  // Loops, not Math.min(...xs): spreading one argument per rank overflows the stack at ~10^5 ranks.
  let minChunks = Infinity, maxChunks = 0, minBytes = Infinity, maxBytes = 0, sum = 0;
  for (const r of report.perRank) {
    minChunks = Math.min(minChunks, r.chunks);
    maxChunks = Math.max(maxChunks, r.chunks);
    minBytes = Math.min(minBytes, r.bytes);
    maxBytes = Math.max(maxBytes, r.bytes);
    sum += r.bytes;
  }
  const mean = sum / Math.max(1, report.perRank.length);
  report.spread = { minChunks, maxChunks, minBytes, maxBytes, imbalance: mean > 0 ? maxBytes / mean : 1 };
  return report;
}
