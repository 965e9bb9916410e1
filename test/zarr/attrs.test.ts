// Attribute values, names and fill values are checked while planning: every refusal names where it is, and
// initializeStore fails before the first byte reaches the store.
import { describe, expect, it } from "vitest";
import { AttributeError, normalizeAttrs } from "../../src/zarr/attrs.js";
import { FillValueError, normalizeFillValue } from "../../src/zarr/fill.js";
import { Dataset } from "../../src/model/dataset.js";
import { planDataset } from "../../src/write/plan.js";
import { initializeStore } from "../../src/write/initialize.js";

const ds = (attrs: Record<string, unknown>, varAttrs: Record<string, unknown> = {}, name = "temp", dim = "x"): Dataset =>
  new Dataset({ dataVars: { [name]: { dims: [dim], data: Float32Array.of(1, 2, 3), attrs: varAttrs } }, attrs });

/** initializeStore must fail with `pattern` and leave the store as empty as it found it. */
async function refusedBeforeWriting(d: Dataset, zarrFormat: 2 | 3, pattern: RegExp): Promise<void> {
  const store = new Map<string, Uint8Array>();
  await expect(initializeStore(d, store, { zarrFormat })).rejects.toThrow(pattern);
  expect([...store.keys()]).toEqual([]);
}

describe("normalizeAttrs", () => {
  it("turns Dates into ISO-8601 strings and TypedArrays into arrays, dropping undefined keys", () => {
    const when = new Date(Date.UTC(2024, 1, 29, 12, 30, 0, 250));
    expect(normalizeAttrs({ created: when, list: [when, undefined], v: Int16Array.of(1, -2), big: 2n ** 64n, skip: undefined }, "the dataset", 3))
      .toEqual({ created: "2024-02-29T12:30:00.250Z", list: ["2024-02-29T12:30:00.250Z", null], v: [1, -2], big: 2n ** 64n });
    // The caller's object is left as it was.
    const a = { created: when };
    normalizeAttrs(a, "the dataset", 2);
    expect(a.created).toBe(when);
  });
  it("refuses Maps, Sets, functions, symbols, class instances and cycles, naming the path", () => {
    const owner = 'variable "temp"';
    const bad: [unknown, RegExp][] = [
      [{ history: [0, 1, { when: new Map() }] }, /^attrs of variable "temp": \.history\[2\]\.when is a Map/],
      [{ s: new Set([1]) }, /\.s is a Set/],
      [{ f: () => 1 }, /\.f is a function/],
      [{ "odd key": { y: Symbol("y") } }, /\["odd key"\]\.y is a symbol/],
      [{ r: /x/ }, /\.r is a RegExp/],
      [{ b: new ArrayBuffer(2) }, /\.b is a ArrayBuffer/],
      [{ d: new Date(NaN) }, /\.d is an invalid Date/],
    ];
    for (const [attrs, re] of bad) {
      expect(() => normalizeAttrs(attrs as Record<string, unknown>, owner, 2)).toThrow(AttributeError);
      expect(() => normalizeAttrs(attrs as Record<string, unknown>, owner, 2)).toThrow(re);
    }
    const cyc: Record<string, unknown> = { a: { list: [] as unknown[] } };
    ((cyc.a as { list: unknown[] }).list).push(cyc);
    expect(() => normalizeAttrs(cyc, owner, 2)).toThrow(/\.a\.list\[0\] refers back to an attribute holding it \(a circular reference\)/);
    // The same object twice, not inside itself, is no cycle.
    const shared = { k: 1 };
    expect(normalizeAttrs({ a: shared, b: [shared] }, owner, 2)).toEqual({ a: { k: 1 }, b: [{ k: 1 }] });
  });
  it("refuses a NUL byte in an attribute name, at any depth", () => {
    expect(() => normalizeAttrs({ "a\0b": 1 }, "the dataset", 3)).toThrow(/attrs of the dataset: \["a\\u0000b"\] is a name holding a NUL byte/);
    expect(() => normalizeAttrs({ o: { "\0": 1 } }, "the dataset", 3)).toThrow(/\.o\["\\u0000"\] is a name holding a NUL byte/);
  });
  it("keeps NaN and ±Infinity for zarr v2 and refuses them for zarr v3", () => {
    expect(normalizeAttrs({ m: NaN, r: [Infinity, -Infinity], f: Float64Array.of(NaN) }, "the dataset", 2)).toEqual({ m: NaN, r: [Infinity, -Infinity], f: [NaN] });
    expect(() => normalizeAttrs({ valid: { range: [0, Infinity] } }, 'variable "t"', 3))
      .toThrow(/^attrs of variable "t": \.valid\.range\[1\] is Infinity: zarr v3 metadata is JSON/);
    expect(() => normalizeAttrs({ f: Float32Array.of(1, NaN) }, 'variable "t"', 3)).toThrow(/\.f\[1\] is NaN/);
  });
});

describe("planning refuses before anything is written", () => {
  it("attributes the metadata cannot hold, naming the variable or the dataset and the path", async () => {
    await refusedBeforeWriting(ds({}, { history: [{}, {}, { when: new Map() }] }), 2, /attrs of variable "temp": \.history\[2\]\.when is a Map/);
    await refusedBeforeWriting(ds({ f: function named() {} }), 3, /attrs of the dataset: \.f is a function/);
    const cyc: Record<string, unknown> = {};
    cyc.self = cyc;
    await refusedBeforeWriting(ds({}, { cyc }), 2, /attrs of variable "temp": \.cyc\.self refers back/);
    await refusedBeforeWriting(ds({ missing: NaN }), 3, /attrs of the dataset: \.missing is NaN: zarr v3/);
    await refusedBeforeWriting(ds({}, { valid_max: -Infinity }), 3, /attrs of variable "temp": \.valid_max is -Infinity/);
  });
  it("a NUL byte in a variable, dimension or attribute name", async () => {
    await refusedBeforeWriting(ds({}, {}, "te\0mp"), 2, /variable name "te\\u0000mp" holds a NUL byte/);
    await refusedBeforeWriting(ds({}, {}, "temp", "x\0"), 3, /variable "temp": dimension name "x\\u0000" holds a NUL byte/);
    await refusedBeforeWriting(ds({}, { "units\0": "K" }), 2, /attrs of variable "temp": \["units\\u0000"\] is a name holding a NUL byte/);
  });
  it("an int64/uint64 fill value given as a number beyond 2^53, naming the variable and value and asking for a bigint", async () => {
    for (const dtype of ["int64", "uint64"] as const) {
      expect(() => normalizeFillValue(dtype, 2 ** 53, 2, "count")).toThrow(FillValueError);
      expect(() => normalizeFillValue(dtype, 2 ** 63, 3, "count")).toThrow(
        new RegExp(`variable count: fill value 9223372036854776000 for ${dtype} is a JS number beyond ±2\\^53 .*pass the exact value as a bigint`),
      );
      // Safe numbers and bigints stay accepted (bigint out: exact).
      expect(normalizeFillValue(dtype, 2 ** 53 - 1, 3, "count")).toBe(2n ** 53n - 1n);
      expect(normalizeFillValue(dtype, 2n ** 62n + 1n, 3, "count")).toBe(2n ** 62n + 1n);
    }
    expect(normalizeFillValue("int64", -(2 ** 53 - 1), 2, "count")).toBe(-(2n ** 53n - 1n));
    expect(() => normalizeFillValue("int64", -(2 ** 60), 2, "count")).toThrow(/fill value -1152921504606847000 for int64/);
    const d = new Dataset({ dataVars: { count: { dims: ["x"], data: BigInt64Array.of(1n, 2n), encoding: { fillValue: 2 ** 62 + 1 } } } });
    const store = new Map<string, Uint8Array>();
    await expect(initializeStore(d, store, { zarrFormat: 3 })).rejects.toThrow(/variable count: fill value 4611686018427388000 for int64 .*bigint/);
    expect(store.size).toBe(0);
  });
  it("Dates are written as ISO strings; v2 keeps NaN attributes (as xarray writes them)", () => {
    const when = new Date(Date.UTC(2000, 0, 1));
    const plan = planDataset(ds({ created: when, missing: NaN }, { when }), { zarrFormat: 2 });
    expect(plan.attrs).toEqual({ created: "2000-01-01T00:00:00.000Z", missing: NaN });
    expect(plan.variables[0]!.spec.attrs).toEqual({ when: "2000-01-01T00:00:00.000Z" });
  });
});
