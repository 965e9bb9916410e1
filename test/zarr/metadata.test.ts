import { describe, expect, it } from "vitest";
import * as zarr from "zarrita";
import {
  toJson, RawJson, chunkKey, defaultFillValue, normalizeFillValue, fillValueJson, xarrayFillAttr, metadataEntries,
  cfTime, v2DType, type ArraySpec,
} from "../../src/zarr/index.js";

describe("JSON", () => {
  it("writes 64-bit integers exactly, -0.0, and refuses NaN", () => {
    expect(toJson({ a: 18446744073709551615n, b: new RawJson("-0.0") }, 0)).toBe('{"a":18446744073709551615,"b":-0.0}');
    expect(() => toJson({ attrs: { x: NaN } })).toThrow(/\$\.attrs\.x is NaN/);
  });
});

describe("fill values", () => {
  it("follows xarray's defaults per format", () => {
    expect(defaultFillValue("float32", 2)).toBeNaN();
    expect(defaultFillValue("int16", 2)).toBeNull();
    expect(defaultFillValue("bool", 2)).toBeNull();
    expect(defaultFillValue("int16", 3)).toBe(0);
    expect(defaultFillValue("uint64", 3)).toBe(0n);
    expect(defaultFillValue("bool", 3)).toBe(false);
  });
  it("encodes special floats and big integers", () => {
    expect(fillValueJson("float64", NaN)).toBe("NaN");
    expect(fillValueJson("float32", Infinity)).toBe("Infinity");
    expect(fillValueJson("float32", -Infinity)).toBe("-Infinity");
    expect(toJson(fillValueJson("float64", -0), 0)).toBe("-0.0");
    expect(toJson(fillValueJson("int64", normalizeFillValue("int64", -(2n ** 63n), 2)), 0)).toBe("-9223372036854775808");
    expect(toJson(fillValueJson("uint64", normalizeFillValue("uint64", 2n ** 64n - 1n, 3)), 0)).toBe("18446744073709551615");
    expect(() => normalizeFillValue("uint8", 256, 2, "v")).toThrow(/variable v: fill value 256 is outside uint8/);
    expect(() => normalizeFillValue("int32", 1.5, 2, "v")).toThrow(/not an integer/);
    expect(() => normalizeFillValue("int32", null, 3, "v")).toThrow(/v3 requires/);
    expect(xarrayFillAttr("float64", NaN)).toBe("AAAAAAAA+H8=");
    expect(xarrayFillAttr("float32", -9999)).toBe("AAAAAICHw8A=");
  });
});

describe("keys and dtypes", () => {
  it("names chunks per format", () => {
    expect(chunkKey(2, "t", [0, 1, 2])).toBe("/t/0.1.2");
    expect(chunkKey(2, "t", [0, 1, 2], "/")).toBe("/t/0/1/2");
    expect(chunkKey(3, "t", [0, 1, 2])).toBe("/t/c/0/1/2");
    expect(chunkKey(2, "t", [])).toBe("/t/0");
    expect(chunkKey(3, "t", [])).toBe("/t/c");
    expect(v2DType("bool")).toBe("|b1");
    expect(v2DType("uint64")).toBe("<u8");
  });
});

describe("cfTime", () => {
  it("encodes dates as CF numbers", () => {
    const t = cfTime([new Date(Date.UTC(2000, 0, 1)), new Date(Date.UTC(2000, 0, 1, 6))], "hours since 2000-01-01 00:00:00");
    expect(Array.from(t.data)).toEqual([0n, 6n]);
    expect(t.attrs).toEqual({ units: "hours since 2000-01-01 00:00:00", calendar: "proleptic_gregorian" });
    expect(cfTime([new Date(Date.UTC(2000, 0, 1, 12))], "days since 2000-01-01").data).toBeInstanceOf(Float64Array);
    expect(() => cfTime([], "fortnights since 2000-01-01")).toThrow(/units/);
    expect(() => cfTime([], "days since 2000-01-01", "noleap")).toThrow(/calendar/);
  });
});

function spec(over: Partial<ArraySpec>): ArraySpec {
  return {
    name: "a", dims: ["x"], shape: [5], chunkShape: [4], dtype: "int16", fillValue: -1, attrs: { units: "K" },
    compressor: null, filters: null, codecs: [{ name: "bytes", configuration: { endian: "little" } }], ...over,
  };
}

describe("metadata read back by zarrita (raw chunks)", () => {
  for (const format of [2, 3] as const) {
    it(`zarr v${format}, consolidated`, async () => {
      const store = new Map<string, Uint8Array>();
      const arrays = [spec({}), spec({ name: "b", dtype: "float64", fillValue: -0, dims: ["y", "z"], shape: [3, 2], chunkShape: [2, 2] })];
      for (const [k, v] of metadataEntries(format, { title: "T" }, arrays, true)) store.set(k, v);
      const i16 = new Int16Array([0, 1, 2, 3]);
      store.set(chunkKey(format, "a", [0]), new Uint8Array(i16.buffer));
      const root = await zarr.withConsolidatedMetadata(store as never, { format: format === 2 ? "v2" : "v3" });
      const grp = await zarr.open(root, { kind: "group" });
      expect(grp.attrs).toEqual({ title: "T" });
      const a = await zarr.open(grp.resolve("a"), { kind: "array" });
      expect(a.shape).toEqual([5]);
      const got = await zarr.get(a);
      expect(Array.from(got.data as Int16Array)).toEqual([0, 1, 2, 3, -1]);
      const b = await zarr.open(grp.resolve("b"), { kind: "array" });
      expect(b.shape).toEqual([3, 2]);
      // -0.0 survives JSON.parse (zarrita's consolidated view re-serialises it and loses the sign: not ours to test)
      const doc = JSON.parse(new TextDecoder().decode(store.get(format === 2 ? "/b/.zarray" : "/b/zarr.json")));
      expect(Object.is(doc.fill_value, -0)).toBe(true);
      if (format === 2) expect(a.attrs).toMatchObject({ units: "K", _ARRAY_DIMENSIONS: ["x"] });
      else expect(a.attrs).toEqual({ units: "K" });
    });
  }
});
