// CF time encoding: JS Dates -> numbers "<unit> since <reference>" with `units` and `calendar` attributes, which
// xarray decodes back to datetime64 (JS Dates are proleptic Gregorian, UTC).

export interface CfTime {
  /** int64 when every value is a whole number of units, else float64. */
  data: BigInt64Array | Float64Array;
  attrs: { units: string; calendar: string };
}

const UNIT_MS: Record<string, number> = {
  day: 86_400_000, days: 86_400_000, d: 86_400_000,
  hour: 3_600_000, hours: 3_600_000, h: 3_600_000, hr: 3_600_000,
  minute: 60_000, minutes: 60_000, min: 60_000,
  second: 1000, seconds: 1000, s: 1000, sec: 1000,
  millisecond: 1, milliseconds: 1, ms: 1,
  microsecond: 1e-3, microseconds: 1e-3, us: 1e-3,
};

const CALENDARS = new Set(["proleptic_gregorian", "standard", "gregorian"]);
const GREGORIAN_START = Date.UTC(1582, 9, 15);

export class CfTimeError extends RangeError {
  override readonly name = "CfTimeError";
}

function parseReference(ref: string, units: string): number {
  const m = /^(-?\d{1,4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d+))?)?)?\s*(Z|UTC|[+-]00:?00)?$/i.exec(ref.trim());
  if (!m) throw new CfTimeError(`cfTime: cannot parse the reference date in units ${JSON.stringify(units)}: expected e.g. "hours since 2000-01-01 00:00:00"`);
  const [, y, mo, d, h = "0", mi = "0", s = "0", frac = "0"] = m;
  const t = new Date(0);
  t.setUTCFullYear(Number(y), Number(mo) - 1, Number(d));
  t.setUTCHours(Number(h), Number(mi), Number(s), Math.round(Number(`0.${frac}`) * 1000));
  return t.getTime();
}

/** Encode `dates` as CF times in `units` ("<unit> since <date>") and `calendar` (proleptic Gregorian by default). */
export function cfTime(dates: readonly Date[], units: string, calendar = "proleptic_gregorian"): CfTime {
  if (!CALENDARS.has(calendar)) {
    throw new CfTimeError(`cfTime: calendar ${JSON.stringify(calendar)} is not supported: use proleptic_gregorian, standard or gregorian`);
  }
  const m = /^\s*(\w+)\s+since\s+(.+)$/i.exec(units);
  const unitMs = m ? UNIT_MS[m[1]!.toLowerCase()] : undefined;
  if (!m || unitMs === undefined) {
    throw new CfTimeError(`cfTime: units ${JSON.stringify(units)} must be "<unit> since <date>" with unit one of days, hours, minutes, seconds, milliseconds, microseconds`);
  }
  const ref = parseReference(m[2]!, units);
  const values = dates.map((d, i) => {
    const t = d instanceof Date ? d.getTime() : NaN;
    if (Number.isNaN(t)) throw new CfTimeError(`cfTime: dates[${i}] is not a valid Date`);
    if (calendar !== "proleptic_gregorian" && t < GREGORIAN_START) {
      throw new CfTimeError(`cfTime: dates[${i}] (${d.toISOString()}) is before 1582-10-15, where the ${calendar} calendar is Julian; use proleptic_gregorian`);
    }
    return (t - ref) / unitMs;
  });
  const integral = values.every((v) => Number.isSafeInteger(v));
  const data = integral ? BigInt64Array.from(values, (v) => BigInt(v)) : Float64Array.from(values);
  return { data, attrs: { units, calendar } };
}
