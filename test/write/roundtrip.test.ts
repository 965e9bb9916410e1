import { describe, expect, it } from "vitest";
import { initializeStore, writePartition } from "../../src/index.js";
import { readAll, small } from "./helpers.js";

describe("write then read back with zarrita", () => {
  for (const format of [2, 3] as const) {
    for (const [ranks, dims] of [[1, ["time"]], [3, ["time", "x"]], [5, ["y"]], [11, ["x", "time", "y"]]] as const) {
      it(`zarr v${format}, ${ranks} ranks over ${dims.join(",")}`, async () => {
        const { ds, temp, flag } = small();
        const store = new Map<string, Uint8Array>();
        await initializeStore(ds, store, { zarrFormat: format });
        for (let r = 0; r < ranks; r++) await writePartition(ds, store, { ranks, dims: [...dims], rank: r, memoryBudget: 200, onWarning: () => {} });
        const got = await readAll(store, format);
        expect(got.attrs).toEqual({ title: "small" });
        expect(Array.from(got.arrays.temp!.data as Float32Array)).toEqual(Array.from(temp));
        expect(got.arrays.temp!.shape).toEqual([7, 5, 6]);
        expect(Array.from(got.arrays.flag!.data as Int16Array)).toEqual(Array.from(flag));
        expect(Array.from(got.arrays.x!.data as Int32Array)).toEqual([0, 1, 2, 3, 4, 5]);
        expect(Array.from(got.arrays.y!.data as Float64Array)).toEqual([0, 10, 20, 30, 40]);
        expect((got.arrays.lat!.data as Float64Array)[7]).toBeCloseTo(7 / 3);
        expect(got.arrays.temp!.attrs).toMatchObject({ units: "K", coordinates: "lat" });
        expect(got.arrays.flag!.attrs).toMatchObject({ coordinates: "lat" });
        for (let r = 0; r < ranks; r++) expect(store.has(`/.xpartition/ranks/${r}.json`)).toBe(true);
      });
    }
  }
});
