// PartitionMapper and `da.partition.map` / `ds.partition.map`.
import { PartitionDataArrayAccessor, PartitionDatasetAccessor } from "../model/accessors.js";
import type { Dataset } from "../model/dataset.js";
import type { StoreLike } from "../store/index.js";
import { datasetPartitioner, PartitionMapper, type MapFunction, type MapperOptions } from "./mapper.js";

export { PartitionMapper, PartitionMapperError, datasetPartitioner, unchunkedOutputNames, type MapFunction, type MapperOptions } from "./mapper.js";

declare module "../model/accessors.js" {
  interface PartitionDataArrayAccessor {
    /** The original's `da.partition.map(store, ranks, dims, func, data)`: a PartitionMapper over this array's partition. */
    map(store: StoreLike, ranks: number, dims: readonly string[], func: MapFunction, data: Dataset, options?: MapperOptions): PartitionMapper;
  }
  interface PartitionDatasetAccessor {
    /** A PartitionMapper over the dataset's own chunks along `dims` (its chunked variables must agree there). */
    map(store: StoreLike, ranks: number, dims: readonly string[], func: MapFunction, options?: MapperOptions): PartitionMapper;
  }
}

PartitionDataArrayAccessor.prototype.map = function (store, ranks, dims, func, data, options) {
  return new PartitionMapper(this.obj, store, ranks, dims, func, data, options);
};
PartitionDatasetAccessor.prototype.map = function (store, ranks, dims, func, options) {
  return new PartitionMapper(datasetPartitioner(this.obj, dims), store, ranks, dims, func, this.obj, options);
};
