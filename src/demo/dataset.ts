// D1 as a lazily computed Dataset: float32 `temp` and `wind` over (time, tile, y, x), chunks (8, 1, 256, 256),
// unchunked coordinates, attrs { title: "D1" }. Nothing is computed until the writer asks for a region.
import { copyRegion } from "../model/region.js";
import { Dataset } from "../model/dataset.js";
import { lazy } from "../model/lazy.js";
import { D1_CHUNKS, d1Fill, d1Shape, type D1Variable } from "./d1.js";

export interface D1Options {
  /** Length of the time dimension (default 96). */
  time?: number;
  /**
   * Precomputed full arrays to copy regions from (benchmarks: measure the writer, not the generator). Each is
   * C order over the full D1 shape.
   */
  source?: Partial<Record<D1Variable, Float32Array>>;
}

export function d1Dataset(options: D1Options = {}): Dataset {
  const shape = d1Shape(options.time);
  const [T, K, J, I] = shape;
  const variable = (name: D1Variable) => {
    const src = options.source?.[name];
    if (src && src.length !== T * K * J * I) throw new RangeError(`d1Dataset: source.${name} has ${src.length} elements, D1 of time ${T} needs ${T * K * J * I}`);
    return lazy({
      name, shape, dtype: "float32", chunks: [...D1_CHUNKS],
      compute: (region, out) => {
        const o = (out as Float32Array | undefined) ?? new Float32Array(region.reduce((p, r) => p * (r.stop - r.start), 1));
        return src ? copyRegion(src, shape, region, o) : d1Fill(name, region, shape, o);
      },
    });
  };
  return new Dataset({
    coords: {
      time: { dims: ["time"], data: Float64Array.from({ length: T }, (_, i) => i) },
      tile: { dims: ["tile"], data: Int32Array.from({ length: K }, (_, i) => i) },
      y: { dims: ["y"], data: Float64Array.from({ length: J }, (_, i) => i) },
      x: { dims: ["x"], data: Float64Array.from({ length: I }, (_, i) => i) },
    },
    dataVars: {
      temp: { dims: ["time", "tile", "y", "x"], data: variable("temp"), attrs: { units: "K", long_name: "temperature" } },
      wind: { dims: ["time", "tile", "y", "x"], data: variable("wind"), attrs: { units: "m s-1", long_name: "wind speed" } },
    },
    attrs: { title: "D1" },
  });
}

/** The full D1 arrays, generated once (for benchmarks and tests that compare values). */
export function d1Generate(time?: number): Record<D1Variable, Float32Array> {
  const shape = d1Shape(time);
  const region = shape.map((s) => ({ start: 0, stop: s }));
  return { temp: d1Fill("temp", region, shape), wind: d1Fill("wind", region, shape) };
}
