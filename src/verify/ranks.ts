// The rank side of verify: which rank wrote a chunk (from the recorded plan and schema, as the writer
// partitions), and the per-chunk manifests of complete ranks (`/.xpartition/ranks/<rank>.chunks`: lines
// `<key>\t<byte length>\t<xxh64 hex>\n`, sorted by key, whose XXH64 the rank's completion record carries).
import { metaChunkSizes } from "../plan/partition.js";
import { xxh64Hex } from "../kernels/xxh64.js";
import { manifestKey } from "../write/state.js";
import type { Schema } from "../write/schema.js";

/** The chunk grid (for sharded variables the shard grid) of each chunked variable, as ranks partition it. */
export class RankOwners {
  private readonly vars = new Map<string, { size: number[]; counts: number[] }>();

  constructor(schema: Schema, ranks: number, dims: readonly string[]) {
    for (const [name, v] of Object.entries(schema.variables)) {
      if (!v.chunks) continue;
      const grid = v.shape.map((n, d) => Math.ceil(n / v.chunks![d]!));
      const chunked = { name, dims: v.dims, chunks: grid.map((g, d) => Array.from({ length: g }, () => v.chunks![d]!)) };
      let s: Record<string, number>;
      try {
        s = metaChunkSizes(chunked, ranks, dims.filter((d) => v.dims.includes(d)));
      } catch {
        continue; // a plan that does not fit this schema: owners unknown, verify still checks the chunks
      }
      const size = v.dims.map((d, axis) => (Object.prototype.hasOwnProperty.call(s, d) ? s[d]! : Math.max(grid[axis]!, 1)));
      this.vars.set(name, { size, counts: grid.map((g, axis) => Math.ceil(g / size[axis]!)) });
    }
  }

  /** The rank that writes chunk `idx` of `variable`, or undefined (an unchunked variable: init writes it). */
  owner(variable: string, idx: readonly number[]): number | undefined {
    const v = this.vars.get(variable);
    if (!v || idx.length !== v.size.length) return undefined;
    let r = 0;
    for (let axis = 0; axis < idx.length; axis++) r = r * v.counts[axis]! + Math.floor(idx[axis]! / v.size[axis]!);
    return r;
  }
}

export interface ManifestEntry {
  length: number;
  xxh64: string;
  rank: number;
}

/** Parse a rank's manifest, or throw naming the line that is not `<key>\t<length>\t<xxh64>`. */
export function parseManifest(bytes: Uint8Array, rank: number, into: Map<string, ManifestEntry>): number {
  const text = new TextDecoder().decode(bytes);
  let n = 0;
  let line = 0;
  for (const l of text.split("\n")) {
    line++;
    if (l === "") continue;
    const m = /^(\/[^\t]*)\t(\d+)\t([0-9a-f]{16})$/.exec(l);
    if (!m) throw new Error(`${manifestKey(rank)} line ${line} is not "<key>\\t<length>\\t<xxh64>": ${JSON.stringify(l.slice(0, 120))}`);
    into.set(m[1]!, { length: Number(m[2]), xxh64: m[3]!, rank });
    n++;
  }
  return n;
}

/** The manifest's XXH64 as its record carries it. */
export const manifestHash = (bytes: Uint8Array): string => xxh64Hex(bytes);
