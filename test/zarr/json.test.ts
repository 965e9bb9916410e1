// zarr v2 JSON as zarr-python 2 writes it (ASCII-escaped, bare NaN/Infinity), zarr v3 JSON as UTF-8, and the
// tolerant reader of both.
import { describe, expect, it } from "vitest";
import { JsonError, parseJsonTolerant, quoteJson, toJson } from "../../src/zarr/json.js";
import { metadataEntries, v2JsonBytes, type ArraySpec } from "../../src/zarr/metadata.js";

const spec = (name: string, attrs: Record<string, unknown>): ArraySpec => ({
  name, dims: ["x"], shape: [4], chunkShape: [2], dtype: "float32", fillValue: NaN, attrs,
  compressor: null, filters: null, codecs: [{ name: "bytes", configuration: { endian: "little" } }],
});
const text = (b: Uint8Array): string => new TextDecoder().decode(b);
const isAscii = (b: Uint8Array): boolean => b.every((x) => x < 0x80);

describe("toJson for zarr v2 (ascii, tokens)", () => {
  it("escapes every character outside printable ASCII as Python's ensure_ascii does", () => {
    expect(quoteJson("°C", true)).toBe('"\\u00b0C"');
    expect(quoteJson("température", true)).toBe('"temp\\u00e9rature"');
    // Astral characters as surrogate pairs, DEL and C1 controls escaped, control characters as JSON.stringify.
    expect(quoteJson("😀\x7f\x85\n\x1f\"\\", true)).toBe('"\\ud83d\\ude00\\u007f\\u0085\\n\\u001f\\"\\\\"');
    expect(quoteJson("°C")).toBe('"°C"');
    expect(toJson({ "é": ["ü"] }, 0, { ascii: true })).toBe('{"\\u00e9":["\\u00fc"]}');
  });
  it("writes NaN, Infinity and -Infinity as bare tokens only when asked, and refuses them otherwise", () => {
    expect(toJson({ a: NaN, b: [Infinity, -Infinity], c: Float64Array.of(NaN) }, 0, { nonFinite: "tokens" }))
      .toBe('{"a":NaN,"b":[Infinity,-Infinity],"c":[NaN]}');
    expect(() => toJson({ attrs: { x: Infinity } })).toThrow(JsonError);
    expect(() => toJson({ attrs: { x: Infinity } })).toThrow(/\$\.attrs\.x is Infinity/);
  });
  it("metadataEntries: every v2 document is ASCII, v3 documents are UTF-8", () => {
    const arrays = [spec("température", { units: "°C", missing: NaN, note: "🌡" })];
    const v2 = metadataEntries(2, { title: "Météo" }, arrays, true);
    expect(v2.map(([k]) => k)).toEqual(["/température/.zarray", "/température/.zattrs", "/.zattrs", "/.zgroup", "/.zmetadata"]);
    for (const [k, b] of v2) expect({ k, ascii: isAscii(b) }).toEqual({ k, ascii: true });
    const zattrs = text(v2[1]![1]);
    expect(zattrs).toContain('"units": "\\u00b0C"');
    expect(zattrs).toContain('"missing": NaN');
    expect(zattrs).toContain('"note": "\\ud83c\\udf21"');
    expect(text(v2[4]![1])).toContain('"temp\\u00e9rature/.zattrs": {');
    // Read back: the same values.
    expect(parseJsonTolerant(v2[1]![1])).toEqual({ _ARRAY_DIMENSIONS: ["x"], units: "°C", missing: NaN, note: "🌡" });
    const v3 = metadataEntries(3, { title: "Météo" }, [spec("température", { units: "°C" })], true);
    expect(text(v3[0]![1])).toContain('"units": "°C"');
    expect(text(v3[1]![1])).toContain('"title": "Météo"');
    expect(v2JsonBytes({ a: "é" })).toEqual(new TextEncoder().encode('{\n    "a": "\\u00e9"\n}\n'));
  });
});

describe("parseJsonTolerant", () => {
  it("reads bare NaN, Infinity and -Infinity outside strings, from bytes or text", () => {
    expect(parseJsonTolerant('{"a": NaN, "b": [Infinity, -Infinity, -1.5e3], "c": {"d": NaN}}')).toEqual({
      a: NaN, b: [Infinity, -Infinity, -1500], c: { d: NaN },
    });
    expect(parseJsonTolerant(new TextEncoder().encode("[NaN,-Infinity]"))).toEqual([NaN, -Infinity]);
    expect(parseJsonTolerant("NaN")).toBeNaN();
    expect(parseJsonTolerant('{"x": 1}')).toEqual({ x: 1 });
  });
  it("leaves the tokens inside strings (escapes included) untouched", () => {
    const doc = '{"NaN": "NaN", "s": "a \\"NaN\\" and -Infinity \\\\", "Infinity": [NaN, "Infinity"], "t": "\\\\"}';
    expect(parseJsonTolerant(doc)).toEqual({ NaN: "NaN", s: 'a "NaN" and -Infinity \\', Infinity: [NaN, "Infinity"], t: "\\" });
    // Only strings holding a token: parsed as JSON.parse would.
    expect(parseJsonTolerant('["NaN", "-Infinity"]')).toEqual(["NaN", "-Infinity"]);
    // A string that looks like the internal marker stays a string.
    expect(parseJsonTolerant('["\\u0001xp-non-finite-NaN", NaN]')).toEqual(["\u0001xp-non-finite-NaN", NaN]);
  });
  it("refuses what is not JSON, naming the document", () => {
    expect(() => parseJsonTolerant("{\"a\": NaNa}", "/t/.zattrs")).toThrow(/\/t\/\.zattrs is not valid JSON/);
    expect(() => parseJsonTolerant("[nan]", "/t/.zattrs")).toThrow(JsonError);
    expect(() => parseJsonTolerant("[-NaN]")).toThrow(SyntaxError);
    expect(() => parseJsonTolerant("{'a': 1}")).toThrow(SyntaxError);
  });
  it("round-trips what toJson writes with tokens", () => {
    const v = { a: [1, NaN, -Infinity, "NaN", { Infinity: Infinity }], "é": "°" };
    expect(parseJsonTolerant(toJson(v, 2, { ascii: true, nonFinite: "tokens" }))).toEqual(v);
  });
});
