// The writer's methods on xpartition's accessors: `ds.partition.initializeStore / write / mappableWrite` and
// the same on `da.partition` (a DataArray is written as a one-variable dataset).
import { PartitionDataArrayAccessor, PartitionDatasetAccessor } from "../model/accessors.js";
import type { DataArray } from "../model/dataarray.js";
import { Dataset } from "../model/dataset.js";
import type { StoreLike } from "../store/index.js";
import { WriteSpecError } from "./errors.js";
import { initializeStore, type InitializeOptions } from "./initialize.js";
import type { Schema } from "./schema.js";
import { writePartition, type CompletionRecord, type WriteOptions } from "./write.js";

declare module "../model/accessors.js" {
  interface PartitionDatasetAccessor {
    initializeStore(store: StoreLike, options?: InitializeOptions): Promise<Schema>;
    write(store: StoreLike, ranks: number, dims: readonly string[], rank: number, options?: WriteOptions): Promise<CompletionRecord>;
    mappableWrite(store: StoreLike, ranks: number, dims: readonly string[], options?: WriteOptions): (rank: number) => Promise<CompletionRecord>;
  }
  interface PartitionDataArrayAccessor {
    initializeStore(store: StoreLike, options?: InitializeOptions): Promise<Schema>;
    write(store: StoreLike, ranks: number, dims: readonly string[], rank: number, options?: WriteOptions): Promise<CompletionRecord>;
    mappableWrite(store: StoreLike, ranks: number, dims: readonly string[], options?: WriteOptions): (rank: number) => Promise<CompletionRecord>;
  }
}

/** A named DataArray as a one-variable dataset. */
export function dataArrayDataset(da: DataArray): Dataset {
  if (!da.name) throw new WriteSpecError("a DataArray needs a name to be written (it becomes the zarr array's name)");
  return new Dataset({ dataVars: { [da.name]: da } });
}

const ds = PartitionDatasetAccessor.prototype;
ds.initializeStore = function (store, options) {
  return initializeStore(this.obj, store, options);
};
ds.write = function (store, ranks, dims, rank, options) {
  return writePartition(this.obj, store, { ...options, ranks, dims, rank });
};
ds.mappableWrite = function (store, ranks, dims, options) {
  const obj = this.obj;
  return (rank: number) => writePartition(obj, store, { ...options, ranks, dims, rank });
};

const da = PartitionDataArrayAccessor.prototype;
da.initializeStore = function (store, options) {
  return initializeStore(dataArrayDataset(this.obj), store, options);
};
da.write = function (store, ranks, dims, rank, options) {
  return writePartition(dataArrayDataset(this.obj), store, { ...options, ranks, dims, rank });
};
da.mappableWrite = function (store, ranks, dims, options) {
  const d = dataArrayDataset(this.obj);
  return (rank: number) => writePartition(d, store, { ...options, ranks, dims, rank });
};
