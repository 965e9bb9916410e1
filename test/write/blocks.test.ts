import { describe, expect, it } from "vitest";
import { blocksOf, CONTIGUOUS_MIN_CHUNK } from "../../src/write/blocks.js";

function rng(seed: number) {
  return () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
}

describe("blocksOf", () => {
  it("covers a chunk-aligned region exactly with disjoint blocks of whole chunks within the budget", () => {
    const r = rng(7);
    for (let trial = 0; trial < 300; trial++) {
      const nd = 1 + Math.floor(r() * 4);
      const big = r() < 0.3;
      const chunk = Array.from({ length: nd }, (_, d) => (big && d > 0 ? 64 + Math.floor(r() * 64) : 1 + Math.floor(r() * 4)));
      const shape = chunk.map((c) => c * (1 + Math.floor(r() * 4)) - Math.floor(r() * c));
      const region = shape.map((s, d) => {
        const n = Math.ceil(s / chunk[d]!);
        const a = Math.floor(r() * n), b = a + 1 + Math.floor(r() * (n - a));
        return { start: a * chunk[d]!, stop: Math.min(b * chunk[d]!, s) };
      });
      const es = [1, 2, 4, 8][Math.floor(r() * 4)]!;
      const chunkBytes = chunk.reduce((p, c) => p * c, es);
      const budget = Math.floor(chunkBytes * (0.5 + r() * 20));
      const seen = new Map<string, number>();
      for (const b of blocksOf(region, chunk, es, budget)) {
        const bytes = b.reduce((p, x) => p * (x.stop - x.start), es);
        expect(bytes).toBeLessThanOrEqual(Math.max(budget, chunkBytes));
        b.forEach((x, d) => {
          expect(x.start % chunk[d]!).toBe(0);
          expect(x.stop === shape[d] || x.stop % chunk[d]! === 0).toBe(true);
          expect(x.start >= region[d]!.start && x.stop <= region[d]!.stop && x.stop > x.start).toBe(true);
        });
        const idx = b.map((x, d) => [x.start / chunk[d]!, Math.ceil(x.stop / chunk[d]!)]);
        const walk = (d: number, pre: number[]): void => {
          if (d === nd) {
            const k = pre.join(",");
            seen.set(k, (seen.get(k) ?? 0) + 1);
            return;
          }
          for (let i = idx[d]![0]!; i < idx[d]![1]!; i++) walk(d + 1, [...pre, i]);
        };
        walk(0, []);
      }
      const total = region.reduce((p, x, d) => p * (Math.ceil(x.stop / chunk[d]!) - x.start / chunk[d]!), 1);
      expect(seen.size).toBe(total);
      expect([...seen.values()].every((n) => n === 1)).toBe(true);
    }
  });

  it("streams large chunks in blocks one chunk wide past the first axis", () => {
    const blocks = [...blocksOf([{ start: 0, stop: 96 }, { start: 0, stop: 6 }, { start: 0, stop: 256 }, { start: 0, stop: 256 }], [8, 1, 256, 256], 4, 16 << 20)];
    expect(CONTIGUOUS_MIN_CHUNK).toBeLessThanOrEqual(8 * 256 * 256 * 4);
    expect(blocks.length).toBe(12);
    expect(blocks[0]).toEqual([{ start: 0, stop: 64 }, { start: 0, stop: 1 }, { start: 0, stop: 256 }, { start: 0, stop: 256 }]);
  });
});
