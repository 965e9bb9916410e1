// Every internal name in one place, for the tests and the benchmarks (not a package export: users import
// `xpartition`, `xpartition/kernels`, `xpartition/codecs` or `xpartition/demo`).
export * from "./model/dtypes.js";
export { ChunksError, ShapeError, DimensionConflictError, ComputeError } from "./model/errors.js";
export { normalizeChunks, type ChunksSpec } from "./model/chunks.js";
export { copyRegion } from "./model/region.js";
export {
  LazyArray, ComputeCache, EagerArray, lazy, derive, fromArray, full,
  type ComputeFn, type LazyOptions, type FromArrayOptions,
} from "./model/lazy.js";
export { DataArray, type Encoding, type VariableSpec, type DataArrayInit } from "./model/dataarray.js";
export { Dataset, type DatasetInit } from "./model/dataset.js";
export { BlocksAccessor, PartitionDataArrayAccessor, PartitionDatasetAccessor } from "./model/accessors.js";
export * from "./plan/index.js";
export { kernels, Kernels, kernelModule, type KernelExports } from "./kernels/instance.js";
export { Arena, type TypedArray } from "./kernels/arena.js";
export { fill, allEqual } from "./kernels/fill.js";
export { d1Fill, d1Shape, D1_DIMS, D1_SIZES, D1_CHUNKS, type D1Variable } from "./demo/d1.js";
export * from "./codecs/index.js";
export { FileSystemStore, StoreOps, StoreError, resolveStore, type Store, type StoreLike, type FileSystemStoreOptions } from "./store/index.js";
export {
  chunkKey, defaultFillValue, normalizeFillValue, fillValueJson, metadataEntries, v2DType, v3DataType,
  cfTime, CfTimeError, FillValueError, JsonError, type ArraySpec, type FillValue, type ZarrFormat, type CfTime, type CfDate, type CfDateFields,
} from "./zarr/index.js";
export { zstdCompress, zstdCompressSpan, zstdCompressBound, xxh64 } from "./kernels/zstd.js";
export { byteShuffle, byteUnshuffle, bitShuffle, bitUnshuffle, applyShuffle, shufflePtr, type ShuffleOp } from "./kernels/shuffle.js";
export * from "./write/index.js";
export { ChunkSlicer, SliceError, sliceChunkArray, type BlockRef, type ChunkSlicerOptions } from "./kernels/slice.js";
export { crc32c, crc32cPtr } from "./kernels/crc32c.js";
export { xxh64Hex, xxh64HexPtr } from "./kernels/xxh64.js";
export { ShuffleCodec, shuffleCodec } from "./codecs/shuffle.js";
export { Crc32cCodec, crc32cCodec } from "./codecs/crc32c.js";
export { d1Dataset, d1Generate, type D1Options } from "./demo/dataset.js";
export { writeAll, WriteAllError, availableCores, type WriteAllOptions, type WriteAllResult, type WriteAllProgress } from "./run/pool.js";
export { rankFromEnv, resolveRank, RANK_VARIABLES, RankEnvError, type DetectedRank } from "./run/rank.js";
export { loadDatasetExport as loadDatasetModule, DatasetModuleError } from "./run/load.js";
export { storeStatus, NotInitialisedError, type StoreStatus } from "./run/status.js";
export { describePlan, type PlanReport } from "./run/describe.js";
export { readPlan, writePlan, PlanError, PLAN_KEY, type RecordedPlan } from "./run/records.js";
