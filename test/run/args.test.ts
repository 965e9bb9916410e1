import { describe, expect, it } from "vitest";
import { formatRankList } from "../../src/cli/args.js";
import { progressLine, formatDuration } from "../../src/cli/progress.js";

describe("CLI helpers", () => {
  it("formats resubmission lists for --array", () => {
    expect(formatRankList([3, 7])).toBe("3,7");
    expect(formatRankList([7, 3, 4, 5, 6, 9])).toBe("3-7,9");
    expect(formatRankList([0, 1])).toBe("0,1");
    expect(formatRankList([])).toBe("");
  });
  it("draws a progress line with ranks, chunks, MB/s and ETA", () => {
    const p = { event: "chunks" as const, ranks: 8, ranksDone: 2, ranksSkipped: 0, ranksFailed: 0, chunksDone: 50, bytesIn: 200e6, bytesOut: 50e6, elapsed: 2 };
    expect(progressLine(p, 100, 10)).toBe("[#####.....] 2/8 ranks  50/100 chunks  100.0 MB/s  ETA 0:02");
    expect(formatDuration(3725)).toBe("1:02:05");
  });
});
