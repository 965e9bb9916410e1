import { describe, expect, it } from "vitest";
import { d1Dataset, d1Generate } from "../../src/demo/index.js";
import { initializeStore, writePartition } from "../../src/index.js";
import { readAll } from "./helpers.js";

describe("D1", () => {
  it("writes D1 (time 16) over tile and time and zarrita reads identical values (v2 and v3)", async () => {
    const want = d1Generate(16);
    for (const format of [2, 3] as const) {
      const ds = d1Dataset({ time: 16 });
      const store = new Map<string, Uint8Array>();
      await initializeStore(ds, store, { zarrFormat: format });
      for (let r = 0; r < 3; r++) await writePartition(ds, store, { ranks: 3, dims: ["tile", "time"], rank: r, memoryBudget: 8 << 20 });
      const got = await readAll(store, format);
      expect(got.attrs).toEqual({ title: "D1" });
      expect(got.arrays.temp!.shape).toEqual([16, 6, 256, 256]);
      expect(Buffer.from((got.arrays.temp!.data as Float32Array).buffer).equals(Buffer.from(want.temp.buffer))).toBe(true);
      expect(Buffer.from((got.arrays.wind!.data as Float32Array).buffer).equals(Buffer.from(want.wind.buffer))).toBe(true);
      expect(Array.from(got.arrays.tile!.data as Int32Array)).toEqual([0, 1, 2, 3, 4, 5]);
    }
  });

  it("copies from a precomputed source identically", async () => {
    const src = d1Generate(8);
    const a = d1Dataset({ time: 8, source: src });
    const region = [{ start: 0, stop: 8 }, { start: 2, stop: 3 }, { start: 0, stop: 256 }, { start: 0, stop: 256 }];
    const fromSrc = await a.dataVars.temp!.compute(region);
    const fresh = await d1Dataset({ time: 8 }).dataVars.temp!.compute(region);
    expect(Buffer.from(fromSrc.buffer).equals(Buffer.from(fresh.buffer))).toBe(true);
  });
});
