// How to rebuild a dataset, as plain JSON (recorded by `init` under `source` in /.xpartition/plan.json and
// sent to every writeAll worker): a dataset module (its URL and export), or data sources (absolute paths or
// URLs, globs expanded) with the operations applied to them and a fingerprint of each source's metadata.
// openSource(spec) rebuilds the Dataset; sourceSpecDifference names what differs between a given spec and the record.
import { concat } from "../model/concat.js";
import { Dataset } from "../model/dataset.js";
import { DataArray } from "../model/dataarray.js";
import { EagerArray, LazyArray, fromArray } from "../model/lazy.js";
import { CONCAT_COMPARE_MAX } from "../model/concat.js";
import { cfTime } from "../zarr/cftime.js";
import type { Indexer } from "../model/ops.js";
import { loadDatasetExport } from "../run/load.js";
import { isDataset } from "../run/backend.js";
import { detectSource, expandSources, sourceFormat } from "./detect.js";
import { SourceError } from "./errors.js";
// netCDF registers itself as a source format (after detect.js: importing it from there would be a cycle).
import "./netcdf/register.js";
import { mfRecords, openMfRecords, type MfFileRecord } from "./netcdf/mf.js";

/** The operations applied to data sources, in this order: drop, vars, concat, isel, chunks, rename. */
export interface SourceOptions {
  /** Variables to keep (with the coordinates they need). */
  vars?: string[];
  /** Variables to leave out (left unread: a string variable can be dropped). */
  drop?: string[];
  /** Joins several sources along this dimension (required for more than one). */
  concatDim?: string;
  /** Python-style selections (step 1) by source dimension name; an integer drops the dim. */
  isel?: Record<string, number | { start?: number | null; stop?: number | null }>;
  /** Output chunk lengths by source dimension name (-1: one chunk). */
  chunks?: Record<string, number>;
  /** Variables and dimensions renamed, last. */
  rename?: Record<string, string>;
  /** Per-variable encoding overrides, as initializeStore takes them. */
  encoding?: Record<string, unknown>;
  zarrFormat?: 2 | 3;
}

export interface ModuleSourceSpec {
  kind: "module";
  /** Absolute URL of the module. */
  url: string;
  /** The export (default: the default export). */
  export?: string;
}

export interface DataSourceSpec {
  kind: "sources";
  /**
   * netCDF files joined along concatDim also carry size, mtimeMs and length (along concatDim): a rank then
   * opens only the files its regions overlap (openMfRecords).
   */
  sources: { location: string; format: string; fingerprint?: string; size?: number; mtimeMs?: number; length?: number; direct?: MfFileRecord["direct"] }[];
  options: SourceOptions;
}

export type SourceSpec = ModuleSourceSpec | DataSourceSpec;

export interface OpenSourceOptions {
  /** Refuse a source whose metadata fingerprint differs from the spec's (default true). */
  checkFingerprints?: boolean;
  onWarning?: (message: string) => void;
}

const q = JSON.stringify;
const OPTION_NAMES: Record<keyof SourceOptions, string> = {
  vars: "--vars", drop: "--drop", concatDim: "--concat-dim", isel: "--isel", chunks: "--chunks", rename: "--rename", encoding: "--encoding", zarrFormat: "--zarr-format",
};

/**
 * A spec from SOURCE arguments (globs expanded): one dataset module, or data sources (with each source's
 * fingerprint when `fingerprints`). Errors name the argument.
 */
export async function sourceSpec(args: readonly string[], options: SourceOptions & { export?: string }, cwd: string, fingerprints = true): Promise<SourceSpec> {
  if (!args.length) throw new SourceError("no source given");
  const { export: exportName, ...opts } = options;
  const detected = await Promise.all(expandSources(args, cwd).map((a) => detectSource(a, cwd)));
  const modules = detected.filter((d) => d.kind === "module");
  if (modules.length) {
    if (detected.length > 1) throw new SourceError(`a dataset module (${modules[0]!.given}) is the only source: it cannot be combined with other sources (${detected.filter((d) => d !== modules[0]).map((d) => d.given).join(", ")})`);
    const used = (Object.keys(opts) as (keyof SourceOptions)[]).filter((k) => opts[k] !== undefined && k !== "zarrFormat");
    if (used.length) throw new SourceError(`${used.map((k) => OPTION_NAMES[k]).join(", ")} apply to data sources, not to a dataset module (${modules[0]!.given}): apply the operations (and encodings) in the module`);
    return { kind: "module", url: (modules[0] as { url: string }).url, ...(exportName !== undefined ? { export: exportName } : {}) };
  }
  if (exportName !== undefined) throw new SourceError("--export applies to a dataset module, not to data sources");
  if (detected.length > 1 && !opts.concatDim) {
    throw new SourceError(`${detected.length} sources (${detected.slice(0, 3).map((d) => d.given).join(", ")}${detected.length > 3 ? ", ..." : ""}) need --concat-dim DIM to join them`);
  }
  const normalised = normaliseOptions(opts);
  if (fingerprints && opts.concatDim && detected.length > 1 && detected.every((d) => d.kind === "data" && d.format.name === "netcdf")) {
    const records = await mfRecords(detected.map((d) => (d as { location: string }).location), { concatDim: opts.concatDim, ...(opts.drop ? { dropVariables: opts.drop } : {}) })
      .catch((e: unknown) => {
        // Files encoding a variable differently are joined the general way (time units re-encoded if they can be).
        if ((e as { encodingDiffers?: boolean }).encodingDiffers) return undefined;
        throw e;
      });
    if (records) {
      return { kind: "sources", sources: records.map((r) => ({ location: r.path, format: "netcdf", fingerprint: r.fingerprint, size: r.size, mtimeMs: r.mtimeMs, length: r.length, ...(r.direct ? { direct: r.direct } : {}) })), options: normalised };
    }
  }
  const sources = await Promise.all(detected.map(async (d) => {
    const { location, format } = d as { location: string; format: { name: string; fingerprint(l: string): Promise<string> } };
    return { location, format: format.name, ...(fingerprints ? { fingerprint: await format.fingerprint(location) } : {}) };
  }));
  return { kind: "sources", sources, options: normalised };
}

/** Options without undefined or empty entries, so that equal options compare equal. */
export function normaliseOptions(o: SourceOptions): SourceOptions {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(OPTION_NAMES) as (keyof SourceOptions)[]) {
    const v = o[k];
    if (v === undefined || v === null) continue;
    if (Array.isArray(v) ? v.length === 0 : typeof v === "object" && Object.keys(v).length === 0) continue;
    out[k] = v;
  }
  return out as SourceOptions;
}

/** Rebuild the dataset a spec describes. */
export async function openSource(spec: SourceSpec, options: OpenSourceOptions = {}): Promise<Dataset> {
  if (!spec || typeof spec !== "object") throw new SourceError(`openSource: expected a source spec object, got ${q(spec)}`);
  if (spec.kind === "module") {
    if (typeof spec.url !== "string") throw new SourceError(`openSource: a module spec needs its url, got ${q(spec.url)}`);
    return (await loadDatasetExport(spec.url, { exportName: spec.export, check: isDataset })) as Dataset;
  }
  if (spec.kind !== "sources" || !Array.isArray(spec.sources) || spec.sources.length === 0) {
    throw new SourceError(`openSource: expected { kind: "module", url } or { kind: "sources", sources: [...] }, got ${q(spec)}`);
  }
  const o = spec.options ?? {};
  const warn = options.onWarning ?? ((m: string) => console.warn(m));
  if (spec.sources.length > 1 && !o.concatDim) throw new SourceError(`${spec.sources.length} sources need concatDim (--concat-dim) to join them`);
  const records = fileRecords(spec);
  const opened = records ? [] : await Promise.all(spec.sources.map(async (s) => {
    const format = sourceFormat(s.format);
    if (options.checkFingerprints !== false && s.fingerprint !== undefined) {
      const now = await format.fingerprint(s.location);
      if (now !== s.fingerprint) {
        throw new SourceError(`source ${s.location} changed since the store was initialised (its metadata fingerprint is ${now.slice(0, 12)}, recorded ${s.fingerprint.slice(0, 12)}): initialise the store again`);
      }
    }
    let ds = await format.open(s.location, { dropVariables: o.drop, onWarning: warn }).catch((e: unknown) => {
      // Every refusal names the source it is about.
      if (e instanceof Error && !e.message.includes(s.location)) e.message = `${s.location}: ${e.message}`;
      throw e;
    });
    if (o.vars) ds = ds.select(o.vars);
    return ds;
  }));
  let ds = records
    ? await openMfRecords(records, { concatDim: o.concatDim!, ...(o.drop ? { dropVariables: o.drop } : {}) })
    : opened.length > 1 ? concat(await alignEncodings(opened, spec.sources.map((x) => x.location), o.concatDim!), o.concatDim!) : opened[0]!;
  const dims = (what: keyof SourceOptions, keys: string[]) => {
    for (const d of keys) {
      if (!Object.prototype.hasOwnProperty.call(ds.sizes, d)) {
        throw new SourceError(`${OPTION_NAMES[what]} names dimension ${q(d)}, which the source${opened.length > 1 || records ? "s do" : " does"} not have (dimensions: ${Object.keys(ds.sizes).join(", ") || "none"})`);
      }
    }
  };
  if (o.concatDim && opened.length === 1) dims("concatDim", [o.concatDim]);
  if (o.isel) {
    dims("isel", Object.keys(o.isel));
    ds = ds.isel(o.isel as Record<string, Indexer>);
  }
  // Joined or sliced sources can leave partial chunks inside the grid (zarr needs a regular one).
  if (records && o.vars) ds = ds.select(o.vars);
  if (o.isel || opened.length > 1 || records) ds = regularChunks(ds, Object.keys(o.chunks ?? {}));
  if (o.chunks) {
    dims("chunks", Object.keys(o.chunks));
    ds = ds.chunk(o.chunks, { onWarning: warn });
  }
  if (o.rename) ds = ds.rename(o.rename);
  if (o.zarrFormat) ds = adaptEncodings(ds, o.zarrFormat, warn);
  return ds;
}

/**
 * The per-file records of netCDF files joined along concatDim (init records them), when every source has one:
 * each file is then opened only when a region needs it, checked against its size, mtime and metadata.
 */
function fileRecords(spec: DataSourceSpec): MfFileRecord[] | undefined {
  if (spec.sources.length < 2 || !spec.options?.concatDim) return undefined;
  const ok = spec.sources.every((s) => s.format === "netcdf" && typeof s.fingerprint === "string" && typeof s.size === "number" && typeof s.mtimeMs === "number" && typeof s.length === "number");
  return ok ? spec.sources.map((s) => ({ path: s.location, size: s.size!, mtimeMs: s.mtimeMs!, length: s.length!, fingerprint: s.fingerprint!, ...(s.direct ? { direct: s.direct } : {}) })) : undefined;
}

/** Canonical JSON (object keys sorted) for comparing recorded and given values. */
function canon(v: unknown): string {
  const s = (x: unknown): unknown =>
    Array.isArray(x) ? x.map(s) : typeof x === "object" && x !== null ? Object.fromEntries(Object.keys(x).sort().map((k) => [k, s((x as Record<string, unknown>)[k])])) : x;
  return JSON.stringify(s(v)) ?? "undefined";
}

/** undefined when `given` rebuilds the recorded dataset; else what differs, named (an option, a source). */
export function sourceSpecDifference(recorded: SourceSpec, given: SourceSpec): string | undefined {
  const what = (s: SourceSpec) => (s.kind === "module" ? `the dataset module ${s.url}${s.export ? ` (export ${s.export})` : ""}` : `${s.sources.length} data source${s.sources.length === 1 ? "" : "s"}`);
  if (recorded.kind !== given.kind) return `the store was initialised from ${what(recorded)}, not from ${what(given)}`;
  if (recorded.kind === "module" && given.kind === "module") {
    if (recorded.url !== given.url) return `dataset module ${given.url} is not the recorded one, ${recorded.url}`;
    if ((recorded.export ?? "default") !== (given.export ?? "default")) return `export ${given.export ?? "default"} is not the recorded one, ${recorded.export ?? "default"}`;
    return undefined;
  }
  const r = recorded as DataSourceSpec, g = given as DataSourceSpec;
  const rl = r.sources.map((s) => s.location), gl = g.sources.map((s) => s.location);
  for (let i = 0; i < Math.max(rl.length, gl.length); i++) {
    if (rl[i] !== gl[i]) {
      return gl[i] === undefined ? `source ${rl[i]} (recorded) is not given` : rl[i] === undefined ? `source ${gl[i]} is not among the recorded sources` : `source ${gl[i]} is not the recorded one, ${rl[i]} (sources in order, globs expanded)`;
    }
  }
  for (const k of Object.keys(OPTION_NAMES) as (keyof SourceOptions)[]) {
    const a = (r.options ?? {})[k], b = (g.options ?? {})[k];
    // The output's format and encoding are init's: a write need not repeat them.
    if (b === undefined && (k === "encoding" || k === "zarrFormat")) continue;
    if (canon(a) !== canon(b)) return `${OPTION_NAMES[k]} ${b === undefined ? "(not given)" : showOption(b)} differs from the recorded ${a === undefined ? "(none)" : showOption(a)}`;
  }
  return undefined;
}

/**
 * The zarr format of the sources a dataset was opened from, when every variable's encoding agrees on one:
 * a copy keeps it unless the caller asks for another (--zarr-format).
 */
export function sourceZarrFormat(ds: Dataset): 2 | 3 | undefined {
  const fs = new Set(Object.values(ds.variables).map((v) => (v.encoding as { zarrFormat?: unknown } | undefined)?.zarrFormat));
  const [f] = fs;
  return fs.size === 1 && (f === 2 || f === 3) ? f : undefined;
}

/** An option's value as written on the command line: `a,b`, `time=0:240,lat=3`, JSON for encodings. */
function showOption(v: unknown): string {
  if (Array.isArray(v)) return v.join(",");
  if (typeof v !== "object" || v === null) return String(v);
  const entries = Object.entries(v as Record<string, unknown>);
  if (entries.some(([, x]) => typeof x === "object" && x !== null && Object.keys(x).some((k) => k !== "start" && k !== "stop"))) return canon(v);
  return entries.map(([k, x]) => `${k}=${typeof x === "object" && x !== null ? `${(x as { start?: number }).start ?? ""}:${(x as { stop?: number }).stop ?? ""}` : String(x)}`).join(",");
}

const BLOSC_SHUFFLE: Record<string, number> = { noshuffle: 0, shuffle: 1, bitshuffle: 2 };

/** A v3 codec list as a v2 compressor (or null), when it is bytes plus at most one compressor v2 knows. */
function v3CodecsToV2(codecs: unknown[]): { compressor: Record<string, unknown> | null } | undefined {
  const rest = codecs.map((c) => (typeof c === "string" ? { name: c } : (c as { name: string; configuration?: Record<string, unknown> })))
    .filter((c) => c.name !== "bytes");
  if (rest.length === 0) return { compressor: null };
  if (rest.length > 1) return undefined;
  const { name, configuration: c = {} } = rest[0]!;
  if (name === "blosc") return { compressor: { id: "blosc", cname: c.cname ?? "lz4", clevel: c.clevel ?? 5, shuffle: BLOSC_SHUFFLE[String(c.shuffle)] ?? 1, blocksize: c.blocksize ?? 0 } };
  if (name === "gzip" || name === "zstd") return { compressor: { id: name, level: c.level ?? (name === "gzip" ? 5 : 3) } };
  return undefined;
}

/**
 * The dataset with each variable's pass-through encoding made valid for zarr `format`: a variable opened from
 * a v3 source and written to v2 gets its codecs as a v2 compressor (bytes + blosc/gzip/zstd), else the
 * default codec with a warning naming it; v2 has no shards (dropped with a warning). v2 compressors and filters
 * are valid in v3 (the writer wraps them), so a v2 source needs nothing.
 */
export function adaptEncodings(ds: Dataset, format: 2 | 3, warn: (m: string) => void = (m) => console.warn(m)): Dataset {
  if (format === 3) return ds;
  const adapt = (vars: Readonly<Record<string, DataArray>>) => Object.fromEntries(Object.entries(vars).map(([k, v]) => {
    const e = { ...(v.encoding as Record<string, unknown>) };
    if (e.codecs === undefined && e.shards === undefined) return [k, v];
    if (e.shards !== undefined) {
      warn(`variable ${q(k)}: its source's shards ${q(e.shards)} cannot be written to zarr v2: written unsharded`);
      delete e.shards;
    }
    if (Array.isArray(e.codecs)) {
      const v2 = v3CodecsToV2(e.codecs);
      if (!v2) warn(`variable ${q(k)}: its source's codecs (${e.codecs.map((c) => (typeof c === "string" ? c : (c as { name: string }).name)).join(", ")}) have no zarr v2 form: written with the default codec`);
      delete e.codecs;
      if (v2) e.compressor = v2.compressor;
    }
    e.zarrFormat = 2;
    const data = v.data instanceof LazyArray ? v.data : new EagerArray(v.data, v.shape, v.dtype);
    return [k, new DataArray({ name: k, dims: v.dims, data, attrs: v.attrs, encoding: e, dtype: v.dtype })];
  }));
  return new Dataset({ coords: adapt(ds.coords), dataVars: adapt(ds.dataVars), attrs: ds.attrs });
}

/** A copy of `v` with other data and/or attrs (same name, dims, encoding). */
function withData(v: DataArray, data: LazyArray | BigInt64Array | Float64Array, attrs: Record<string, unknown>): DataArray {
  const d = data instanceof LazyArray ? data : new EagerArray(data, v.shape, v.dtype);
  return new DataArray({ name: v.name, dims: v.dims, data: d, attrs, encoding: v.encoding, dtype: v.dtype });
}

/** Attributes and encodings that decide how stored values decode: they must agree along the concat dim. */
const DECODING_ATTRS = ["scale_factor", "add_offset", "_FillValue", "missing_value", "calendar", "units"];

/**
 * Values pass through encoded, so the sources joined along `dim` must encode their variables alike: a variable
 * with `dim` whose units, scale, offset or fill value differ from the first source's would be decoded with the
 * first's. Time coordinates in memory whose units differ only in the reference date (xarray picks one per
 * store: "hours since <first time>") are re-encoded to the first source's units; any other difference is an
 * error naming the variable, the attribute and the source.
 */
async function alignEncodings(datasets: Dataset[], where: string[], dim: string): Promise<Dataset[]> {
  const first = datasets[0]!;
  return Promise.all(datasets.map(async (ds, i) => {
    if (i === 0) return ds;
    const fix = async (vars: Readonly<Record<string, DataArray>>) => Object.fromEntries(await Promise.all(Object.entries(vars).map(async ([k, v]) => {
      const a = first.get(k);
      if (!a) return [k, v];
      if (!v.dims.includes(dim)) {
        // Coordinates without the concat dim must be equal (opened coordinates are lazy: concat compares only
        // in-memory values, so they are compared here, when small).
        if (k in ds.coords && a.shape.join() === v.shape.join() && v.size <= CONCAT_COMPARE_MAX) {
          const [x, y] = [await a.compute(), await v.compute()] as unknown as ArrayLike<number | bigint>[];
          for (let j = 0; j < x!.length; j++) {
            if (x![j] !== y![j] && !(x![j] !== x![j] && y![j] !== y![j])) {
              throw new SourceError(`concat along ${q(dim)}: coordinate ${q(k)} of ${where[i]} differs from ${where[0]}'s (values differ at flat index ${j}: ${String(y![j])} instead of ${String(x![j])})`);
            }
          }
        }
        return [k, v];
      }
      let out = v;
      const ua = a.attrs.units, ub = v.attrs.units;
      // Only 1-d variables small enough to hold (time coordinates), as concat compares coordinates.
      if (typeof ua === "string" && typeof ub === "string" && ua !== ub && / since /i.test(ua) && / since /i.test(ub) && v.dims.length === 1 && v.size <= CONCAT_COMPARE_MAX) {
        const shifted = rebase(await v.compute(), ua, ub, String(v.attrs.calendar ?? "standard"));
        if (shifted) {
          const data = v.chunks ? fromArray(shifted, v.shape, { chunks: v.chunks.map((c) => [...c]), dtype: v.dtype }) : shifted;
          out = withData(v, data, { ...v.attrs, units: ua });
        }
      }
      for (const key of DECODING_ATTRS) {
        if (JSON.stringify(a.attrs[key]) !== JSON.stringify(out.attrs[key])) {
          throw new SourceError(
            `concat along ${q(dim)}: variable ${q(k)} of ${where[i]} has ${key} ${q(out.attrs[key]) ?? "(none)"}, but ${where[0]} has ${q(a.attrs[key]) ?? "(none)"}: ` +
              "values pass through encoded, so the sources must encode them alike",
          );
        }
      }
      const fa = (a.encoding as { fillValue?: unknown }).fillValue, fb = (out.encoding as { fillValue?: unknown }).fillValue;
      if (a.dtype !== out.dtype || String(fa) !== String(fb)) {
        throw new SourceError(`concat along ${q(dim)}: variable ${q(k)} of ${where[i]} is stored as ${out.dtype} (fill value ${String(fb)}), but in ${where[0]} as ${a.dtype} (fill value ${String(fa)})`);
      }
      return [k, out] as const;
    })));
    return new Dataset({ coords: await fix(ds.coords), dataVars: await fix(ds.dataVars), attrs: ds.attrs });
  }));
}

/** In-memory times in `from` units re-expressed in `to` units (same unit, other reference date), or undefined. */
function rebase(values: ArrayLike<number | bigint>, to: string, from: string, calendar: string): BigInt64Array | Float64Array | undefined {
  const unit = (u: string) => /^\s*(\w+)\s+since\s+(.+)$/i.exec(u);
  const mt = unit(to), mf = unit(from);
  if (!mt || !mf || mt[1]!.toLowerCase() !== mf[1]!.toLowerCase()) return undefined;
  let off: number;
  try {
    off = Number(cfTime([mf[2]!.trim()], to, calendar === "gregorian" ? "standard" : calendar).data[0]);
  } catch {
    return undefined;
  }
  const d = values;
  if (d instanceof BigInt64Array) {
    if (!Number.isSafeInteger(off)) return undefined;
    return BigInt64Array.from(d, (x) => x + BigInt(off));
  }
  if (d instanceof Float64Array) return Float64Array.from(d, (x) => x + off);
  return undefined;
}

/**
 * After isel, chunks along a sliced dim start with a partial chunk ([1, 3, 3, ..]); after concat, a source
 * whose length is not a multiple of its chunks leaves one inside ([3, 3, 1, 3, 3, 1]). zarr cannot store either:
 * each such variable is rechunked to its source's chunk length along that dim (unless --chunks sets it).
 */
function regularChunks(ds: Dataset, given: string[]): Dataset {
  const fix = (vars: Readonly<Record<string, DataArray>>) => Object.fromEntries(Object.entries(vars).map(([k, v]) => {
    const chunks = v.chunks;
    if (!chunks) return [k, v];
    const spec: Record<string, number> = {};
    v.dims.forEach((d, axis) => {
      const c = chunks[axis]!;
      const regular = c.every((n, j) => (j < c.length - 1 ? n === c[0] : n <= c[0]!));
      if (!regular && !given.includes(d)) spec[d] = Math.max(...c);
    });
    return [k, Object.keys(spec).length ? v.chunk(spec) : v];
  }));
  return new Dataset({ coords: fix(ds.coords), dataVars: fix(ds.dataVars), attrs: ds.attrs });
}
