// A digest of a netCDF group's metadata (format, attributes, variables with dims, shapes, dtypes, attributes and
// chunks): `init` records it, and a file whose metadata changed since is refused by name.
import { createHash } from "node:crypto";
import type { NcGroup } from "./build.js";

/** Attribute values as stable JSON (typed arrays as arrays, bigints and non-finite numbers as strings, keys sorted). */
function plain(v: unknown): unknown {
  if (typeof v === "bigint" || (typeof v === "number" && !Number.isFinite(v))) return String(v);
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<unknown>, plain);
  if (Array.isArray(v)) return v.map(plain);
  if (typeof v !== "object" || v === null) return v;
  return Object.fromEntries(Object.keys(v).sort().map((k) => [k, plain((v as Record<string, unknown>)[k])]));
}

export function fingerprintOf(g: NcGroup): string {
  const canon = JSON.stringify(plain({
    format: g.format.slice(g.format.lastIndexOf("(")),
    attrs: g.attrs,
    vars: g.vars.map((v) => [v.name, v.dims, v.dtype ?? null, v.attrs, v.chunks ?? null, v.shape]),
  }));
  return createHash("sha256").update(canon).digest("hex").slice(0, 32);
}
