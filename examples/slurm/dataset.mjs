// The dataset every task of the array job builds: the demo dataset D1 (float32 `temp` and `wind` over time,
// tile, y, x) at a small size. Building it is cheap and computes nothing: each task computes only the region
// of its own rank when `xpartition write` asks for it.
//
// XPARTITION_EXAMPLE_SIZE=time,tile,y,x changes the size (default 16,2,64,64; chunks 2,1,y,x).
// XPARTITION_EXAMPLE_FAIL_RANK=K makes the compute of array task K throw: a stand-in for a node failure or a
// bug in your code, to try out `xpartition status` and resubmission.
import process from "node:process";
import { Dataset, lazy } from "xpartition";
import { d1Fill } from "xpartition/demo";

export default function build() {
  const [T, K, J, I] = (process.env.XPARTITION_EXAMPLE_SIZE ?? "16,2,64,64").split(",").map(Number);
  const shape = [T, K, J, I];
  const failRank = process.env.XPARTITION_EXAMPLE_FAIL_RANK;
  const variable = (name) =>
    lazy({
      shape, dtype: "float32", chunks: [2, 1, J, I],
      compute: (region, out) => {
        if (failRank !== undefined && failRank === process.env.SLURM_ARRAY_TASK_ID) {
          throw new Error(`XPARTITION_EXAMPLE_FAIL_RANK=${failRank}: failing on purpose`);
        }
        return d1Fill(name, region, shape, out);
      },
    });
  const range = (n, Ctor) => Ctor.from({ length: n }, (_, i) => i);
  return new Dataset({
    coords: {
      time: { dims: ["time"], data: range(T, Float64Array), attrs: { units: "hours since 2000-01-01" } },
      tile: { dims: ["tile"], data: range(K, Int32Array) },
      y: { dims: ["y"], data: range(J, Float64Array) },
      x: { dims: ["x"], data: range(I, Float64Array) },
    },
    dataVars: {
      temp: { dims: ["time", "tile", "y", "x"], data: variable("temp"), attrs: { units: "K" } },
      wind: { dims: ["time", "tile", "y", "x"], data: variable("wind"), attrs: { units: "m/s" } },
    },
    attrs: { title: "xpartition SLURM example" },
  });
}
