// A 0-d chunked variable is one chunk of one element; it goes through the same WASM slicer as n-d arrays.
import { describe, expect, it } from "vitest";
import * as zarr from "zarrita";
import { Dataset, lazy, initializeStore, writePartition } from "xpartition";

describe("0-d chunked variables", () => {
  it("are written by a partitioned write and read back by zarrita (v2 and v3)", async () => {
    const ds = new Dataset({
      dataVars: {
        s: { dims: [], data: lazy({ shape: [], dtype: "float64", chunks: [], compute: () => Float64Array.of(4.25) }) },
        t: { dims: ["x"], data: lazy({ shape: [5], dtype: "int16", chunks: [2], compute: ([r]) => Int16Array.from({ length: r!.stop - r!.start }, (_, i) => r!.start + i) }) },
      },
    });
    for (const zarrFormat of [2, 3] as const) {
      const store = new Map<string, Uint8Array>();
      await initializeStore(ds, store, { zarrFormat });
      for (let rank = 0; rank < 3; rank++) await writePartition(ds, store, { ranks: 3, dims: ["x"], rank });
      const root = await zarr.open(store, { kind: "group" });
      const s = await zarr.get(await zarr.open(root.resolve("s"), { kind: "array" }));
      expect(s).toBe(4.25);
      const t = await zarr.get(await zarr.open(root.resolve("t"), { kind: "array" }));
      expect(Array.from(t.data as Int16Array)).toEqual([0, 1, 2, 3, 4]);
    }
  });
});
