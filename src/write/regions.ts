// writerRegions: the region each variable of a dataset gets from one rank, on the grid the writer partitions
// (for sharded variables the shard grid, so that no two ranks share a shard).
import type { Dataset } from "../model/dataset.js";
import { datasetPartitionIndexers } from "../plan/partition.js";
import type { Region } from "../plan/blocks.js";
import type { VariableEncoding } from "./encoding.js";
import { planningCollection } from "./sharding.js";

export function writerRegions(
  ds: Dataset, ranks: number, rank: number, dims: readonly string[],
  options: { encoding?: Record<string, VariableEncoding> } = {},
): Record<string, Region | null> {
  return datasetPartitionIndexers(planningCollection(ds, options.encoding), ranks, rank, dims);
}
