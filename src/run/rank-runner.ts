// One rank of writeAll: writePartition with progress batched for the parent (at most ~10 messages a second)
// and an interruption by the pool's signal reported as an AbortError. Run by the worker threads (worker.ts)
// and, for data sources, by the calling thread as one of the workers (pool.ts).
import type { Dataset } from "../model/dataset.js";
import type { Store } from "../store/index.js";
import { writePartition } from "./backend.js";
import type { ItemContext } from "./serve.js";

/** Chunks written since the last report. */
export interface ChunkProgress {
  chunks: number;
  bytesIn: number;
  bytesOut: number;
}

export interface RankJob {
  ranks: number;
  dims: string[];
  writeOptions: Record<string, unknown>;
}

/** Write `rank`; `guard` wraps the write (a worker thread races it against a compute that never settles). */
export async function writeRank(
  ds: Dataset, store: Store, job: RankJob, rank: number, ctx: ItemContext,
  guard: <T>(p: Promise<T>) => Promise<T> = (p) => p,
): Promise<unknown> {
  let acc: ChunkProgress = { chunks: 0, bytesIn: 0, bytesOut: 0 };
  let last = performance.now();
  const flush = () => {
    if (acc.chunks === 0) return;
    ctx.emit(acc);
    acc = { chunks: 0, bytesIn: 0, bytesOut: 0 };
    last = performance.now();
  };
  let record;
  try {
    record = await guard(writePartition(ds, store, {
      ...job.writeOptions,
      ranks: job.ranks,
      dims: job.dims,
      rank,
      signal: ctx.signal,
      // Its last writes and records overlap the thread's next rank (threads.ts): the store is not idle between.
      onComputed: ctx.release,
      onChunk: (c: { bytesIn: number; bytesOut: number }) => {
        acc.chunks++;
        acc.bytesIn += c.bytesIn;
        acc.bytesOut += c.bytesOut;
        if (performance.now() - last > 100) flush();
      },
    }));
  } catch (e) {
    flush();
    throw e;
  }
  flush();
  return record;
}
