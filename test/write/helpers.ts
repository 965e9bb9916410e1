// Small datasets for writer tests, and a zarrita reader of a whole store.
import * as zarr from "zarrita";
import { Dataset, fromArray, lazy, type TypedArray } from "../../src/index.js";

export function small(opts: { wrongAt?: number } = {}): { ds: Dataset; temp: Float32Array; flag: Int16Array } {
  const [T, Y, X] = [7, 5, 6];
  const temp = Float32Array.from({ length: T * Y * X }, (_, i) => (i % 11 === 0 ? NaN : i * 0.5 - 20));
  const flag = Int16Array.from({ length: Y * X }, (_, i) => i - 10);
  let calls = 0;
  const ds = new Dataset({
    coords: {
      time: { dims: ["time"], data: Float64Array.from({ length: T }, (_, i) => i), attrs: { units: "hours since 2000-01-01", calendar: "proleptic_gregorian" } },
      y: { dims: ["y"], data: Float64Array.from({ length: Y }, (_, i) => i * 10) },
      x: { dims: ["x"], data: fromArray(Int32Array.from({ length: X }, (_, i) => i), [X], { chunks: [4] }) },
      lat: { dims: ["y", "x"], data: fromArray(Float64Array.from({ length: Y * X }, (_, i) => i / 3), [Y, X]) },
    },
    dataVars: {
      temp: {
        dims: ["time", "y", "x"],
        data: lazy({
          shape: [T, Y, X], dtype: "float32", chunks: [3, 2, 4],
          compute: (region, out) => {
            if (opts.wrongAt !== undefined && calls++ === opts.wrongAt) throw new Error("injected failure");
            const [rt, ry, rx] = region as [{ start: number; stop: number }, { start: number; stop: number }, { start: number; stop: number }];
            const o = (out as Float32Array) ?? new Float32Array((rt.stop - rt.start) * (ry.stop - ry.start) * (rx.stop - rx.start));
            let p = 0;
            for (let t = rt.start; t < rt.stop; t++) for (let y = ry.start; y < ry.stop; y++) for (let x = rx.start; x < rx.stop; x++) o[p++] = temp[(t * Y + y) * X + x]!;
            return o;
          },
        }),
        attrs: { units: "K", long_name: "temperature" },
      },
      flag: { dims: ["y", "x"], data: fromArray(flag, [Y, X], { chunks: [2, 3] }), encoding: { compressor: { id: "zstd", level: 1 } } },
    },
    attrs: { title: "small" },
  });
  return { ds, temp, flag };
}

/** Open every array of a consolidated store with zarrita and read it whole. */
export async function readAll(store: unknown, format: 2 | 3): Promise<{ attrs: Record<string, unknown>; arrays: Record<string, { data: TypedArray; shape: number[]; attrs: Record<string, unknown> }> }> {
  const root = await zarr.withConsolidatedMetadata(store as never, { format: format === 2 ? "v2" : "v3" });
  const grp = await zarr.open(root, { kind: "group" });
  const arrays: Record<string, { data: TypedArray; shape: number[]; attrs: Record<string, unknown> }> = {};
  for (const name of (root as unknown as { contents(): { path: string; kind: string }[] }).contents().filter((c) => c.kind === "array").map((c) => c.path.slice(1))) {
    const a = await zarr.open(grp.resolve(name), { kind: "array" });
    const got = await zarr.get(a);
    arrays[name] = { data: got.data as TypedArray, shape: got.shape, attrs: a.attrs as Record<string, unknown> };
  }
  return { attrs: grp.attrs as Record<string, unknown>, arrays };
}
