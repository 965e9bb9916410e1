import { describe, expect, it } from "vitest";
import { DataArray, Dataset, DimensionConflictError, ShapeError, UnknownDimensionError, fromArray, initializeStore, writePartition } from "../../src/index.js";
import { readAll } from "../write/helpers.js";
import { rangeStore } from "../write/shard-helpers.js";
import { UnknownVariableError } from "../../src/model/errors.js";
import { LazyArray } from "../../src/internal.js";
import { PIECES_IN_FLIGHT } from "../../src/model/assemble.js";
import { arr, gather, range, source } from "./ops-helpers.js";

const R = (start: number, stop: number) => ({ start, stop });

describe("DataArray.isel", () => {
  it("slices (Python semantics) and integer indices (dropping the dim) equal the naive reference, lazily", async () => {
    const { array, calls, full } = source([6, 5, 7], [4, 2, 3]);
    const da = new DataArray({ name: "t", dims: ["time", "y", "x"], data: array, attrs: { units: "K" }, encoding: { compressor: { id: "zstd" } } });
    const sub = da.isel({ time: { start: -5, stop: 100 }, y: -2, x: { stop: -2 } });
    expect(calls).toEqual([]); // nothing computed
    expect(sub.dims).toEqual(["time", "x"]);
    expect(sub.shape).toEqual([5, 5]);
    expect(sub.chunks).toEqual([[3, 2], [3, 2]]);
    expect(sub.attrs).toEqual({ units: "K" });
    expect(sub.encoding).toEqual({ compressor: { id: "zstd" } });
    const ref = gather(full, [6, 5, 7], [range(1, 6), [3], range(0, 5)]);
    expect(arr(await sub.compute())).toEqual(arr(ref));
    expect(calls.map((c) => c.region)).toEqual(["1:6,3:4,0:5"]);
    calls.length = 0;
    // A sub-region asks the source for exactly that part.
    expect(arr(await sub.compute([R(2, 4), R(1, 3)]))).toEqual(arr(gather(full, [6, 5, 7], [range(3, 5), [3], range(1, 3)])));
    expect(calls.map((c) => c.region)).toEqual(["3:5,3:4,1:3"]);
  });

  it("reversed and empty slices select nothing; a 0-d result from integers on every dim", async () => {
    const { array, full } = source([4, 3], [2, 3]);
    const da = new DataArray({ name: "v", dims: ["a", "b"], data: array });
    expect(da.isel({ a: { start: 3, stop: 1 } }).shape).toEqual([0, 3]);
    const one = da.isel({ a: -1, b: 1 });
    expect(one.dims).toEqual([]);
    expect(arr(await one.compute())).toEqual([full[3 * 3 + 1]]);
  });

  it("in-memory data is sliced now, with the same rules", async () => {
    const data = Float64Array.from(range(0, 12));
    const da = new DataArray({ name: "m", dims: ["y", "x"], data: fromArray(data, [3, 4]) });
    const sub = da.isel({ y: { start: 1 }, x: -1 });
    expect(sub.chunked).toBe(false);
    expect(sub.dims).toEqual(["y"]);
    expect(arr(await sub.compute())).toEqual([7, 11]);
  });

  it("errors name the dim, the value and the size", () => {
    const da = new DataArray({ name: "v", dims: ["a", "b"], data: source([4, 3], [2, 3]).array });
    expect(() => da.isel({ a: 4 })).toThrow(ShapeError);
    expect(() => da.isel({ a: 4 })).toThrow(/index 4 is out of range for dimension "a" of "v", of size 4 \(valid: -4\.\.3\)/);
    expect(() => da.isel({ b: -4 })).toThrow(/index -4 .* "b" .* size 3/);
    expect(() => da.isel({ c: 0 })).toThrow(UnknownDimensionError);
    expect(() => da.isel({ c: 0 })).toThrow(/"c" is not a dimension of "v"/);
    expect(() => da.isel({ a: 1.5 })).toThrow(/index 1.5 for dimension "a" of "v" is not an integer/);
    expect(() => da.isel({ a: { start: 0, stop: 4, step: 2 } })).toThrow(/"a" of "v" has step 2/);
    expect(() => da.isel({ a: { begin: 1 } as never })).toThrow(/unknown key "begin"/);
    expect(() => da.isel([{ start: 0, stop: 1 }] as never)).toThrow(/indexers must be an object of dim: indexer/);
    expect(() => da.isel({ a: "1" as never })).toThrow(/indexer for dimension "a" of "v" must be an integer or \{ start\?, stop\? \}, got "1"/);
  });

  it("per-axis encoding entries (shards, chunks, sharding_indexed chunk_shape) lose the dropped dims", () => {
    const { array } = source([8, 6, 4], [4, 3, 2]);
    const shardCodec = { name: "sharding_indexed", configuration: { chunk_shape: [2, 3, 2], codecs: [{ name: "bytes" }] } };
    const da = new DataArray({ name: "v", dims: ["t", "y", "x"], data: array, encoding: { shards: [8, 6, 4], chunks: [4, 3, 2], codecs: [shardCodec], fillValue: 0 } });
    const sub = da.isel({ y: 2, t: { stop: 4 } });
    expect(sub.encoding).toEqual({
      shards: [8, 4], chunks: [4, 2], fillValue: 0,
      codecs: [{ name: "sharding_indexed", configuration: { chunk_shape: [2, 2], codecs: [{ name: "bytes" }] } }],
    });
    expect(da.encoding.shards).toEqual([8, 6, 4]); // the original is untouched
    // A slice cuts `chunks` (the source's chunking) to the new sizes; shards may stay longer than a dim.
    expect(da.isel({ t: { start: 5 }, x: { stop: 1 } }).encoding).toMatchObject({ shards: [8, 6, 4], chunks: [3, 3, 1] });
  });
});

describe("chunk", () => {
  it("a rechunked array equals the source; a block computes only the input regions it overlaps", async () => {
    const { array, calls, full } = source([6, 5, 4], [[1, 1, 1, 1, 1, 1], [2, 3], [4]]);
    const da = new DataArray({ name: "t", dims: ["time", "y", "x"], data: array });
    const re = da.chunk({ time: 4, y: -1 });
    expect(calls).toEqual([]);
    expect(re.chunks).toEqual([[4, 2], [5], [4]]);
    expect(arr(await re.compute())).toEqual(arr(full));
    calls.length = 0;
    // Output block time 4:6 overlaps input chunks time 4 and 5, y 0:2 and 2:5.
    const out = new Float64Array(2 * 5 * 4);
    const got = await re.compute([R(4, 6), R(0, 5), R(0, 4)], out);
    expect(got).toBe(out);
    expect(arr(got)).toEqual(arr(gather(full, [6, 5, 4], [range(4, 6), range(0, 5), range(0, 4)])));
    expect(calls.map((c) => c.region).sort()).toEqual(["4:5,0:2,0:4", "4:5,2:5,0:4", "5:6,0:2,0:4", "5:6,2:5,0:4"]);
    // Each piece is one contiguous run of the output: computed straight into it.
    expect(calls.every((c) => c.out && c.buffer === out.buffer)).toBe(true);
  });

  it("pieces that are not contiguous in the output go through temporaries, a bounded number at a time", async () => {
    const { array, calls, full, inFlight } = source([4, 12], [[4], range(0, 12).map(() => 1)], 0, { delay: true });
    const re = new DataArray({ name: "t", dims: ["y", "x"], data: array }).chunk({ x: 12 });
    const got = await re.compute([R(0, 4), R(0, 12)]);
    expect(arr(got)).toEqual(arr(full));
    expect(calls.map((c) => c.region)).toEqual(range(0, 12).map((x) => `0:4,${x}:${x + 1}`));
    expect(calls.every((c) => !c.out)).toBe(true);
    // PIECES_IN_FLIGHT pieces of 4 elements at once (the pieces partition the block: never more than it).
    expect(inFlight.max).toBe(Math.min(PIECES_IN_FLIGHT, 12) * 4);
    // A block inside one input chunk is passed through as is.
    calls.length = 0;
    await re.compute([R(1, 3), R(7, 8)]);
    expect(calls.map((c) => c.region)).toEqual(["1:3,7:8"]);
  });

  it("a failing input piece fails the block, naming the variable", async () => {
    const bad = new LazyArray({ shape: [4], dtype: "float64", chunks: [1], name: "wind", compute: (r) => (r[0]!.start === 2 ? new Float64Array(5) : new Float64Array(1)) });
    const re = new DataArray({ name: "wind", dims: ["x"], data: bad }).chunk({ x: 4 });
    await expect(re.compute()).rejects.toThrow(/compute function of "wind" returned Float64Array\(5\) for region \[2:3\]/);
  });

  it("the same chunks give the same array; in-memory data becomes chunked; -1 is one chunk", async () => {
    const { array } = source([6, 4], [3, 2]);
    const da = new DataArray({ name: "v", dims: ["a", "b"], data: array });
    expect(da.chunk({ a: 3 })).toBe(da);
    expect(da.chunk({ b: -1 }).chunks).toEqual([[3, 3], [4]]);
    const m = new DataArray({ name: "m", dims: ["x"], data: Float64Array.from(range(0, 10)) });
    const mc = m.chunk({ x: 4 });
    expect(mc.data).toBeInstanceOf(LazyArray);
    expect(mc.chunks).toEqual([[4, 4, 2]]);
    expect(arr(await mc.compute([R(3, 9)]))).toEqual(range(3, 9));
  });

  it("errors: a dim the array (or dataset) does not have, a bad length", () => {
    const da = new DataArray({ name: "v", dims: ["a", "b"], data: source([6, 4], [3, 2]).array });
    expect(() => da.chunk({ c: 2 })).toThrow(/"c" is not a dimension of "v"/);
    expect(() => da.chunk({ a: 0 })).toThrow(/dimension "a" of "v".*positive integer.*got 0/);
    const ds = new Dataset({ dataVars: { v: da } });
    expect(() => ds.chunk({ time: 2 })).toThrow(UnknownDimensionError);
    expect(() => ds.chunk({ time: 2 })).toThrow(/"time" is not a dimension of the dataset: known dimensions: \["a", "b"\]/);
  });

  it("a shards encoding that no longer holds whole chunks is dropped with a warning; one that does is kept", () => {
    const { array } = source([8, 6], [2, 3]);
    const da = new DataArray({ name: "v", dims: ["t", "x"], data: array, encoding: { shards: [4, 6], compressor: null, chunks: [2, 3] } });
    const warnings: string[] = [];
    const kept = da.chunk({ t: 4 }, { onWarning: (m) => warnings.push(m) });
    expect(kept.encoding).toEqual({ shards: [4, 6], compressor: null });
    expect(warnings).toEqual([]);
    const dropped = da.chunk({ t: 3 }, { onWarning: (m) => warnings.push(m) });
    expect(dropped.encoding).toEqual({ compressor: null });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/variable "v" was rechunked to \[3, 3\] over \(t, x\): its encoding.shards \[4,6\] no longer holds whole chunks and is dropped/);
    // A sharding_indexed codec (chunks are the shards) whose inner chunk_shape no longer divides them.
    const codec = { name: "sharding_indexed", configuration: { chunk_shape: [2, 3], codecs: [{ name: "bytes" }, { name: "zstd" }] } };
    const sh = new DataArray({ name: "s", dims: ["t", "x"], data: array, encoding: { codecs: [codec] } });
    expect(sh.chunk({ t: 4 }, { onWarning: (m) => warnings.push(m) }).encoding).toEqual({ codecs: [codec] });
    expect(sh.chunk({ t: 3 }, { onWarning: (m) => warnings.push(m) }).encoding).toEqual({ codecs: [{ name: "bytes" }, { name: "zstd" }] });
    expect(warnings[1]).toMatch(/variable "s" .*sharding_indexed chunk_shape \[2,3\] no longer divides/);
  });
});

function sample() {
  const t = source([7, 5, 6], [3, 5, 2], 1);
  const f = source([5, 6], [5, 6], 2);
  const ds = new Dataset({
    coords: {
      time: { dims: ["time"], data: Float64Array.from(range(0, 7)), attrs: { units: "days since 2000-01-01" } },
      x: { dims: ["x"], data: Float64Array.from(range(10, 16)) },
      lat: { dims: ["y", "x"], data: fromArray(Float64Array.from(range(0, 30)), [5, 6]) },
    },
    dataVars: {
      temp: { dims: ["time", "y", "x"], data: t.array, attrs: { units: "K" }, encoding: { compressor: { id: "zstd" } } },
      flag: { dims: ["y", "x"], data: f.array },
    },
    attrs: { title: "sample" },
  });
  return { ds, t, f };
}

describe("Dataset operations", () => {
  it("isel: every variable with the dim; an integer makes a 1-d coordinate scalar; errors name the dataset's dims", async () => {
    const { ds, t } = sample();
    const sub = ds.isel({ time: 2, x: { start: 1, stop: -1 } });
    expect(t.calls).toEqual([]);
    expect(sub.sizes).toEqual({ y: 5, x: 4 });
    expect(sub.coords.time!.dims).toEqual([]);
    expect(arr(await sub.coords.time!.compute())).toEqual([2]);
    expect(arr(await sub.coords.x!.compute())).toEqual([11, 12, 13, 14]);
    expect(sub.dataVars.temp!.encoding).toEqual({ compressor: { id: "zstd" } });
    expect(arr(await sub.dataVars.temp!.compute())).toEqual(arr(gather(t.full, [7, 5, 6], [[2], range(0, 5), range(1, 5)])));
    expect(sub.attrs).toEqual({ title: "sample" });
    expect(() => ds.isel({ time: 7 })).toThrow(/index 7 is out of range for dimension "time" of the dataset, of size 7/);
    expect(() => ds.isel({ level: 0 })).toThrow(/"level" is not a dimension of the dataset: known dimensions: \["time", "x", "y"\]/);
  });

  it("select keeps the named variables with the coords they need; dropVars; unknown names are errors naming them", () => {
    const { ds } = sample();
    const s = ds.select(["flag"]);
    expect(Object.keys(s.dataVars)).toEqual(["flag"]);
    expect(Object.keys(s.coords)).toEqual(["x", "lat"]); // time is not needed by flag
    expect(Object.keys(ds.select(["temp", "time"]).coords)).toEqual(["time", "x", "lat"]);
    expect(() => ds.select(["flag", "wind", "rain"])).toThrow(UnknownVariableError);
    expect(() => ds.select(["flag", "wind", "rain"])).toThrow(/select: variables \["wind", "rain"\] are not in the dataset; its variables: \["time", "x", "lat", "temp", "flag"\]/);
    const d = ds.dropVars(["lat", "temp"]);
    expect(Object.keys(d.variables)).toEqual(["time", "x", "flag"]);
    expect(d.sizes).toEqual({ time: 7, x: 6, y: 5 });
    expect(() => ds.dropVars("wind")).toThrow(/dropVars: variable \["wind"\] is not in the dataset/);
  });

  it("rename: variables and dims (a dimension coordinate renames both); clashes and unknown names are errors", async () => {
    const { ds, t } = sample();
    const r = ds.rename({ time: "t", temp: "temperature", y: "lat_index" });
    expect(Object.keys(r.variables)).toEqual(["t", "x", "lat", "temperature", "flag"]);
    expect(r.coords.t!.dims).toEqual(["t"]);
    expect(r.dataVars.temperature!.dims).toEqual(["t", "lat_index", "x"]);
    expect(r.dataVars.temperature!.name).toBe("temperature");
    expect(r.coords.lat!.dims).toEqual(["lat_index", "x"]);
    expect(r.sizes).toEqual({ t: 7, x: 6, lat_index: 5 });
    expect(r.dataVars.temperature!.encoding).toEqual({ compressor: { id: "zstd" } });
    expect(arr(await r.dataVars.temperature!.compute())).toEqual(arr(t.full));
    expect(() => ds.rename({ temp: "flag" })).toThrow(DimensionConflictError);
    expect(() => ds.rename({ temp: "flag" })).toThrow(/renaming "temp" to "flag" clashes with the existing variable "flag"/);
    expect(() => ds.rename({ temp: "a", flag: "a" })).toThrow(/both "temp" and "flag" would be renamed to "a"/);
    expect(() => ds.rename({ y: "x" })).toThrow(/renaming "y" to "x" clashes with the existing dimension "x"/);
    expect(() => ds.rename({ wind: "w" })).toThrow(/"wind" is neither a variable nor a dimension of the dataset/);
  });

  it("DataArray.rename: a name as before, or dims; clashes and unknown dims are errors", () => {
    const da = new DataArray({ name: "v", dims: ["a", "b"], data: source([2, 3], [1, 3]).array, encoding: { fillValue: 1 } });
    expect(da.rename("w").name).toBe("w");
    const r = da.rename({ a: "time" });
    expect(r.dims).toEqual(["time", "b"]);
    expect(r.name).toBe("v");
    expect(r.encoding).toEqual({ fillValue: 1 });
    expect(() => da.rename({ a: "b" })).toThrow(/rename of "v" would give two dims the name "b"/);
    expect(() => da.rename({ c: "d" })).toThrow(/"c" is not a dimension of "v"/);
  });

  it("assignAttrs merges; assign adds or replaces variables (a coordinate stays a coordinate); sizes are checked", () => {
    const { ds } = sample();
    const a = ds.assignAttrs({ history: "made", title: "new" });
    expect(a.attrs).toEqual({ title: "new", history: "made" });
    expect(ds.attrs).toEqual({ title: "sample" });
    const b = ds.assign({
      wind: new DataArray({ name: "other", dims: ["y", "x"], data: source([5, 6], [5, 3]).array }),
      x: { dims: ["x"], data: Float64Array.from(range(0, 6)), attrs: { units: "m" } },
    });
    expect(Object.keys(b.dataVars)).toEqual(["temp", "flag", "wind"]);
    expect(b.dataVars.wind!.name).toBe("wind");
    expect(b.coords.x!.attrs).toEqual({ units: "m" });
    expect(() => ds.assign({ bad: { dims: ["x"], data: new Float64Array(3) } })).toThrow(/"x" has size 6 .* but size 3 in variable "bad"/);
  });

  it("Dataset.chunk rechunks every variable with a dim given, except in-memory dimension coordinates", async () => {
    const { ds, t } = sample();
    const c = ds.chunk({ time: 4, x: -1 });
    expect(t.calls).toEqual([]);
    expect(c.dataVars.temp!.chunks).toEqual([[4, 3], [5], [6]]);
    expect(c.dataVars.flag!.chunks).toEqual([[5], [6]]);
    expect(c.dataVars.flag).toBe(ds.dataVars.flag); // already so: the same variable
    expect(c.coords.lat!.chunks).toEqual([[5], [6]]);
    expect(arr(await c.coords.lat!.compute([R(1, 2), R(0, 6)]))).toEqual(range(6, 12));
    expect(c.coords.x!.chunked).toBe(false);
    expect(c.coords.time!.chunked).toBe(false);
    expect(arr(await c.dataVars.temp!.compute())).toEqual(arr(t.full));
    t.calls.length = 0;
    await c.dataVars.temp!.compute([R(4, 7), R(0, 5), R(0, 6)]);
    // Input chunks time 3:6 and 6:7 (time), x 0:2, 2:4, 4:6: only their overlaps with time 4:7.
    expect(t.calls.map((x) => x.region).sort()).toEqual(
      ["4:6,0:5,0:2", "4:6,0:5,2:4", "4:6,0:5,4:6", "6:7,0:5,0:2", "6:7,0:5,2:4", "6:7,0:5,4:6"],
    );
  });
});

describe("encoding through isel and chunk, written", () => {
  it("shards lose the dropped dim under isel and stay when chunk keeps them whole: written sharded, read back equal", async () => {
    const { array, full } = source([8, 3, 6], [2, 1, 3]);
    const ds = new Dataset({ dataVars: { v: { dims: ["t", "y", "x"], data: array, encoding: { shards: [4, 3, 6], compressor: { id: "zstd", level: 1 } } } } });
    const warnings: string[] = [];
    const out = ds.isel({ y: -1 }).chunk({ t: 4, x: 3 }, { onWarning: (m) => warnings.push(m) });
    expect(out.dataVars.v!.encoding).toEqual({ shards: [4, 6], compressor: { id: "zstd", level: 1 } });
    expect(warnings).toEqual([]);
    const store = new Map<string, Uint8Array>();
    await initializeStore(out, store, { zarrFormat: 3 });
    const meta = JSON.parse(new TextDecoder().decode(store.get("/v/zarr.json")!));
    expect(meta.chunk_grid.configuration.chunk_shape).toEqual([4, 6]);
    expect(meta.codecs[0]).toMatchObject({ name: "sharding_indexed", configuration: { chunk_shape: [4, 3] } });
    for (let rank = 0; rank < 2; rank++) await writePartition(out, store, { ranks: 2, dims: ["t"], rank });
    const got = await readAll(rangeStore(store), 3);
    expect(arr(got.arrays.v!.data)).toEqual(arr(gather(full, [8, 3, 6], [range(0, 8), [2], range(0, 6)])));
    // Chunks of 3 along t no longer fit shards of 4: dropped, with a warning naming the variable; written unsharded.
    const plain = ds.isel({ y: 0 }).chunk({ t: 3 }, { onWarning: (m) => warnings.push(m) });
    expect(plain.dataVars.v!.encoding).toEqual({ compressor: { id: "zstd", level: 1 } });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/"v" was rechunked to \[3, 3\] over \(t, x\): its encoding.shards \[4,6\]/);
    const s2 = new Map<string, Uint8Array>();
    await initializeStore(plain, s2, { zarrFormat: 3 });
    await writePartition(plain, s2, { ranks: 1, dims: ["t"], rank: 0 });
    expect(arr((await readAll(s2, 3)).arrays.v!.data)).toEqual(arr(gather(full, [8, 3, 6], [range(0, 8), [0], range(0, 6)])));
  });
});

describe("an output buffer detached while inputs compute", () => {
  it("(WASM memory grown by an input) the block is computed again into memory of its own, equal to the reference", async () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 4 });
    const { array, full, calls } = source([4, 6], [1, 6]);
    let grown = false;
    const growing = new LazyArray({
      shape: [4, 6], dtype: "float64", chunks: [1, 6], name: "g",
      compute: async (r, out, cache) => {
        if (!grown && out) {
          grown = true;
          memory.grow(1); // detaches every view of the old buffer, `out` included
        }
        return array.compute(r, out && out.byteLength > 0 ? out : undefined, cache);
      },
    });
    const re = new DataArray({ name: "g", dims: ["y", "x"], data: growing }).chunk({ y: 4 });
    const out = new Float64Array(memory.buffer, 0, 24);
    const got = await re.compute([R(0, 4), R(0, 6)], out);
    expect(grown).toBe(true);
    expect(out.byteLength).toBe(0);
    expect(got === out).toBe(false);
    expect(got.length).toBe(24);
    expect(arr(got)).toEqual(arr(full));
    expect(calls.length).toBeGreaterThanOrEqual(4);
  });
});

describe("a rechunked variable written by several ranks", () => {
  it("each input chunk is computed once, straight into the writer's block (no temporaries)", async () => {
    const { array, full, calls } = source([12, 4, 8], [1, 4, 8]);
    const ds = new Dataset({ dataVars: { v: { dims: ["t", "y", "x"], data: array } } }).chunk({ t: 6 });
    const store = new Map<string, Uint8Array>();
    await initializeStore(ds, store, { zarrFormat: 2 });
    for (let rank = 0; rank < 2; rank++) await writePartition(ds, store, { ranks: 2, dims: ["t"], rank });
    expect(arr((await readAll(store, 2)).arrays.v!.data)).toEqual(arr(full));
    expect(calls.map((c) => c.region).sort()).toEqual(range(0, 12).map((t) => `${t}:${t + 1},0:4,0:8`).sort());
    expect(calls.every((c) => c.out)).toBe(true);
  });
});
