// The xpartition-shaped accessors: `da.blocks`, `da.partition`, `ds.partition`. Plain classes over the planner;
// the writer adds its methods (initializeStore, write, mappableWrite) to the `partition` accessors. This file
// imports the model only as types, so that no import cycle is evaluated at module load.
import { blockIndexers, chunksOf, type BlockIndexers, type Region } from "../plan/blocks.js";
import { datasetPartitionIndexers, datasetPartitionRegions, partitionIndexers, partitionRegions } from "../plan/partition.js";
import type { DataArray } from "./dataarray.js";
import type { Dataset } from "./dataset.js";

export class BlocksAccessor {
  constructor(readonly obj: DataArray) {}

  /** Number of blocks per axis. */
  get shape(): number[] {
    return chunksOf(this.obj).map((c) => c.length);
  }

  /** Number of blocks per dimension. */
  get sizes(): Record<string, number> {
    const s: Record<string, number> = {};
    const shape = this.shape;
    this.obj.dims.forEach((d, i) => (s[d] = shape[i]!));
    return s;
  }

  /** Block-space indexers → array index ranges (every dim of the array; see `blockIndexers`). */
  indexers(indexers: BlockIndexers): Region {
    return blockIndexers(this.obj, indexers);
  }

  /** The lazy sub-array those blocks cover. */
  isel(indexers: BlockIndexers): DataArray {
    return this.obj.isel(this.indexers(indexers));
  }
}

export class PartitionDataArrayAccessor {
  constructor(readonly obj: DataArray) {}

  /** The region `rank` of `ranks` writes, or null when it has nothing to do. */
  indexers(ranks: number, rank: number, dims: readonly string[]): Region | null {
    return partitionIndexers(this.obj, ranks, rank, dims);
  }

  /** Every rank's region (null for ranks with nothing to do). */
  partition(ranks: number, dims: readonly string[]): (Region | null)[] {
    return partitionRegions(this.obj, ranks, dims);
  }
}

export class PartitionDatasetAccessor {
  constructor(readonly obj: Dataset) {}

  /** Per chunked variable, the region `rank` writes over the partition dims it has (null: nothing to do). */
  indexers(ranks: number, rank: number, dims: readonly string[]): Record<string, Region | null> {
    return datasetPartitionIndexers(this.obj, ranks, rank, dims);
  }

  /** Per rank, `indexers(ranks, rank, dims)`. */
  partition(ranks: number, dims: readonly string[]): Record<string, Region | null>[] {
    return datasetPartitionRegions(this.obj, ranks, dims);
  }
}
