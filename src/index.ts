// xpartition: what a user of the original needs — the lazy model, the planner, initializeStore / write and the
// tools around them, the filesystem store, `codec()` and the error classes. Kernels, codec classes and the demo
// dataset have subpaths of their own (`xpartition/kernels`, `xpartition/codecs`, `xpartition/demo`).
// test/exports.test.ts holds this list to at most 45 run-time names of the API's first form (issue 10) and
// under 60 in all, counting what the sources, verify, object-store and mapper work add.

// ds.partition.* / da.partition.* (initializeStore, write, map): methods added to the accessors by these modules.
import "./write/accessors.js";
import "./mapper/index.js";

// The lazy model.
export { Dataset, type DatasetInit } from "./model/dataset.js";
export { DataArray, type Encoding, type VariableSpec, type DataArrayInit } from "./model/dataarray.js";
export {
  lazy, derive, fromArray, full,
  type LazyArray, type EagerArray, type ComputeFn, type LazyOptions, type FromArrayOptions,
} from "./model/lazy.js";
export type { DType } from "./model/dtypes.js";
export type { TypedArray } from "./kernels/arena.js";
export type { ChunksSpec } from "./model/chunks.js";
export { cfTime, type CfTime, type CfDate, type CfDateFields } from "./zarr/cftime.js";

// The planner.
export {
  blockIndexers, partitionIndexers, partitionRegions, regionToRanges,
  type IndexRange, type Region, type Chunked, type BlockSlice, type BlockIndexer, type BlockIndexers, type ChunkedCollection,
} from "./plan/index.js";
export { writerRegions } from "./write/regions.js";

// Writing a store.
export { initializeStore, type InitializeOptions } from "./write/initialize.js";
export { writePartition, type WriteOptions, type PartitionOptions, type CompletionRecord } from "./write/write.js";
export { writeRegion, type RegionWriteOptions } from "./write/region.js";
export { PartitionMapper, type MapFunction, type MapperOptions } from "./mapper/index.js";
export type { VariableEncoding } from "./write/encoding.js";
export { writeAll, type WriteAllOptions, type WriteAllResult, type WriteAllProgress } from "./run/pool.js";
export { storeStatus, type StoreStatus } from "./run/status.js";
export { verifyStore, type VerifyOptions } from "./verify/verify.js";
export type { VerifyReport, VerifyProblem } from "./verify/report.js";
export { readPlan, writePlan, type RecordedPlan } from "./run/records.js";
export { describePlan, type PlanReport } from "./run/describe.js";
export { rankFromEnv, type DetectedRank } from "./run/rank.js";

// Sources: existing data opened as lazy Datasets.
export { openZarr, type OpenZarrOptions, type ZarrSourceLike } from "./sources/index.js";
export { openNetCDF, openMfDataset, type OpenNetCDFOptions, type OpenMfDatasetOptions } from "./sources/netcdf/index.js";
export { openSource, type SourceSpec, type SourceOptions, type OpenSourceOptions } from "./sources/source-spec.js";
export { concat } from "./model/concat.js";
export { zerosLike, type OverrideChunks } from "./model/zeros.js";

// Stores and codecs.
export { FileSystemStore, type Store, type StoreLike, type FileSystemStoreOptions } from "./store/index.js";
export { S3Store, S3Error, type S3StoreOptions, type S3Credentials, type CredentialProvider } from "./store/s3/index.js";
export { codec, type Codec, type CodecConfig } from "./codecs/index.js";
export type { ZarrFormat, FillValue } from "./zarr/index.js";

// Errors: each names the variable, dimension, key or value at fault.
export { ChunksError, ShapeError, DimensionConflictError, ComputeError } from "./model/errors.js";
export {
  BlockIndexError, UnknownDimensionError, NotSupportedError, InvalidIndexerError, RankError, PartitionDimsError,
} from "./plan/errors.js";
export { CfTimeError, FillValueError, JsonError, AttributeError } from "./zarr/index.js";
export { SourceError } from "./sources/index.js";
export { StoreError } from "./store/index.js";
export { WriteSpecError, StoreStateError, SchemaMismatchError, PartitionWriteError } from "./write/errors.js";
export { IncompleteInitError } from "./write/state.js"; // GenerationChangedError is tagged by its name
export { VerifyError } from "./verify/verify.js";
export { WriteAllError } from "./run/pool.js";
export { RankEnvError } from "./run/rank.js";
export { PlanError } from "./run/records.js";
export { NotInitialisedError } from "./run/status.js";
