// `xpartition/demo`: dataset D1 (time x tile x y x x float32, two variables), the CLI's `demo` and the
// benchmarks' data: a lazy Dataset of it, and its values computed region by region or whole.
export { d1Fill, d1Shape, D1_DIMS, D1_SIZES, D1_CHUNKS, type D1Variable } from "./d1.js";
export { d1Dataset, d1Generate, type D1Options } from "./dataset.js";
