// Progress of a pool run: a live bar on a terminal (ranks done, chunks, MB/s, ETA), plain lines otherwise
// (one per finished or failed rank), so logs of batch systems stay readable.
import type { WriteAllProgress } from "../run/pool.js";

export interface ProgressOut {
  write(s: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

const MB = 1e6;

export function formatDuration(s: number): string {
  if (!Number.isFinite(s) || s < 0) return "?";
  const t = Math.round(s);
  const h = Math.floor(t / 3600), m = Math.floor((t % 3600) / 60), sec = t % 60;
  return h ? `${h}:${String(m).padStart(2, "0")}:${String(sec).padStart(2, "0")}` : `${m}:${String(sec).padStart(2, "0")}`;
}

export function formatBytes(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} kB`;
  return `${n} B`;
}

/** One status line: `[#####.....] 3/8 ranks  120/384 chunks  245.3 MB/s  ETA 0:12`. */
export function progressLine(p: WriteAllProgress, width = 24): string {
  const chunksTotal = p.chunksTotal;
  const toDo = p.ranks - p.ranksSkipped;
  // The live bar counts the chunks of running ranks too; a rank that fails takes its chunks back.
  const chunksNow = p.chunksDone + (p.chunksInFlight ?? 0);
  const frac = chunksTotal ? Math.min(1, chunksNow / chunksTotal) : toDo ? p.ranksDone / toDo : 1;
  const filled = Math.round(frac * width);
  const bar = `[${"#".repeat(filled)}${".".repeat(width - filled)}]`;
  const rate = p.elapsed > 0 ? (p.bytesIn + (p.bytesInFlight ?? 0)) / MB / p.elapsed : 0;
  const eta = frac > 0 && frac < 1 ? formatDuration((p.elapsed * (1 - frac)) / frac) : frac >= 1 ? "0:00" : "?";
  const chunks = chunksTotal ? `${chunksNow}/${chunksTotal} chunks` : `${chunksNow} chunks`;
  const failed = p.ranksFailed ? `  ${p.ranksFailed} failed` : "";
  return `${bar} ${p.ranksDone + p.ranksSkipped}/${p.ranks} ranks  ${chunks}  ${rate.toFixed(1)} MB/s  ETA ${eta}${failed}`;
}

export function progressReporter(out: ProgressOut): (p: WriteAllProgress) => void {
  let lastDraw = 0;
  let drawn = false;
  return (p) => {
    if (out.isTTY) {
      const now = performance.now();
      if (p.event === "chunks" && now - lastDraw < 100) return; // ~10 redraws a second at most
      lastDraw = now;
      const cols = out.columns || 100; // 0 when the terminal reports no size
      // The bar takes what the numbers leave of the terminal's width.
      const rest = progressLine(p, 0).length - 2;
      const line = progressLine(p, Math.max(10, Math.min(30, cols - 4 - rest)));
      out.write(`\r${line.slice(0, cols - 1)}\x1b[K`);
      drawn = true;
      if (p.event === "end" && drawn) out.write("\n");
      return;
    }
    if (p.event === "start" && p.ranksSkipped) out.write(`skipping ${p.ranksSkipped} ranks with a valid completion record\n`);
    if (p.event === "rank" || p.event === "failed") {
      const what = p.event === "rank" ? "written" : "FAILED";
      const rate = p.elapsed > 0 ? (p.bytesIn / MB / p.elapsed).toFixed(1) : "0.0";
      // Chunks of completed ranks only (a failed rank's are not counted).
      out.write(`rank ${p.rank} ${what}: ${p.ranksDone + p.ranksSkipped}/${p.ranks} ranks done, ${p.chunksDone} chunks, ${rate} MB/s, ${formatDuration(p.elapsed)} elapsed\n`);
    }
  };
}

/** `xpartition verify`'s live line on a terminal (nothing otherwise): `[####....] 120/384 chunks  45.3 MB/s  ETA 0:12`. */
export function verifyProgressReporter(out: ProgressOut): (p: { chunksDone: number; chunksTotal: number; bytes: number; elapsed: number; done: boolean }) => void {
  let drawn = false;
  return (p) => {
    if (!out.isTTY) return;
    const frac = p.chunksTotal ? Math.min(1, p.chunksDone / p.chunksTotal) : 1;
    const width = 24, filled = Math.round(frac * width);
    const eta = frac > 0 && frac < 1 ? formatDuration((p.elapsed * (1 - frac)) / frac) : frac >= 1 ? "0:00" : "?";
    const rate = p.elapsed > 0 ? p.bytes / MB / p.elapsed : 0;
    const line = `[${"#".repeat(filled)}${".".repeat(width - filled)}] ${p.chunksDone}/${p.chunksTotal} chunks  ${rate.toFixed(1)} MB/s  ETA ${eta}`;
    out.write(`\r${line.slice(0, (out.columns || 100) - 1)}\x1b[K`);
    drawn = true;
    if (p.done && drawn) out.write("\n");
  };
}
