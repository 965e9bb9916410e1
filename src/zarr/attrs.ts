// Attribute values as zarr metadata can hold them, checked while planning (before any store write): Dates
// become ISO-8601 strings, TypedArrays plain arrays; Maps, Sets, functions, symbols, class instances, circular
// references and NUL bytes in names are refused naming the path inside the attributes. Non-finite numbers:
// zarr v2 writes them as Python's json does (bare NaN/Infinity, read by zarr-python 2 and xarray); zarr v3's
// JSON cannot hold them, so they are refused there.
import { RawJson } from "./json.js";
import type { ZarrFormat } from "./keys.js";

export class AttributeError extends TypeError {
  override readonly name = "AttributeError";
}

const IDENT = /^[A-Za-z_$][\w$]*$/;
/** `.units`, `["a b"]`, `[2]`: a path inside the attributes as the errors show it. */
const step = (path: string, key: string): string => (IDENT.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`);

/**
 * A JSON-ready copy of `attrs` for `format`, or an AttributeError naming `owner` (e.g. `variable "temp"`, `the
 * dataset`) and the path: `attrs of variable "temp": .history[2].when is a Map`.
 */
export function normalizeAttrs(attrs: Record<string, unknown>, owner: string, format: ZarrFormat): Record<string, unknown> {
  const fail = (path: string, what: string): never => {
    throw new AttributeError(`attrs of ${owner}: ${path || "(the attributes)"} ${what}`);
  };
  const ancestors = new Set<object>();
  const visit = (v: unknown, path: string): unknown => {
    switch (typeof v) {
      case "string":
      case "boolean":
      case "bigint":
        return v;
      case "undefined":
        return null; // in arrays, as JSON.stringify; object keys holding undefined are dropped below
      case "number":
        if (Number.isFinite(v) || format === 2) return v;
        return fail(path, `is ${v}: zarr v3 metadata is JSON, which cannot hold it (write it as a string, e.g. "NaN", or drop it; zarr v2 writes it as xarray does)`);
      case "function":
        return fail(path, `is a function`);
      case "symbol":
        return fail(path, `is a symbol`);
    }
    if (v === null || v instanceof RawJson) return v;
    const o = v as object;
    if (o instanceof Date) {
      if (Number.isNaN(o.getTime())) fail(path, "is an invalid Date");
      return o.toISOString();
    }
    if (ancestors.has(o)) fail(path, "refers back to an attribute holding it (a circular reference)");
    ancestors.add(o);
    try {
      if (Array.isArray(o)) return o.map((x, i) => visit(x, `${path}[${i}]`));
      if (ArrayBuffer.isView(o) && !(o instanceof DataView)) {
        return Array.from(o as unknown as ArrayLike<number | bigint>, (x, i) => visit(x, `${path}[${i}]`));
      }
      const proto = Object.getPrototypeOf(o) as object | null;
      if (proto !== Object.prototype && proto !== null) {
        const kind = (o.constructor as { name?: string } | undefined)?.name || "non-plain object";
        fail(path, `is a ${kind} (attribute values are strings, numbers, booleans, null, Dates, arrays and plain objects)`);
      }
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(o)) {
        if (k.includes("\0")) fail(step(path, k), "is a name holding a NUL byte");
        if (x !== undefined) out[k] = visit(x, step(path, k));
      }
      return out;
    } finally {
      ancestors.delete(o);
    }
  };
  if (typeof attrs !== "object" || attrs === null || Array.isArray(attrs)) fail("", `must be a plain object, got ${Array.isArray(attrs) ? "an array" : String(attrs)}`);
  return visit(attrs, "") as Record<string, unknown>;
}
