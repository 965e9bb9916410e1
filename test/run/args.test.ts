import { describe, expect, it } from "vitest";
import { formatRankList } from "../../src/cli/args.js";
import { progressLine, formatDuration, progressReporter } from "../../src/cli/progress.js";

describe("CLI helpers", () => {
  it("formats resubmission lists for --array", () => {
    expect(formatRankList([3, 7])).toBe("3,7");
    expect(formatRankList([7, 3, 4, 5, 6, 9])).toBe("3-7,9");
    expect(formatRankList([0, 1])).toBe("0,1");
    expect(formatRankList([])).toBe("");
  });
  it("draws a progress line with ranks, chunks, MB/s and ETA", () => {
    const p = { event: "chunks" as const, chunksTotal: 100, ranks: 8, ranksDone: 2, ranksSkipped: 0, ranksFailed: 0, chunksDone: 50, bytesIn: 200e6, bytesOut: 50e6, elapsed: 2 };
    expect(progressLine(p, 10)).toBe("[#####.....] 2/8 ranks  50/100 chunks  100.0 MB/s  ETA 0:02");
    // The live bar adds the chunks of running ranks (chunksDone counts completed ranks only).
    expect(progressLine({ ...p, chunksDone: 30, bytesIn: 120e6, chunksInFlight: 20, bytesInFlight: 80e6 }, 10)).toBe("[#####.....] 2/8 ranks  50/100 chunks  100.0 MB/s  ETA 0:02");
    expect(formatDuration(3725)).toBe("1:02:05");
  });
});

describe("progress reporter", () => {
  const base = { ranks: 4, ranksDone: 0, ranksSkipped: 0, ranksFailed: 0, chunksDone: 0, chunksTotal: 8, bytesIn: 0, bytesOut: 0, elapsed: 0 };
  it("redraws one line on a terminal and ends it", () => {
    let s = "";
    const report = progressReporter({ isTTY: true, columns: 200, write: (x: string) => (s += x) });
    report({ ...base, event: "start" });
    report({ ...base, event: "rank", rank: 0, ranksDone: 1, chunksDone: 2, bytesIn: 4e6, elapsed: 1 });
    report({ ...base, event: "end", ranksDone: 4, chunksDone: 8, bytesIn: 16e6, elapsed: 2 });
    const frames = s.split("\r").filter(Boolean);
    expect(frames).toHaveLength(3);
    expect(frames[1]).toContain("1/4 ranks  2/8 chunks  4.0 MB/s  ETA 0:03");
    expect(frames[2]).toMatch(/\[#+\] 4\/4 ranks  8\/8 chunks  8\.0 MB\/s  ETA 0:00\x1b\[K\n$/);
  });
  it("writes plain lines per rank otherwise", () => {
    let s = "";
    const report = progressReporter({ write: (x: string) => (s += x) });
    report({ ...base, event: "start" });
    report({ ...base, event: "chunks", chunksDone: 1 });
    report({ ...base, event: "rank", rank: 2, ranksDone: 1, chunksDone: 2, bytesIn: 4e6, elapsed: 1 });
    report({ ...base, event: "failed", rank: 3, ranksDone: 1, ranksFailed: 1, chunksDone: 2, bytesIn: 4e6, elapsed: 1 });
    expect(s).toBe("rank 2 written: 1/4 ranks done, 2 chunks, 4.0 MB/s, 0:01 elapsed\nrank 3 FAILED: 1/4 ranks done, 2 chunks, 4.0 MB/s, 0:01 elapsed\n");
  });
});
