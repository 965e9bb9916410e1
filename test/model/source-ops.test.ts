// The Dataset operations on stores opened with openZarr: a block of a rechunked (or isel-ed, or concatenated)
// source reads only the source chunks it overlaps, each once over all ranks, and the copy equals the source.
import { describe, expect, it } from "vitest";
import { Dataset, fromArray, initializeStore, writePartition } from "../../src/index.js";
import { concat } from "../../src/model/concat.js";
import { openZarr } from "../../src/sources/zarr.js";
import { readAll } from "../write/helpers.js";
import { arr, concatRef, gather, range } from "./ops-helpers.js";

const [T, Y, X] = [12, 4, 6];

/** A v2 store of `temp` (time, y, x) chunked (1, 2, 3), written by our writer; its values are k*1000 + i. */
async function store(k: number, t0: number): Promise<{ map: Map<string, Uint8Array>; full: Float64Array }> {
  const full = Float64Array.from({ length: T * Y * X }, (_, i) => k * 1000 + i);
  const ds = new Dataset({
    coords: { time: { dims: ["time"], data: Float64Array.from(range(t0, t0 + T)) }, x: { dims: ["x"], data: Float64Array.from(range(0, X)) } },
    dataVars: { temp: { dims: ["time", "y", "x"], data: fromArray(full, [T, Y, X], { chunks: [1, 2, 3] }), attrs: { units: "K" } } },
    attrs: { title: "source" },
  });
  const map = new Map<string, Uint8Array>();
  await initializeStore(ds, map, { zarrFormat: 2 });
  await writePartition(ds, map, { ranks: 1, rank: 0, dims: ["time"] });
  return { map, full };
}

const counter = () => {
  const reads = new Map<string, number>();
  return { reads, onChunkRead: (v: string, c: readonly number[]) => reads.set(`${v}/${c.join(",")}`, (reads.get(`${v}/${c.join(",")}`) ?? 0) + 1) };
};

describe("operations on an opened zarr store", () => {
  it("a block of the rechunked source reads only the source chunks it overlaps", async () => {
    const { map, full } = await store(0, 0);
    const c = counter();
    const ds = (await openZarr(map, { onChunkRead: c.onChunkRead })).chunk({ time: 4, y: -1, x: -1 });
    c.reads.clear(); // dimension coordinates are read at open
    const temp = ds.dataVars.temp!;
    expect(temp.chunks).toEqual([[4, 4, 4], [4], [6]]);
    expect(temp.encoding).toMatchObject({ dtype: "<f8", zarrFormat: 2 });
    expect(temp.encoding.chunks).toBeUndefined(); // the source's chunking is superseded
    const got = await temp.compute([{ start: 4, stop: 8 }, { start: 0, stop: 4 }, { start: 0, stop: 6 }]);
    expect(arr(got)).toEqual(arr(gather(full, [T, Y, X], [range(4, 8), range(0, 4), range(0, 6)])));
    // time 4..7 x y chunks 0, 1 x x chunks 0, 1: 16 source chunks, each once.
    expect([...c.reads.keys()].sort()).toEqual(range(4, 8).flatMap((t) => ["0,0", "0,1", "1,0", "1,1"].map((yx) => `temp/${t},${yx}`)).sort());
    expect([...c.reads.values()].every((n) => n === 1)).toBe(true);
  });

  it("isel + concat + chunk of two stores, written by 3 ranks: each source chunk inside the selection read once; equal to the reference", async () => {
    const a = await store(1, 0), b = await store(2, 12);
    const ca = counter(), cb = counter();
    const sel = { time: { start: 2, stop: -2 }, y: 1 };
    const parts = [await openZarr(a.map, { onChunkRead: ca.onChunkRead }), await openZarr(b.map, { onChunkRead: cb.onChunkRead })].map((d) => d.isel(sel));
    ca.reads.clear();
    cb.reads.clear();
    const ds = concat(parts, "time").chunk({ time: 5, x: -1 });
    expect(ds.dataVars.temp!.dims).toEqual(["time", "x"]);
    expect(ds.dataVars.temp!.chunks).toEqual([[5, 5, 5, 1], [6]]);
    const out = new Map<string, Uint8Array>();
    await initializeStore(ds, out, { zarrFormat: 2 });
    for (const rank of [0, 1, 2]) await writePartition(ds, out, { ranks: 3, rank, dims: ["time"] });
    const got = await readAll(out, 2);
    const sliced = [a, b].map((s) => ({ data: gather(s.full, [T, Y, X], [range(2, 10), [1], range(0, X)]), shape: [8, X] }));
    expect(arr(got.arrays.temp!.data)).toEqual(arr(concatRef(sliced, 0)));
    expect(arr(got.arrays.time!.data)).toEqual([...range(2, 10), ...range(14, 22)]);
    expect(got.arrays.temp!.attrs).toMatchObject({ units: "K" });
    // y index 1 lies in y chunk 0; time 2..9; both x chunks: 16 chunks per store, each read once.
    for (const c of [ca, cb]) {
      expect([...c.reads.keys()].sort()).toEqual(range(2, 10).flatMap((t) => [`temp/${t},0,0`, `temp/${t},0,1`]).sort());
      expect([...c.reads.values()].every((n) => n === 1)).toBe(true);
    }
  });
});
