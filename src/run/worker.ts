// A writeAll worker thread: imports the dataset module once, then writes the ranks it is handed.
import type { Dataset } from "../model/dataset.js";
import process from "node:process";
import { parentPort } from "node:worker_threads";
import { serveItems } from "./serve.js";
import { computeHangError, ComputeHangError } from "./hang.js";
import { loadDatasetExport } from "./load.js";
import { isDataset } from "./backend.js";
import { writeRank } from "./rank-runner.js";
import { openStoreFromOptions, type StoreOptions } from "../store/index.js";
import type { SourceSpec } from "../sources/source-spec.js";

export interface WorkerData {
  /** How to rebuild the dataset: a module, or data sources (openSource). */
  source: SourceSpec;
  /** The store as plain options (`storeOptions`): each worker thread reopens it. */
  store: StoreOptions;
  ranks: number;
  dims: string[];
  writeOptions: Record<string, unknown>;
}

export type { ChunkProgress } from "./rank-runner.js";

serveItems(async (data) => {
  const d = data as WorkerData;
  // The calling thread warned already (codec fallbacks, dropped shards): not once more per worker.
  const ds = d.source.kind === "module"
    ? ((await loadDatasetExport(d.source.url, { exportName: d.source.export, check: isDataset })) as Dataset)
    // Data sources' readers (21 modules: netCDF, zarr, concat) are imported only by threads that read them.
    : await (await import("../sources/source-spec.js")).openSource(d.source, { onWarning: () => {} });
  const store = openStoreFromOptions(d.store);
  const port = parentPort as { ref?(): void; unref?(): void } | null;
  // Ranks in flight in this thread: a running one, and one finishing its writes (ItemContext.release).
  let ranksInFlight = 0;
  return async (rank, ctx) => {
    // While a rank runs the port does not keep this thread alive, so that a compute that never settles empties
    // the event loop: 'beforeExit' then fails the rank naming it (the pool retires this thread) instead of a hang.
    let hung: ((e: Error) => void) | undefined;
    const hang = new Promise<never>((_, reject) => (hung = reject));
    const onBeforeExit = () => hung?.(computeHangError());
    process.on("beforeExit", onBeforeExit);
    if (ranksInFlight++ === 0) port?.unref?.();
    try {
      return await writeRank(ds, store, d, rank, ctx, (p) => Promise.race([hang, p]));
    } catch (e) {
      // Stopped by the pool's signal: not a failure of the rank.
      if (ctx.signal.aborted && !(e instanceof ComputeHangError)) throw Object.assign(new Error(`rank ${rank} interrupted`), { name: "AbortError" });
      throw e;
    } finally {
      process.off("beforeExit", onBeforeExit);
      if (--ranksInFlight === 0) port?.ref?.();
    }
  };
}, (warm) => {
  // Started ahead of its pool: import the data sources' readers (netCDF's too) while the parent reads the
  // sources' metadata. Not h5wasm: ranks read recorded netCDF-4 files directly (h5direct.ts) and load it only if
  // a read needs HDF5.
  if (warm.includes("sources")) void import("../sources/source-spec.js").catch(() => undefined);
  if (warm.includes("netcdf")) void import("../sources/netcdf/h5direct.js").catch(() => undefined);
});
