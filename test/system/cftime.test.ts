// CF time in every calendar, checked by Debian's cftime and xarray: our numbers equal cftime.date2num's for
// seeded random dates (whole and fractional units, microseconds), every date we refuse cftime refuses too, and
// stores written by ranks with noleap, 360_day, julian and all_leap time coordinates decode to the same dates.
import { describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { Dataset, lazy, cfTime, initializeStore, writePartition, CfTimeError } from "xpartition";
import { rng } from "../helpers/rng.js";

const run = promisify(execFile);
const fixtures = resolve(import.meta.dirname, "fixtures");
const CALENDARS = ["proleptic_gregorian", "standard", "gregorian", "julian", "noleap", "365_day", "all_leap", "366_day", "360_day"];
const UNITS = ["seconds since 1850-01-01 00:00:00", "days since 0001-01-01", "hours since 1582-10-15 12:00", "microseconds since 2000-02-28 06:30:00.25"];
type Fields = [number, number, number, number, number, number, number]; // y, m, d, h, mi, s, us

function randomDates(r: () => number, n: number): Fields[] {
  const out: Fields[] = [];
  for (let i = 0; i < n; i++) {
    // Years 1-2999 (cftime and CF agree there for every calendar); days to 31, so that some do not exist; a
    // run of dates around the Julian-Gregorian switch of 1582.
    const y = i % 10 === 0 ? 1582 : 1 + Math.floor(r() * 2999);
    const m = i % 10 === 0 ? 10 : 1 + Math.floor(r() * 12);
    const d = 1 + Math.floor(r() * 31);
    const us = i % 3 === 0 ? Math.floor(r() * 1e6) : 0;
    out.push([y, m, d, Math.floor(r() * 24), Math.floor(r() * 60), Math.floor(r() * 60), us]);
  }
  return out;
}

const iso = (f: Fields) => `${String(f[0]).padStart(4, "0")}-${String(f[1]).padStart(2, "0")}-${String(f[2]).padStart(2, "0")} ${f[3]}:${f[4]}:${f[5]}.${String(f[6]).padStart(6, "0")}`;

async function timeStore(dir: string, calendar: string, dates: string[]): Promise<string> {
  const path = join(dir, `${calendar}.zarr`);
  const t = cfTime(dates, "days since 2000-01-01", calendar);
  const v = lazy({
    shape: [dates.length, 3], dtype: "int32", chunks: [2, 3],
    compute: ([a, b]) => {
      const out = new Int32Array((a.stop - a.start) * (b.stop - b.start));
      let p = 0;
      for (let i = a.start; i < a.stop; i++) for (let j = b.start; j < b.stop; j++) out[p++] = i + 100 * j;
      return out;
    },
  });
  const ds = new Dataset({ coords: { time: { dims: ["time"], data: t.data, attrs: t.attrs } }, dataVars: { v: { dims: ["time", "x"], data: v } } });
  await initializeStore(ds, path, { zarrFormat: 2 });
  for (let rank = 0; rank < 3; rank++) await writePartition(ds, path, { ranks: 3, dims: ["time"], rank });
  return path;
}

describe("CF time in every calendar, against Debian's cftime and xarray", () => {
  it("equals cftime.date2num, refuses what cftime refuses, and decodes in xarray", async () => {
    const r = rng(20261125);
    const encoded: { calendar: string; units: string; dates: Fields[]; values: number[] }[] = [];
    const invalid: { calendar: string; dates: Fields[] }[] = [];
    let refused = 0;
    for (const calendar of CALENDARS) {
      const ok: Fields[] = [], bad: Fields[] = [];
      for (const f of randomDates(r, 400)) {
        try {
          cfTime([iso(f)], "days since 2000-01-01", calendar);
          ok.push(f);
        } catch (e) {
          expect(e).toBeInstanceOf(CfTimeError);
          bad.push(f);
        }
      }
      expect(ok.length).toBeGreaterThan(300);
      if (!["360_day"].includes(calendar)) expect(bad.length).toBeGreaterThan(0); // day 31 of a short month, or 1582-10-05..14
      refused += bad.length;
      invalid.push({ calendar, dates: bad });
      for (const units of UNITS) {
        encoded.push({ calendar, units, dates: ok, values: Array.from(cfTime(ok.map(iso), units, calendar).data, Number) });
      }
    }
    const dir = mkdtempSync(join(tmpdir(), "xp-cftime-"));
    const stores = [];
    for (const [calendar, dates] of [
      ["noleap", ["2000-02-28", "2000-03-01", "2001-02-28", "2001-03-01 06:00", "2100-12-31 23:00"]],
      ["360_day", ["2000-02-29", "2000-02-30", "2000-03-01", "2001-12-30 12:00", "1850-06-30"]],
      ["julian", ["1900-02-29", "1582-10-10", "1000-03-01", "2000-01-01", "0001-01-01"]],
      ["all_leap", ["2001-02-29", "1999-02-29 01:00", "2003-03-01", "2000-01-01", "2100-02-29"]],
    ] as const) {
      const path = await timeStore(dir, calendar, [...dates]);
      stores.push({ path, calendar, iso: dates.map((d) => `${d.slice(0, 10)}T${d.length > 10 ? d.slice(11) : "00:00"}:00`) });
    }
    const spec = join(dir, "spec.json");
    writeFileSync(spec, JSON.stringify({ encoded, invalid, stores }));
    const { stdout } = await run("/usr/bin/python3", ["-W", "ignore", join(fixtures, "check_cftime.py"), spec], { maxBuffer: 1 << 24 });
    const total = encoded.reduce((n, c) => n + c.dates.length, 0) + refused + stores.reduce((n, s) => n + s.iso.length, 0);
    expect(stdout.trim()).toBe(`ok ${total}`);
  }, 120_000);
});
