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
    expect(() => cfTime([], "days since 2000-01-01", "lunar")).toThrow(/"lunar" is not a CF calendar: expected one of .*360_day/);
  });

  const days = (dates: Parameters<typeof cfTime>[0], calendar: string, since = "2000-01-01") =>
    Array.from(cfTime(dates, `days since ${since}`, calendar).data, Number);

  it("counts days in every CF calendar", () => {
    // A leap day where the calendar has one: 2000 in all but noleap and 360_day; 1900 only in julian and all_leap.
    expect(days(["2001-01-01"], "proleptic_gregorian")).toEqual([366]);
    expect(days(["2001-01-01"], "noleap")).toEqual([365]);
    expect(days(["2001-01-01"], "365_day")).toEqual([365]);
    expect(days(["2001-01-01", "2001-02-29"], "all_leap")).toEqual([366, 425]);
    expect(days(["2001-01-01", "2000-02-30", "2000-12-30"], "360_day")).toEqual([360, 59, 359]);
    expect(days(["1900-03-01"], "proleptic_gregorian", "1900-01-01")).toEqual([59]);
    expect(days(["1900-03-01"], "julian", "1900-01-01")).toEqual([60]);
    expect(days(["1900-03-01"], "standard", "1900-01-01")).toEqual([59]);
    // standard: Julian to 1582-10-04, then Gregorian from the next day, 1582-10-15.
    expect(days(["1582-10-15", "1582-10-01"], "standard", "1582-10-04")).toEqual([1, -3]);
    expect(days(["1582-10-15"], "proleptic_gregorian", "1582-10-04")).toEqual([11]);
    expect(days(["1500-03-01"], "gregorian", "1500-02-28")).toEqual([2]); // 1500 is a Julian leap year
    // The Gregorian calendars agree from 1582-10-15 on, and with the Unix epoch.
    expect(days(["2024-07-01"], "standard", "1970-01-01")).toEqual([Date.UTC(2024, 6, 1) / 86_400_000]);
    expect(days(["2024-07-01"], "julian", "2024-01-01")).toEqual([182]);
    // proleptic_gregorian has a year 0 (a leap year) and years before it.
    expect(days(["0000-03-01", "-0001-12-31"], "proleptic_gregorian", "0000-01-01")).toEqual([60, -1]);
    expect(days(["-0001-12-31"], "noleap", "0000-01-01")).toEqual([-1]);
  });

  it("takes Dates by their UTC fields, strings and field objects, down to microseconds", () => {
    const d = new Date(Date.UTC(2000, 1, 28, 12));
    expect(days([d, { year: 2000, month: 2, day: 28, hour: 12 }, "2000-02-28T12:00:00Z"], "360_day")).toEqual([57.5, 57.5, 57.5]);
    const us = cfTime(["2000-01-01 00:00:01.000001", { year: 2000, month: 1, day: 1, millisecond: 2.5 }], "microseconds since 2000-01-01", "noleap");
    expect(us.data).toBeInstanceOf(BigInt64Array);
    expect(Array.from(us.data)).toEqual([1_000_001n, 2500n]);
    expect(cfTime(["2000-01-02"], "hours since 2000-01-01T00:00:00", "all_leap").attrs).toEqual({ units: "hours since 2000-01-01T00:00:00", calendar: "all_leap" });
  });

  it("refuses dates a calendar lacks, naming the date, the calendar and what it has", () => {
    expect(() => cfTime(["2000-01-01", "2001-02-29"], "days since 2000-01-01", "noleap")).toThrow(/dates\[1\] "2001-02-29" has day 29: month 2 of 2001 has 28 days in the noleap calendar/);
    expect(() => cfTime(["2000-02-31"], "days since 2000-01-01", "360_day")).toThrow(/has day 31: month 2 of 2000 has 30 days in the 360_day calendar/);
    expect(() => cfTime(["1900-02-29"], "days since 1900-01-01", "standard")).toThrow(/has day 29.*has 28 days/);
    expect(() => cfTime(["1582-10-10"], "days since 1582-01-01", "standard")).toThrow(/1582-10-05\.\.14/);
    expect(() => cfTime(["0000-01-01"], "days since 2000-01-01", "julian")).toThrow(/year 0.*no year 0/);
    expect(() => cfTime(["2000-13-01"], "days since 2000-01-01")).toThrow(/month 13: expected 1-12/);
    expect(() => cfTime(["2000-01-01 24:00"], "days since 2000-01-01")).toThrow(/time of day/);
    expect(() => cfTime([new Date(NaN)], "days since 2000-01-01")).toThrow(/dates\[0\] Invalid Date is not a date/);
    expect(() => cfTime(["yesterday"], "days since 2000-01-01")).toThrow(/"yesterday" is not a date/);
    expect(() => cfTime([], "days since 2000-02-30", "noleap")).toThrow(/reference date .* has day 30/);
    expect(() => cfTime([], "days since the start")).toThrow(/cannot parse the reference date/);
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
