// `xpartition/kernels`: the WebAssembly SIMD kernels — typed arrays in (zero copy when they already live in the
// kernels' memory), and pointer forms over `kernels().arena` for hot loops of your own.
export { kernels, Kernels, type KernelExports } from "./instance.js";
export { Arena, type TypedArray } from "./arena.js";
export { fill, allEqual } from "./fill.js";
export { byteShuffle, byteUnshuffle, bitShuffle, bitUnshuffle, applyShuffle, shufflePtr, type ShuffleOp } from "./shuffle.js";
export { ChunkSlicer, SliceError, sliceChunkArray, type BlockRef, type ChunkSlicerOptions } from "./slice.js";
export { crc32c, crc32cPtr } from "./crc32c.js";
export { xxh64, xxh64Hex, xxh64HexPtr } from "./xxh64.js";
export { zstdCompress, zstdCompressSpan, zstdCompressBound, ZSTD_MIN_LEVEL, ZSTD_MAX_LEVEL } from "./zstd.js";
export { lz4CompressBlock, lz4CompressSpan, lz4CompressBound } from "../codecs/lz4.js";
