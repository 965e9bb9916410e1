// zarr v2 metadata as zarr-python 2 writes it: Debian's zarr 2.13 and xarray open a store holding non-ASCII
// names and attributes (they decode metadata as ASCII: raw UTF-8 was a UnicodeDecodeError) and NaN/Infinity
// attributes, and read the right values; parseJsonTolerant reads what Python's json.dumps writes, and toJson
// writes what it writes, byte for byte.
import { beforeAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { Dataset } from "../../src/model/dataset.js";
import { lazy } from "../../src/model/lazy.js";
import { initializeStore } from "../../src/write/initialize.js";
import { writePartition } from "../../src/write/write.js";
import { parseJsonTolerant, toJson } from "../../src/zarr/json.js";
import { V2_JSON } from "../../src/zarr/metadata.js";

const run = promisify(execFile);
const script = resolve(import.meta.dirname, "fixtures/check_v2_json.py");
type Safe = unknown;
/** Non-finite numbers as the report shows them: {"float": "nan"|"inf"|"-inf"}. */
const safe = (x: unknown): Safe =>
  typeof x === "number" && !Number.isFinite(x) ? { float: Number.isNaN(x) ? "nan" : x > 0 ? "inf" : "-inf" }
    : Array.isArray(x) ? x.map(safe)
    : x && typeof x === "object" ? Object.fromEntries(Object.entries(x).map(([k, v]) => [k, safe(v)]))
    : x;

const T = 10;
const temps = Array.from({ length: T }, (_, i) => i * 1.5 - 3);
// Compared byte for byte with Python's json.dumps(indent=4, ensure_ascii=True): strings, integers, tokens.
const GIVEN = { units: "°C", "température": ["é", "😀", "\u007f", "\n\t\"\\", "\u0000"], n: [NaN, Infinity, -Infinity, 0, -12, 2 ** 53], e: {}, l: [] };

let report: Record<string, any> = {};
beforeAll(async () => {
  const path = join(mkdtempSync(join(tmpdir(), "xp-v2json-")), "meteo.zarr");
  const ds = new Dataset({
    coords: { x: { dims: ["x"], data: Float64Array.from({ length: T }, (_, i) => i), attrs: { long_name: "abscisse" } } },
    dataVars: {
      "température": {
        dims: ["x"],
        data: lazy({ shape: [T], dtype: "float32", chunks: [4], compute: ([r]) => Float32Array.from(temps.slice(r!.start, r!.stop)) }),
        attrs: { units: "°C", valid_range: [-Infinity, Infinity], missing: NaN, comment: "mesurée à 2 m 🌡" },
      },
    },
    attrs: { title: "Météo", created: new Date(Date.UTC(2024, 0, 2, 3, 4, 5)), offset: NaN },
  });
  await initializeStore(ds, path, { zarrFormat: 2 });
  for (let rank = 0; rank < 2; rank++) await writePartition(ds, path, { ranks: 2, dims: ["x"], rank });
  const { stdout } = await run("/usr/bin/python3", [script, path, JSON.stringify(safe(GIVEN))], { maxBuffer: 1 << 24 });
  report = JSON.parse(stdout);
}, 300_000);

describe("zarr v2 JSON read by Debian's zarr 2.13 and xarray", () => {
  const varAttrs = { units: "°C", valid_range: [{ float: "-inf" }, { float: "inf" }], missing: { float: "nan" }, comment: "mesurée à 2 m 🌡" };
  const dsAttrs = { title: "Météo", created: "2024-01-02T03:04:05.000Z", offset: { float: "nan" } };

  it("zarr opens the store (consolidated and not) with the non-ASCII name, attributes and NaN", () => {
    const z = report.zarr_consolidated;
    expect(z.attrs).toEqual(dsAttrs);
    expect(Object.keys(z.arrays).sort()).toEqual(["température", "x"]);
    expect(z.arrays["température"].attrs).toEqual({ _ARRAY_DIMENSIONS: ["x"], ...varAttrs });
    expect(z.arrays["température"].values).toEqual(temps);
    expect(report.zarr_plain).toEqual({ attrs: dsAttrs, names: ["température", "x"] });
  });

  it("xarray reads the right names, attributes and values", () => {
    for (const consolidated of ["True", "False"]) {
      const x = report[`xarray_${consolidated}`];
      expect(x.attrs).toEqual(dsAttrs);
      expect(x.vars["température"]).toEqual({ dims: ["x"], attrs: varAttrs, values: temps });
      expect(x.vars.x).toEqual({ dims: ["x"], attrs: { long_name: "abscisse" }, values: Array.from({ length: T }, (_, i) => i) });
    }
  });

  it("parseJsonTolerant reads what Python's json.dumps writes (tokens outside strings, escapes, raw UTF-8)", () => {
    expect(report.texts).toHaveLength(3);
    for (const { text, value } of report.texts) expect(safe(parseJsonTolerant(text))).toEqual(value);
    expect(safe(parseJsonTolerant(new TextEncoder().encode(report.texts[2].text)))).toEqual(report.texts[2].value);
  });

  it("toJson for zarr v2 writes what Python's json.dumps(indent=4, ensure_ascii=True) writes, byte for byte", () => {
    expect(toJson(GIVEN, 4, V2_JSON)).toBe(report.dumps);
  });
});
