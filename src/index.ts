// xpartition: public API. Each room of src/ re-exports what users need from it.
export * from "./model/dtypes.js";
export { kernels, Kernels, kernelModule, type KernelExports } from "./kernels/instance.js";
export { Arena, type TypedArray } from "./kernels/arena.js";
export { fill, allEqual } from "./kernels/fill.js";
export { d1Fill, d1Shape, D1_DIMS, D1_SIZES, D1_CHUNKS, type D1Variable } from "./demo/d1.js";
export { byteShuffle, byteUnshuffle, bitShuffle, bitUnshuffle, applyShuffle, shufflePtr, type ShuffleOp } from "./kernels/shuffle.js";
