// netCDF as a SOURCE format of the CLI grammar (src/sources/detect.ts): a file starting with netCDF-3's "CDF"
// or HDF5's magic bytes. Imported for its side effect after detect.ts (never from it: a cycle would run this
// before detect's registry exists).
import { createHash } from "node:crypto";
import { registerSourceFormat } from "../detect.js";
import { describeNetCDF, openNetCDF, sniff } from "./open.js";

/** A stable JSON of attribute values (typed arrays as arrays, bigints and non-finite numbers as strings). */
function plain(v: unknown): unknown {
  if (typeof v === "bigint" || (typeof v === "number" && !Number.isFinite(v))) return String(v);
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<unknown>, plain);
  if (Array.isArray(v)) return v.map(plain);
  if (typeof v !== "object" || v === null) return v;
  return Object.fromEntries(Object.keys(v).sort().map((k) => [k, plain((v as Record<string, unknown>)[k])]));
}

registerSourceFormat({
  name: "netcdf",
  describe: "a netCDF file (netCDF-3 classic, 64-bit offset or CDF-5, or netCDF-4)",
  async detect(loc) {
    return loc.isFile && (await sniff(loc.location)) !== undefined;
  },
  open: (location, options) => openNetCDF(location, { ...(options.dropVariables ? { dropVariables: options.dropVariables } : {}) }),
  async fingerprint(location) {
    const g = await describeNetCDF(location);
    const canon = JSON.stringify(plain({ format: g.format.replace(/^.*\(/, "("), attrs: g.attrs, vars: g.vars.map((v) => [v.name, v.dims, v.dtype ?? null, v.attrs, v.chunks ?? null, v.shape]) }));
    return createHash("sha256").update(canon).digest("hex").slice(0, 32);
  },
});
