// Property tests of the planner on random shapes, regular and irregular chunkings, rank counts and dim
// orders (seeded, so failures reproduce): regions are disjoint, chunk-aligned and cover the array exactly,
// and both blockIndexers and partitionIndexers match straightforward reimplementations of xpartition.
import { describe, expect, it } from "vitest";
import { blockIndexers, partitionIndexers, partitionRegions, regionToRanges, fromArray, type Region, type IndexRange, type BlockIndexer } from "../../src/index.js";
import { metaChunkSizes, copyRegion } from "../../src/internal.js";
import { rng as mulberry32 } from "../helpers/rng.js";


const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

interface Case {
  dims: string[];
  shape: number[];
  chunks: number[][];
  ranks: number;
  pdims: string[];
}

function randomCase(rnd: () => number): Case {
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const shuffle = <T>(xs: T[]) => {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = int(0, i);
      [xs[i], xs[j]] = [xs[j]!, xs[i]!];
    }
    return xs;
  };
  const ndim = int(1, 4);
  const dims = shuffle(["time", "tile", "y", "x", "z"]).slice(0, ndim);
  const shape: number[] = [];
  const chunks = dims.map(() => {
    const size = rnd() < 0.05 ? 0 : int(1, 40);
    shape.push(size);
    if (size === 0) return [0];
    if (rnd() < 0.5) {
      // Regular: a chunk length, the last chunk shorter.
      const c = int(1, size);
      const out = new Array<number>(Math.floor(size / c)).fill(c);
      if (size % c) out.push(size % c);
      return out;
    }
    // Irregular: random cut points.
    const out: number[] = [];
    let left = size;
    while (left > 0) {
      const c = int(1, Math.min(left, 12));
      out.push(c);
      left -= c;
    }
    return out;
  });
  const ranks = rnd() < 0.1 ? 1 : int(1, 40);
  const pdims = shuffle([...dims]).slice(0, int(0, ndim));
  return { dims, shape, chunks, ranks, pdims };
}

/** The algorithm as the issue states it, written independently: explicit meta-block lists and a C-order product. */
function referencePartition(c: Case): (Region | null)[] {
  const n: Record<string, number> = {};
  c.dims.forEach((d, i) => (n[d] = c.chunks[i]!.length));
  const s: Record<string, number> = {};
  const walked: string[] = [];
  for (const d of c.pdims) {
    let b = 1;
    for (const w of walked) b *= Math.ceil(n[w]! / s[w]!);
    s[d] = Math.min(Math.ceil(n[d]! / Math.floor(c.ranks / b)), n[d]!);
    walked.push(d);
  }
  // Per axis, the meta-blocks as [first chunk, end chunk).
  const metas = c.dims.map((d) => {
    const size = d in s ? s[d]! : n[d]!;
    const list: [number, number][] = [];
    for (let k = 0; k < n[d]!; k += size) list.push([k, Math.min(k + size, n[d]!)]);
    return list;
  });
  // C order over the array's own dims: the last axis varies fastest.
  let grid: [number, number][][] = [[]];
  for (const list of metas) grid = grid.flatMap((prefix) => list.map((m) => [...prefix, m]));
  const regions: (Region | null)[] = [];
  for (let r = 0; r < c.ranks; r++) {
    const cell = grid[r];
    if (!cell) {
      regions.push(null);
      continue;
    }
    const region: Region = {};
    c.dims.forEach((d, i) => {
      const ch = c.chunks[i]!;
      region[d] = { start: sum(ch.slice(0, cell[i]![0])), stop: sum(ch.slice(0, cell[i]![1])) };
    });
    regions.push(region);
  }
  return regions;
}

/** xpartition's blocks.indexers for integers the original accepts and for slices, with JS slice = Python slice. */
function referenceBlockRange(ch: number[], ix: BlockIndexer): IndexRange {
  let sl: { start?: number | null; stop?: number | null };
  if (typeof ix === "number") sl = ix === -1 ? { start: -1, stop: null } : { start: ix, stop: ix + 1 };
  else sl = ix;
  const start = sl.start === undefined || sl.start === null ? 0 : sum(ch.slice(0, sl.start));
  const stop = sum(sl.stop === undefined || sl.stop === null ? ch : ch.slice(0, sl.stop));
  return { start, stop };
}

const boundaries = (ch: number[]) => {
  const b = new Set([0]);
  let acc = 0;
  for (const x of ch) b.add((acc += x));
  return b;
};

const CASES = 400;

describe("partition planner properties", () => {
  it(`${CASES} random cases: disjoint, chunk-aligned, exact cover; same as the reference`, () => {
    const rnd = mulberry32(20240601);
    for (let t = 0; t < CASES; t++) {
      const c = randomCase(rnd);
      const arr = { dims: c.dims, chunks: c.chunks };
      const ctx = JSON.stringify(c);
      const regions = partitionRegions(arr, c.ranks, c.pdims);
      expect(regions, ctx).toEqual(referencePartition(c));
      for (let r = 0; r < c.ranks; r++) expect(partitionIndexers(arr, c.ranks, r, c.pdims), ctx).toEqual(regions[r]);
      // Meta-block count never exceeds ranks (so floor(ranks / b) >= 1 at every step).
      const s = metaChunkSizes(arr, c.ranks, c.pdims);
      const metaCount = c.dims.reduce((p, d, i) => p * (d in s ? Math.ceil(c.chunks[i]!.length / s[d]!) : 1), 1);
      expect(metaCount, ctx).toBeLessThanOrEqual(c.ranks);
      // Non-null regions come first, one per meta-block.
      const live = regions.filter((r): r is Region => r !== null);
      expect(regions.slice(0, live.length).every((r) => r !== null), ctx).toBe(true);
      expect(live.length, ctx).toBe(metaCount);
      const bounds = c.chunks.map(boundaries);
      let volume = 0;
      for (const reg of live) {
        expect(Object.keys(reg).sort(), ctx).toEqual([...c.dims].sort());
        c.dims.forEach((d, i) => {
          expect(bounds[i]!.has(reg[d]!.start) && bounds[i]!.has(reg[d]!.stop), `${ctx} ${d}`).toBe(true);
          expect(reg[d]!.stop, ctx).toBeGreaterThanOrEqual(reg[d]!.start);
          // Dims that are not partitioned are whole.
          if (!c.pdims.includes(d)) expect(reg[d], ctx).toEqual({ start: 0, stop: c.shape[i] });
        });
        volume += c.dims.reduce((p, d) => p * (reg[d]!.stop - reg[d]!.start), 1);
      }
      for (let a = 0; a < live.length; a++) {
        for (let b = a + 1; b < live.length; b++) {
          const overlap = c.dims.every((d) => Math.max(live[a]![d]!.start, live[b]![d]!.start) < Math.min(live[a]![d]!.stop, live[b]![d]!.stop));
          expect(overlap, `${ctx} ranks ${a},${b}`).toBe(false);
        }
      }
      expect(volume, ctx).toBe(c.shape.reduce((p, x) => p * x, 1));
    }
  });

  it("covering, by filling: computing every rank's region of a lazy array rebuilds it exactly once", async () => {
    const rnd = mulberry32(7);
    for (let t = 0; t < 100; t++) {
      let c = randomCase(rnd);
      while (c.shape.reduce((p, x) => p * x, 1) > 5000) c = randomCase(rnd);
      const total = c.shape.reduce((p, x) => p * x, 1);
      const src = Float64Array.from({ length: total }, (_, i) => i + 1);
      const lazyArr = fromArray(src, c.shape, { chunks: c.chunks });
      const da = { dims: c.dims, shape: c.shape, chunks: lazyArr.chunks };
      const hits = new Float64Array(total);
      const got = new Float64Array(total);
      for (const region of partitionRegions(da, c.ranks, c.pdims)) {
        if (!region) continue;
        const ranges = regionToRanges(da, region);
        const block = (await lazyArr.compute(ranges)) as Float64Array;
        // Scatter back with a naive index walk.
        let p = 0;
        const idx = ranges.map((r) => r.start);
        const n = ranges.reduce((q, r) => q * (r.stop - r.start), 1);
        for (let k = 0; k < n; k++) {
          let lin = 0;
          for (let a = 0; a < idx.length; a++) lin = lin * c.shape[a]! + idx[a]!;
          got[lin] = block[p++]!;
          hits[lin]!++;
          for (let a = idx.length - 1; a >= 0; a--) {
            if (++idx[a]! < ranges[a]!.stop) break;
            idx[a] = ranges[a]!.start;
          }
        }
      }
      expect(hits.every((h) => h === 1), JSON.stringify(c)).toBe(true);
      expect(got).toEqual(src);
    }
  });
});

describe("blockIndexers properties", () => {
  it("match xpartition's slice arithmetic on random chunkings and indexers", () => {
    const rnd = mulberry32(99);
    const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
    for (let t = 0; t < 500; t++) {
      const c = randomCase(rnd);
      const arr = { dims: c.dims, chunks: c.chunks };
      const ix: Record<string, BlockIndexer> = {};
      const want: Region = {};
      c.dims.forEach((d, i) => {
        const n = c.chunks[i]!.length;
        const k = rnd();
        if (k < 0.2) return;
        let v: BlockIndexer;
        if (k < 0.5) v = int(-n + 1, n - 1); // the integers xpartition accepts
        else {
          const end = () => (rnd() < 0.25 ? null : int(-n - 3, n + 3));
          const sl: { start?: number | null; stop?: number | null } = {};
          const a = end();
          const b = end();
          if (a !== null || rnd() < 0.5) sl.start = a;
          if (b !== null || rnd() < 0.5) sl.stop = b;
          v = sl;
        }
        ix[d] = v;
        want[d] = referenceBlockRange(c.chunks[i]!, v);
      });
      const got = blockIndexers(arr, ix);
      c.dims.forEach((d, i) => {
        expect(got[d], JSON.stringify({ c, ix })).toEqual(want[d] ?? { start: 0, stop: c.shape[i] });
      });
    }
  });
});

describe("copyRegion", () => {
  it("matches a naive element walk on random shapes and regions", () => {
    const rnd = mulberry32(3);
    const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
    for (let t = 0; t < 300; t++) {
      const shape = Array.from({ length: int(0, 4) }, () => int(1, 6));
      const total = shape.reduce((p, x) => p * x, 1);
      const src = Int32Array.from({ length: total }, (_, i) => i);
      const region = shape.map((s) => {
        const a = int(0, s);
        const b = rnd() < 0.3 ? s : int(a, s);
        return rnd() < 0.3 ? { start: 0, stop: s } : { start: a, stop: b };
      });
      const n = region.reduce((p, r) => p * (r.stop - r.start), 1);
      const want: number[] = [];
      for (let lin = 0; lin < total; lin++) {
        let rest = lin;
        const idx = new Array<number>(shape.length);
        for (let a = shape.length - 1; a >= 0; a--) {
          idx[a] = rest % shape[a]!;
          rest = Math.floor(rest / shape[a]!);
        }
        if (idx.every((x, a) => x >= region[a]!.start && x < region[a]!.stop)) want.push(lin);
      }
      const got = copyRegion(src, shape, region, new Int32Array(n));
      expect([...got], JSON.stringify({ shape, region })).toEqual(want);
    }
  });
});
