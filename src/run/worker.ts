// A writeAll worker thread: imports the dataset module once, then writes the ranks it is handed.
import type { Dataset } from "../model/dataset.js";
import { serveItems } from "./serve.js";
import { loadDatasetExport } from "./load.js";
import { isDataset, writePartition } from "./backend.js";
import { openStoreFromOptions, type StoreOptions } from "../store/index.js";

export interface WorkerData {
  dataset: string;
  exportName?: string;
  /** The store as plain options (`storeOptions`): each worker thread reopens it. */
  store: StoreOptions;
  ranks: number;
  dims: string[];
  writeOptions: Record<string, unknown>;
}

/** Chunks written since the last report (progress is batched: at most ~10 messages a second per thread). */
export interface ChunkProgress {
  chunks: number;
  bytesIn: number;
  bytesOut: number;
}

serveItems(async (data) => {
  const d = data as WorkerData;
  const ds = (await loadDatasetExport(d.dataset, { exportName: d.exportName, check: isDataset })) as Dataset;
  const store = openStoreFromOptions(d.store);
  return async (rank, ctx) => {
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
      record = await writePartition(ds, store, {
        ...d.writeOptions,
        ranks: d.ranks,
        dims: d.dims,
        rank,
        signal: ctx.signal,
        onChunk: (c: { bytesIn: number; bytesOut: number }) => {
          acc.chunks++;
          acc.bytesIn += c.bytesIn;
          acc.bytesOut += c.bytesOut;
          if (performance.now() - last > 100) flush();
        },
      });
    } catch (e) {
      flush();
      // Stopped by the pool's signal: not a failure of the rank.
      if (ctx.signal.aborted) throw Object.assign(new Error(`rank ${rank} interrupted`), { name: "AbortError" });
      throw e;
    }
    flush();
    return record;
  };
});
