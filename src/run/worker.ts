// A writeAll worker thread: imports the dataset module once, then writes the ranks it is handed.
import type { Dataset } from "../model/dataset.js";
import process from "node:process";
import { parentPort } from "node:worker_threads";
import { serveItems } from "./serve.js";
import { computeHangError, ComputeHangError } from "./hang.js";
import { loadDatasetExport } from "./load.js";
import { isDataset, writePartition } from "./backend.js";
import { openStoreFromOptions, type StoreOptions } from "../store/index.js";
import { openSource, type SourceSpec } from "../sources/source-spec.js";

export interface WorkerData {
  /** How to rebuild the dataset: a module, or data sources (openSource). */
  source: SourceSpec;
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
  // The calling thread warned already (codec fallbacks, dropped shards): not once more per worker.
  const ds = d.source.kind === "module"
    ? ((await loadDatasetExport(d.source.url, { exportName: d.source.export, check: isDataset })) as Dataset)
    : await openSource(d.source, { onWarning: () => {} });
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
    // While the rank runs the port does not keep this thread alive, so that a compute that never settles empties
    // the event loop: 'beforeExit' then fails the rank naming it (the pool retires this thread) instead of a hang.
    let hung: ((e: Error) => void) | undefined;
    const hang = new Promise<never>((_, reject) => (hung = reject));
    const onBeforeExit = () => hung?.(computeHangError());
    process.on("beforeExit", onBeforeExit);
    const port = parentPort as { ref?(): void; unref?(): void } | null;
    port?.unref?.();
    try {
      record = await Promise.race([hang, writePartition(ds, store, {
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
      })]);
    } catch (e) {
      flush();
      // Stopped by the pool's signal: not a failure of the rank.
      if (ctx.signal.aborted && !(e instanceof ComputeHangError)) throw Object.assign(new Error(`rank ${rank} interrupted`), { name: "AbortError" });
      throw e;
    } finally {
      process.off("beforeExit", onBeforeExit);
      port?.ref?.();
    }
    flush();
    return record;
  };
}, (warm) => {
  // Started ahead of its pool: compile h5wasm while the parent reads the sources' metadata.
  if (warm.includes("netcdf")) void import("../sources/netcdf/hdf5.js").then((m) => m.h5wasm()).catch(() => undefined);
});
