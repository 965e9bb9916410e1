// The writer's entry points as the pool and the CLI use them, in one place.
import { Dataset } from "../model/dataset.js";
import { DataArray } from "../model/dataarray.js";
import { resolveStore as resolveStoreLike, StoreOps, type StoreLike } from "../store/index.js";
import { initializeStore as initializeDataset, writePartition as writeDataset, type InitializeOptions, type PartitionOptions } from "../write/index.js";
import { planFingerprint, readSchema } from "../write/schema.js";
import { PartitionMapper } from "../mapper/index.js";
import { checkMapperArgs, initializeMapper, writeMapperRank } from "../mapper/run.js";
import { describePlan as describeDataset } from "./describe.js";
import type { KeyStore } from "./records.js";

export { type PlanReport } from "./describe.js";
export type StoreArg = StoreLike;

// A dataset module may export a PartitionMapper (src/mapper/run.ts): these entry points then use the mapper.
export function initializeStore(ds: Dataset | PartitionMapper, store: StoreLike, options?: InitializeOptions) {
  return ds instanceof PartitionMapper ? initializeMapper(ds, store, options) : initializeDataset(ds, store, options);
}

export function writePartition(ds: Dataset | PartitionMapper, store: StoreLike, options: PartitionOptions) {
  return ds instanceof PartitionMapper ? writeMapperRank(ds, store, options) : writeDataset(ds, store, options);
}

/** A mapper's plan is its partitioned array's. */
export function describePlan(ds: Dataset | PartitionMapper, ...rest: Parameters<typeof describeDataset> extends [unknown, ...infer R] ? R : never) {
  return describeDataset(ds instanceof PartitionMapper ? ds.partitionDataset() : ds, ...rest);
}

/** A mapper's plan (ranks, dims), checked against those asked for when given; undefined for a dataset. */
export function mapperPlan(ds: unknown, asked: { ranks?: number; dims?: readonly string[] }): { ranks: number; dims: string[] } | undefined {
  if (!(ds instanceof PartitionMapper)) return undefined;
  checkMapperArgs(ds, undefined, asked);
  return { ranks: ds.rankCount, dims: [...ds.dims] };
}

/** undefined when `v` is a Dataset (or a PartitionMapper); otherwise a hint ("" for none). */
export function isDataset(v: unknown): string | undefined {
  if (v instanceof Dataset || v instanceof PartitionMapper) return undefined;
  if (v instanceof DataArray) return "a DataArray: wrap it, new Dataset({ dataVars: { name: da } })";
  return "";
}

export function resolveStore(store: StoreArg): KeyStore & { set(key: string, value: Uint8Array): Promise<void> } {
  return new StoreOps(resolveStoreLike(store));
}

/** The fingerprint a valid completion record carries for this store's schema and plan (undefined: no schema). */
export async function expectedFingerprint(store: KeyStore, plan: { ranks: number; dims: string[] }): Promise<string | undefined> {
  const ops = store instanceof StoreOps ? store : new StoreOps(store as never);
  const schema = await readSchema(ops);
  return schema ? planFingerprint(schema, plan.ranks, plan.dims) : undefined;
}

/** The D1 demo dataset as a module URL (workers import it), with its time length. */
export function demoDatasetUrl(time: number): URL {
  return new URL(`../demo/d1-module.js?time=${time}`, import.meta.url);
}
