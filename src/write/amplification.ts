// The read amplification a rank's write of a rechunked source will have (src/model/read-amplification.ts),
// from the blocks the writer will compute: `write` warns once before writing when re-reads remain.
import { LazyArray } from "../model/lazy.js";
import { dtypeInfo, type DType } from "../model/dtypes.js";
import { readAmplification, readGridOf, type ReadAmplification } from "../model/read-amplification.js";
import type { IndexRange } from "../plan/blocks.js";
import { blocksOf } from "./blocks.js";
import type { VariablePlan } from "./plan.js";

/** Above this ratio (bytes read / bytes needed) `write` warns. */
export const AMPLIFICATION_WARN = 2;

/** The amplification of writing `region` of `v` under `budget`, when `v` is a rechunked source. */
export function sourceReadAmplification(v: VariablePlan, region: readonly IndexRange[], budget: number): ReadAmplification | undefined {
  const grid = v.source.data instanceof LazyArray ? readGridOf(v.source.data) : undefined;
  if (!grid || v.chunks === null) return undefined;
  const es = dtypeInfo(v.dtype).size;
  const chunkBytes = v.chunkShape.reduce((p, c) => p * c, es);
  return readAmplification(grid, blocksOf(region, v.chunkShape, es, Math.max(budget, chunkBytes)), es, budget);
}

const size = (b: number): string => (b >= 2 ** 20 ? `${(b / 2 ** 20).toFixed(1)} MiB` : `${(b / 1024).toFixed(1)} KiB`);

/** One warning naming every variable whose source would be read more than AMPLIFICATION_WARN times over. */
export function amplificationWarning(work: readonly { v: VariablePlan; region: readonly IndexRange[] }[], budget: number): string | undefined {
  const bad: string[] = [];
  for (const { v, region } of work) {
    const a = sourceReadAmplification(v, region, budget);
    if (a && a.ratio > AMPLIFICATION_WARN) bad.push(`${v.name} ${a.ratio.toFixed(1)}x (${size(a.bytesRead)} read for ${size(a.bytesNeeded)} of source chunks)`);
  }
  if (bad.length === 0) return undefined;
  return `xpartition: read amplification: ${bad.join("; ")}: the source chunks overlapping one row of output chunks do not fit in memoryBudget ` +
    `${budget}; raise memoryBudget or choose output chunks that contain whole source chunks`;
}

/**
 * Per variable whose data is a rechunked source: its read amplification over every rank of a plan (`plan`
 * prints it), each rank's blocks simulated as the writer will make them under `budget`.
 */
export function planReadAmplification(
  variables: Record<string, { data: unknown }>,
  plan: { variables: readonly { name: string; chunks: readonly number[]; dtype: string; perRank: readonly { region: readonly (readonly [number, number])[] | null }[] }[] },
  budget: number,
): Record<string, ReadAmplification> {
  const out: Record<string, ReadAmplification> = {};
  for (const v of plan.variables) {
    const grid = readGridOf(variables[v.name]?.data);
    if (!grid) continue;
    const es = dtypeInfo(v.dtype as DType).size;
    const chunkShape = [...v.chunks];
    const blockBudget = Math.max(budget, chunkShape.reduce((p, c) => p * c, es));
    let bytesRead = 0, bytesNeeded = 0;
    for (const r of v.perRank) {
      if (!r.region) continue;
      const a = readAmplification(grid, blocksOf(r.region.map(([start, stop]) => ({ start, stop })), chunkShape, es, blockBudget), es, budget);
      bytesRead += a.bytesRead;
      bytesNeeded += a.bytesNeeded;
    }
    out[v.name] = { bytesRead, bytesNeeded, ratio: bytesNeeded ? bytesRead / bytesNeeded : 1 };
  }
  return out;
}
