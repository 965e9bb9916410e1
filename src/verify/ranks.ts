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
  key: string;
  length: number;
  xxh64: string;
  rank: number;
  /** Line number in the rank's manifest (0-based), for `markSeen`. */
  line: number;
}

const NL = 0x0a;
const TAB = 0x09;

/**
 * The manifests of complete ranks, kept as their own bytes with an index of line starts (about 5 bytes per chunk
 * beyond the manifest itself, no string per chunk): a chunk is looked up in its owner's manifest by binary
 * search (manifests are sorted by key, as JS compares strings), and each line is marked once its chunk is seen.
 */
export class Manifests {
  private readonly byRank = new Map<number, { bytes: Uint8Array; starts: Uint32Array; seen: Uint8Array }>();
  private readonly dec = new TextDecoder();

  get size(): number {
    return this.byRank.size;
  }

  /** Add rank `rank`'s manifest; throws naming the first line that is malformed or out of order. Returns its chunk count. */
  add(rank: number, bytes: Uint8Array): number {
    const starts: number[] = [];
    let prev: string | undefined;
    for (let at = 0, line = 1; at < bytes.length; line++) {
      let end = bytes.indexOf(NL, at);
      if (end < 0) end = bytes.length;
      const text = this.dec.decode(bytes.subarray(at, end));
      const m = /^(\/[^\t]*)\t(\d+)\t([0-9a-f]{16})$/.exec(text);
      if (!m) throw new Error(`${manifestKey(rank)} line ${line} is not "<key>\\t<length>\\t<xxh64>": ${JSON.stringify(text.slice(0, 120))}`);
      if (prev !== undefined && !(prev < m[1]!)) throw new Error(`${manifestKey(rank)} line ${line}: ${m[1]} is not after ${prev} (a manifest is sorted by key)`);
      prev = m[1]!;
      starts.push(at);
      at = end + 1;
    }
    this.byRank.set(rank, { bytes, starts: Uint32Array.from(starts), seen: new Uint8Array(starts.length) });
    return starts.length;
  }

  private entry(rank: number, line: number): ManifestEntry {
    const m = this.byRank.get(rank)!;
    const at = m.starts[line]!;
    let end = m.bytes.indexOf(NL, at);
    if (end < 0) end = m.bytes.length;
    const [key, length, xxh64] = this.dec.decode(m.bytes.subarray(at, end)).split("\t") as [string, string, string];
    return { key, length: Number(length), xxh64, rank, line };
  }

  private keyAt(m: { bytes: Uint8Array; starts: Uint32Array }, line: number): string {
    const at = m.starts[line]!;
    return this.dec.decode(m.bytes.subarray(at, m.bytes.indexOf(TAB, at)));
  }

  /** `key` in rank `rank`'s manifest, or undefined (also when the rank has no manifest here). */
  lookup(rank: number, key: string): ManifestEntry | undefined {
    const m = this.byRank.get(rank);
    if (!m) return undefined;
    let lo = 0, hi = m.starts.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const k = this.keyAt(m, mid);
      if (k === key) return this.entry(rank, mid);
      if (k < key) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  }

  /** `key` in any manifest (for chunks whose owner is unknown). */
  find(key: string): ManifestEntry | undefined {
    for (const rank of this.byRank.keys()) {
      const e = this.lookup(rank, key);
      if (e) return e;
    }
    return undefined;
  }

  has(rank: number): boolean {
    return this.byRank.has(rank);
  }

  markSeen(e: ManifestEntry): void {
    this.byRank.get(e.rank)!.seen[e.line] = 1;
  }

  /** Every entry whose chunk was not seen, rank by rank. */
  *unseen(): Generator<ManifestEntry> {
    for (const [rank, m] of this.byRank) for (let i = 0; i < m.seen.length; i++) if (!m.seen[i]) yield this.entry(rank, i);
  }
}

/** The manifest's XXH64 as its record carries it. */
export const manifestHash = (bytes: Uint8Array): string => xxh64Hex(bytes);
