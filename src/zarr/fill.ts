// Fill values: xarray's defaults per format, validation against the dtype, and exact JSON per format
// (NaN/±Infinity as strings, -0.0 kept, 64-bit integers as exact digits).
import { dtypeInfo, type DType } from "../model/dtypes.js";
import { RawJson } from "./json.js";
import type { ZarrFormat } from "./keys.js";

/** A fill value; `null` (v2 only) means "none": readers then see missing chunks as undefined (zeros). */
export type FillValue = number | bigint | boolean | null;

export class FillValueError extends TypeError {
  override readonly name = "FillValueError";
}

/**
 * xarray's conventions: floats NaN; integers and bool none in v2 (a 0 would make xarray mask every zero),
 * and 0 / false in v3 (the spec requires a value; xarray v3 does not mask with it).
 */
export function defaultFillValue(dtype: DType, format: ZarrFormat): FillValue {
  const info = dtypeInfo(dtype);
  if (info.kind === "f") return NaN;
  if (format === 2) return null;
  if (info.kind === "b") return false;
  return info.size === 8 ? 0n : 0;
}

const RANGES: Partial<Record<DType, [bigint, bigint]>> = {
  int8: [-(2n ** 7n), 2n ** 7n - 1n], int16: [-(2n ** 15n), 2n ** 15n - 1n],
  int32: [-(2n ** 31n), 2n ** 31n - 1n], int64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint8: [0n, 2n ** 8n - 1n], uint16: [0n, 2n ** 16n - 1n], uint32: [0n, 2n ** 32n - 1n], uint64: [0n, 2n ** 64n - 1n],
};

/** Validate and normalise a fill value for `dtype` (bigint for 64-bit integers, float32 rounded). */
export function normalizeFillValue(dtype: DType, value: FillValue, format: ZarrFormat, variable = "?"): FillValue {
  const info = dtypeInfo(dtype);
  if (value === null) {
    if (format === 3) throw new FillValueError(`variable ${variable}: zarr v3 requires a fill value for ${dtype}, got null`);
    return null;
  }
  if (info.kind === "b") {
    if (typeof value === "boolean") return value;
    if (value === 0 || value === 1 || value === 0n || value === 1n) return value === 1 || value === 1n;
    throw new FillValueError(`variable ${variable}: fill value ${String(value)} is not a bool`);
  }
  if (info.kind === "f") {
    if (typeof value === "boolean") throw new FillValueError(`variable ${variable}: fill value ${value} is not a number for ${dtype}`);
    const n = Number(value);
    return dtype === "float32" ? Math.fround(n) : n;
  }
  let b: bigint;
  if (typeof value === "number" && info.size === 8 && Number.isInteger(value) && !Number.isSafeInteger(value)) {
    // Beyond 2^53 a JS number is already rounded: the integer meant may not be the one we would write.
    throw new FillValueError(
      `variable ${variable}: fill value ${value} for ${dtype} is a JS number beyond ±2^53 (Number.MAX_SAFE_INTEGER), ` +
        "where numbers are rounded: pass the exact value as a bigint (written with an n suffix, e.g. 9007199254740993n)",
    );
  }
  if (typeof value === "bigint") b = value;
  else if (typeof value === "number" && Number.isInteger(value)) b = BigInt(value);
  else throw new FillValueError(`variable ${variable}: fill value ${String(value)} is not an integer for ${dtype}`);
  const [lo, hi] = RANGES[dtype]!;
  if (b < lo || b > hi) throw new FillValueError(`variable ${variable}: fill value ${b} is outside ${dtype}'s range [${lo}, ${hi}]`);
  return info.size === 8 ? b : Number(b);
}

/** The `fill_value` JSON (v2 and v3 write the same forms for these types). */
export function fillValueJson(dtype: DType, value: FillValue): unknown {
  if (value === null) return null;
  const info = dtypeInfo(dtype);
  if (info.kind === "b") return Boolean(value);
  if (info.kind === "f") {
    const n = Number(value);
    if (Number.isNaN(n)) return "NaN";
    if (n === Infinity) return "Infinity";
    if (n === -Infinity) return "-Infinity";
    if (Object.is(n, -0)) return new RawJson("-0.0");
    return n;
  }
  return typeof value === "bigint" ? value : Math.trunc(Number(value));
}

/** The value padding edge chunks and defining "empty" chunks: the fill value, or 0 when there is none. */
export function padValue(dtype: DType, value: FillValue): number | bigint | boolean {
  if (value !== null) return value;
  const info = dtypeInfo(dtype);
  return info.size === 8 && info.kind !== "f" ? 0n : 0;
}

/** xarray's `_FillValue` attribute for v3 (FillValueCoder): floats as Base64 of the `<f8` bytes, ints as numbers. */
export function xarrayFillAttr(dtype: DType, value: FillValue): unknown {
  if (value === null) return undefined;
  const info = dtypeInfo(dtype);
  if (info.kind === "f") {
    const b = new Uint8Array(new Float64Array([Number(value)]).buffer);
    return btoa(String.fromCharCode(...b));
  }
  if (info.kind === "b") return Boolean(value);
  return typeof value === "bigint" ? value : Number(value);
}
