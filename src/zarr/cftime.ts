// CF time encoding: dates -> numbers "<unit> since <reference>" with `units` and `calendar` attributes, which
// xarray decodes back (to datetime64 for the Gregorian calendars, to cftime dates for the others). Every CF
// calendar: proleptic_gregorian, standard (= gregorian: Julian before 1582-10-15), julian, noleap (= 365_day),
// all_leap (= 366_day) and 360_day.

export interface CfTime {
  /** int64 when every value is a whole number of units, else float64. */
  data: BigInt64Array | Float64Array;
  attrs: { units: string; calendar: string };
}

/** A date in the chosen calendar: its fields, an ISO-like string ("2000-02-30 06:00"), or a JS Date (its UTC fields). */
export type CfDate = Date | string | CfDateFields;

export interface CfDateFields {
  year: number;
  /** 1-12. */
  month: number;
  /** 1 to the month's length in the calendar. */
  day: number;
  hour?: number;
  minute?: number;
  second?: number;
  /** May have a fraction (microseconds). */
  millisecond?: number;
}

const UNIT_MS: Record<string, number> = {
  day: 86_400_000, days: 86_400_000, d: 86_400_000,
  hour: 3_600_000, hours: 3_600_000, h: 3_600_000, hr: 3_600_000,
  minute: 60_000, minutes: 60_000, min: 60_000,
  second: 1000, seconds: 1000, s: 1000, sec: 1000,
  millisecond: 1, milliseconds: 1, ms: 1,
  microsecond: 1e-3, microseconds: 1e-3, us: 1e-3,
};

export class CfTimeError extends RangeError {
  override readonly name = "CfTimeError";
}

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const CUM = DAYS.map((_, m) => DAYS.slice(0, m).reduce((a, b) => a + b, 0));
const CUM_LEAP = CUM.map((c, m) => c + (m >= 2 ? 1 : 0));
const gregorianLeap = (y: number) => y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
const julianLeap = (y: number) => y % 4 === 0;
const fdiv = Math.floor;

/** Days from 1970-01-01 (proleptic Gregorian) of a Gregorian or Julian date, through the Julian day number. */
function jdnDays(y: number, m: number, d: number, julian: boolean): number {
  const a = fdiv((14 - m) / 12), yy = y + 4800 - a, mm = m + 12 * a - 3;
  const base = d + fdiv((153 * mm + 2) / 5) + 365 * yy + fdiv(yy / 4);
  return (julian ? base - 32083 : base - fdiv(yy / 100) + fdiv(yy / 400) - 32045) - 2440588;
}

interface Calendar {
  monthLength(y: number, m: number): number;
  /** Day number of a valid date (any fixed epoch per calendar); throws for dates the calendar lacks. */
  day(y: number, m: number, d: number): number;
  /** Earliest year, where the calendar has no year 0 (cftime's default for julian and standard). */
  minYear?: number;
}

const proleptic: Calendar = {
  monthLength: (y, m) => (m === 2 && gregorianLeap(y) ? 29 : DAYS[m - 1]!),
  day: (y, m, d) => jdnDays(y, m, d, false),
};
const julian: Calendar = {
  monthLength: (y, m) => (m === 2 && julianLeap(y) ? 29 : DAYS[m - 1]!),
  day: (y, m, d) => jdnDays(y, m, d, true),
  minYear: 1,
};
const standard: Calendar = {
  monthLength: (y, m) => (y < 1582 || (y === 1582 && m < 10) ? julian : proleptic).monthLength(y, m),
  day(y, m, d) {
    const key = y * 10000 + m * 100 + d;
    if (key >= 15821015) return jdnDays(y, m, d, false);
    if (key <= 15821004) return jdnDays(y, m, d, true);
    throw new CfTimeError("falls in 1582-10-05..14, the days the standard calendar skips (Julian until 1582-10-04, Gregorian from 1582-10-15)");
  },
  minYear: 1,
};
const noleap: Calendar = { monthLength: (_y, m) => DAYS[m - 1]!, day: (y, m, d) => 365 * y + CUM[m - 1]! + d - 1 };
const allLeap: Calendar = { monthLength: (_y, m) => (m === 2 ? 29 : DAYS[m - 1]!), day: (y, m, d) => 366 * y + CUM_LEAP[m - 1]! + d - 1 };
const day360: Calendar = { monthLength: () => 30, day: (y, m, d) => 360 * y + 30 * (m - 1) + d - 1 };

const CALENDARS: Record<string, Calendar> = {
  proleptic_gregorian: proleptic, standard, gregorian: standard, julian,
  noleap, "365_day": noleap, all_leap: allLeap, "366_day": allLeap, "360_day": day360,
};

const DATE_RE = /^(-?\d{1,6})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d+))?)?)?\s*(Z|UTC|[+-]00:?00)?$/i;

function parseDate(s: string): CfDateFields | undefined {
  const m = DATE_RE.exec(s.trim());
  if (!m) return undefined;
  const [, y, mo, d, h = "0", mi = "0", sec = "0", frac = ""] = m;
  return { year: Number(y), month: Number(mo), day: Number(d), hour: Number(h), minute: Number(mi), second: Number(sec), millisecond: frac ? Number(`0.${frac}`) * 1000 : 0 };
}

function fieldsOf(x: CfDate): CfDateFields | undefined {
  if (x instanceof Date) {
    if (Number.isNaN(x.getTime())) return undefined;
    return { year: x.getUTCFullYear(), month: x.getUTCMonth() + 1, day: x.getUTCDate(), hour: x.getUTCHours(), minute: x.getUTCMinutes(), second: x.getUTCSeconds(), millisecond: x.getUTCMilliseconds() };
  }
  if (typeof x === "string") return parseDate(x);
  if (x && typeof x === "object" && "year" in x) return x;
  return undefined;
}

const show = (x: CfDate): string => (x instanceof Date ? (Number.isNaN(x.getTime()) ? "Invalid Date" : x.toISOString()) : JSON.stringify(x));

/**
 * Day number (from the calendar's epoch) and milliseconds into the day, kept apart: as one number of
 * milliseconds from year 0, a double keeps only about 8 us.
 */
function instantOf(cal: Calendar, name: string, x: CfDate, what: string): { day: number; ms: number } {
  const f = fieldsOf(x);
  if (!f) throw new CfTimeError(`cfTime: ${what} ${show(x)} is not a date: expected a valid Date, "YYYY-MM-DD[ hh:mm[:ss[.ffffff]]]" or { year, month, day, ... }`);
  const { year: y, month: m, day: d, hour = 0, minute = 0, second = 0, millisecond = 0 } = f;
  const bad = (why: string) => new CfTimeError(`cfTime: ${what} ${show(x)} ${why} in the ${name} calendar`);
  if (![y, m, d, hour, minute, second].every(Number.isInteger) || !Number.isFinite(millisecond)) throw bad("has a field that is not a whole number");
  if (cal.minYear !== undefined && y < cal.minYear) throw bad(`has year ${y}: it has no year 0 or before; use proleptic_gregorian for such dates`);
  if (m < 1 || m > 12) throw bad(`has month ${m}: expected 1-12`);
  const len = cal.monthLength(y, m);
  if (d < 1 || d > len) throw bad(`has day ${d}: month ${m} of ${y} has ${len} days`);
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59 || millisecond < 0 || millisecond >= 1000) {
    throw bad("has a time of day out of range (hour 0-23, minute 0-59, second 0-59, millisecond 0-999.999)");
  }
  let day: number;
  try {
    day = cal.day(y, m, d);
  } catch (e) {
    if (e instanceof CfTimeError) throw bad(e.message);
    throw e;
  }
  return { day, ms: ((hour * 60 + minute) * 60 + second) * 1000 + millisecond };
}

/**
 * Encode `dates` as CF times in `units` ("<unit> since <date>") and `calendar` (proleptic Gregorian by default).
 * Each date is read in `calendar`: a JS Date by its UTC fields, so `new Date(Date.UTC(1500, 2, 1))` is 1 March
 * 1500 in whichever calendar is asked for; dates a JS Date cannot hold (2000-02-30 in 360_day) as strings or
 * fields. A date the calendar lacks (2001-02-29 in noleap, 1582-10-10 in standard) is an error.
 */
export function cfTime(dates: readonly CfDate[], units: string, calendar = "proleptic_gregorian"): CfTime {
  const cal = CALENDARS[calendar];
  if (!cal) {
    throw new CfTimeError(`cfTime: calendar ${JSON.stringify(calendar)} is not a CF calendar: expected one of ${Object.keys(CALENDARS).join(", ")}`);
  }
  const m = /^\s*(\w+)\s+since\s+(.+)$/i.exec(units);
  const unitMs = m ? UNIT_MS[m[1]!.toLowerCase()] : undefined;
  if (!m || unitMs === undefined) {
    throw new CfTimeError(`cfTime: units ${JSON.stringify(units)} must be "<unit> since <date>" with unit one of days, hours, minutes, seconds, milliseconds, microseconds`);
  }
  if (!DATE_RE.test(m[2]!.trim())) {
    throw new CfTimeError(`cfTime: cannot parse the reference date in units ${JSON.stringify(units)}: expected e.g. "hours since 2000-01-01 00:00:00"`);
  }
  const ref = instantOf(cal, calendar, m[2]!, `the reference date of units ${JSON.stringify(units)},`);
  // Microseconds multiply (by 1000) rather than divide by 0.001, which is inexact.
  const scale = (ms: number) => (unitMs < 1 ? ms * (1 / unitMs) : ms / unitMs);
  const values = dates.map((d, i) => {
    const t = instantOf(cal, calendar, d, `dates[${i}]`);
    return scale((t.day - ref.day) * 86_400_000 + (t.ms - ref.ms));
  });
  const integral = values.every((v) => Number.isSafeInteger(v));
  const data = integral ? BigInt64Array.from(values, (v) => BigInt(v)) : Float64Array.from(values);
  return { data, attrs: { units, calendar } };
}
