// What starting writeAll's worker threads ahead needs, and nothing heavier: the CLI imports this before its own
// ~140 modules, so that the threads' start-up (Node's bootstrap, importing the package: ~0.3 s of a core)
// overlaps the calling thread's imports too, not only `init`.
import os from "node:os";
import { prestartWorkers } from "./threads.js";

export function availableCores(): number {
  const n = typeof os.availableParallelism === "function" ? os.availableParallelism() : os.cpus().length;
  return Math.max(1, n || 1);
}

/** The writeAll worker thread's module (prestarted threads are matched to their pool by this URL). */
export const WORKER_URL = new URL("./worker.js", import.meta.url);

/**
 * `xpartition run`'s threads, started ahead: one per rank up to `workers` (default: the cores); with data
 * sources the calling thread writes ranks too, so one fewer (a dataset module is user code: all threads);
 * netCDF sources have their readers imported meanwhile.
 */
export function prestartRunWorkers(o: { workers?: number; ranks?: number; sources: readonly string[] }): void {
  const dataSources = !o.sources.some((a) => /\.(m?js|cjs|ts|mts)$/i.test(a));
  prestartPoolWorkers(o.workers, o.ranks ?? Infinity, dataSources, o.sources.some((a) => /\.(nc|nc4|cdf|h5|hdf5)$/i.test(a)));
}

/**
 * The threads a writeAll pool of `ranks` ranks will use, started now (topped up: none when started ahead; the
 * next writeAll adopts them, those it does not take it terminates): `workers` (default: the cores) up to one
 * per rank, one fewer for data sources (the calling thread writes too). With data sources the threads import
 * their readers meanwhile (a module's threads do not load them at all); `netcdf`: the netCDF-4 reader too (not
 * h5wasm: ranks read netCDF-4 directly).
 */
export function prestartPoolWorkers(workers: number | undefined, ranks: number, dataSources: boolean, netcdf = false): void {
  const n = Math.min(workers ?? availableCores(), ranks);
  prestartWorkers(WORKER_URL, dataSources && n >= 2 ? n - 1 : n, dataSources ? ["sources", ...(netcdf ? ["netcdf"] : [])] : []);
}
