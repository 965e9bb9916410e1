// D1 as a dataset module, for `xpartition demo` and its worker threads: `d1-module.js?time=N` builds D1 with
// a time length of N (default 96). Lazy: each rank computes only its own region.
import { Dataset } from "../model/dataset.js";
import { lazy } from "../model/lazy.js";
import { D1_CHUNKS, D1_DIMS, d1Fill, d1Shape, type D1Variable } from "./d1.js";

function timeFromUrl(): number | undefined {
  const t = new URL(import.meta.url).searchParams.get("time");
  return t === null ? undefined : Number(t);
}

export function buildD1(time: number = timeFromUrl() ?? 96): Dataset {
  const shape = d1Shape(time);
  const variable = (name: D1Variable) =>
    lazy({ shape, dtype: "float32", chunks: [...D1_CHUNKS], compute: (region, out) => d1Fill(name, region, shape, out as Float32Array | undefined) });
  const range = <T extends Float64Array | Int32Array>(n: number, C: { from(a: ArrayLike<number>): T }) => C.from(Array.from({ length: n }, (_, i) => i));
  return new Dataset({
    coords: {
      time: { dims: ["time"], data: range(shape[0], Float64Array) },
      tile: { dims: ["tile"], data: range(shape[1], Int32Array) },
      y: { dims: ["y"], data: range(shape[2], Float64Array) },
      x: { dims: ["x"], data: range(shape[3], Float64Array) },
    },
    dataVars: {
      temp: { dims: [...D1_DIMS], data: variable("temp") },
      wind: { dims: [...D1_DIMS], data: variable("wind") },
    },
    attrs: { title: "D1" },
  });
}

export default () => buildD1();
