// A dataset module may export a PartitionMapper instead of a Dataset: writeAll, its worker threads and the CLI
// (through src/run/backend.ts) then initialise and write with the mapper, on its store, ranks and dims. Those
// given as arguments must be the mapper's: a difference is an error naming both.
import { describeStore, storeOptions, type StoreLike } from "../store/index.js";
import type { InitializeOptions } from "../write/initialize.js";
import type { Schema } from "../write/schema.js";
import type { CompletionRecord, PartitionOptions } from "../write/write.js";
import { PartitionMapper, PartitionMapperError } from "./mapper.js";

const q = JSON.stringify;

function sameStore(a: StoreLike, b: StoreLike): boolean {
  if (a === b) return true;
  try {
    return q(storeOptions(a)) === q(storeOptions(b));
  } catch {
    return false;
  }
}

/** The mapper's store, ranks and dims must be those asked for (when asked). */
export function checkMapperArgs(m: PartitionMapper, store: StoreLike | undefined, plan: { ranks?: number; dims?: readonly string[] } | undefined): void {
  const theirs = `${m.rankCount} ranks over ${m.dims.join(",")}`;
  if (store !== undefined && !sameStore(m.store, store)) {
    throw new PartitionMapperError(`the dataset module's PartitionMapper writes to ${describeStore(m.store)}, but the store given is ${describeStore(store)}`);
  }
  if (plan?.ranks !== undefined && plan.ranks !== m.rankCount) {
    throw new PartitionMapperError(`the dataset module's PartitionMapper has ${theirs}, but ranks ${plan.ranks} was given`);
  }
  if (plan?.dims !== undefined && plan.dims.join(",") !== m.dims.join(",")) {
    throw new PartitionMapperError(`the dataset module's PartitionMapper has ${theirs}, but dims ${plan.dims.join(",")} was given`);
  }
}

/** initializeStore for a mapper: its template, its plan (with the recorded source, if any), the caller's mode. */
export function initializeMapper(m: PartitionMapper, store: StoreLike, options: InitializeOptions = {}): Promise<Schema> {
  checkMapperArgs(m, store, options.plan);
  const mine = m.options.zarrFormat ?? 3;
  if (options.zarrFormat !== undefined && options.zarrFormat !== mine) {
    throw new PartitionMapperError(`the dataset module's PartitionMapper writes zarr format ${mine}, but zarr format ${options.zarrFormat} was given`);
  }
  const { zarrFormat: _f, encoding: _e, consolidated: _c, ...rest } = options;
  return m.initialize(rest);
}

/** writePartition for a mapper: func over the rank's region, written with the rank's completion record. */
export function writeMapperRank(m: PartitionMapper, store: StoreLike, options: PartitionOptions): Promise<CompletionRecord> {
  const { ranks, dims, rank, encoding: _e, ...rest } = options;
  checkMapperArgs(m, store, { ranks, dims });
  return m.write(rank, rest);
}

/**
 * writeAll's store, ranks and dims: those given, or when some are left out and the dataset module exports a
 * PartitionMapper, the mapper's (the given ones are then checked against it when it initialises and writes).
 */
export async function mapperDefaults<S>(o: {
  dataset?: string | URL; exportName?: string; cwd?: string; store?: S; ranks?: number; dims?: readonly string[];
}): Promise<{ store: S | StoreLike | undefined; ranks: number | undefined; dims: readonly string[] | undefined }> {
  const given = { store: o.store, ranks: o.ranks, dims: o.dims };
  if (o.dataset === undefined || (o.store !== undefined && o.ranks !== undefined && o.dims !== undefined)) return given;
  const { loadDatasetExport } = await import("../run/load.js");
  const value = await loadDatasetExport(o.dataset, { exportName: o.exportName, cwd: o.cwd });
  if (!(value instanceof PartitionMapper)) return given;
  checkMapperArgs(value, o.store as StoreLike | undefined, o);
  return { store: o.store ?? value.store, ranks: o.ranks ?? value.rankCount, dims: o.dims ?? value.dims };
}
