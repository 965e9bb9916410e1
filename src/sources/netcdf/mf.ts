// openMfDataset: many netCDF files joined along one dimension, as xarray's
// `open_mfdataset(paths, combine="nested", concat_dim=DIM, data_vars="minimal", coords="minimal", compat="override")`:
// variables with DIM are concatenated (lazily: a region reads only the files it overlaps), variables without it
// and the global attributes come from the first file — after checking that every file has the same variables
// with the same dims, dtypes and (but for DIM) shapes, so that a file that does not fit is an error naming it.
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { concat } from "../../model/concat.js";
import { DataArray } from "../../model/dataarray.js";
import { Dataset } from "../../model/dataset.js";
import { globPaths, hasGlob } from "../detect.js";
import { SourceError } from "../errors.js";
import { buildDataset, type OpenNetCDFOptions } from "./build.js";
import { describeNetCDF } from "./open.js";

export interface OpenMfDatasetOptions extends OpenNetCDFOptions {
  /** The dimension the files are joined along (each file must have it). */
  concatDim: string;
  /** Files whose metadata is read at once (default 8). */
  openConcurrency?: number;
}

const q = JSON.stringify;

/** The files: a glob's matches sorted lexicographically, a path as is, a list in its order. */
export function mfPaths(paths: string | readonly string[]): string[] {
  if (typeof paths === "string") {
    const abs = resolve(paths);
    if (existsSync(abs) || !hasGlob(paths)) return [abs];
    const found = globPaths(abs);
    if (!found.length) throw new SourceError(`openMfDataset: no file matches ${q(paths)}`);
    return found;
  }
  if (!Array.isArray(paths) || paths.length === 0 || paths.some((p) => typeof p !== "string" || p === "")) {
    throw new SourceError(`openMfDataset: expected a glob, a path or a non-empty list of paths, got ${q(paths)}`);
  }
  return paths.map((p) => resolve(p));
}

/** Open many netCDF files as one lazy Dataset joined along `options.concatDim`. */
export async function openMfDataset(paths: string | readonly string[], options: OpenMfDatasetOptions): Promise<Dataset> {
  const dim = options?.concatDim;
  if (typeof dim !== "string" || dim === "") throw new SourceError(`openMfDataset: concatDim must name the dimension to join the files along, got ${q(dim)}`);
  const files = mfPaths(paths);
  const batch = Math.max(1, options.openConcurrency ?? 8);
  const dss: Dataset[] = [];
  for (let i = 0; i < files.length; i += batch) {
    dss.push(...(await Promise.all(files.slice(i, i + batch).map(async (f) => buildDataset(await describeNetCDF(f, options.group), options)))));
  }
  const first = dss[0]!;
  if (!(dim in first.sizes)) {
    throw new SourceError(`${files[0]}: has no dimension ${q(dim)} to join the files along (its dimensions: ${Object.keys(first.sizes).join(", ") || "none"})`);
  }
  const names = Object.keys(first.variables);
  dss.forEach((ds, i) => {
    if (i === 0) return;
    const file = files[i]!;
    if (!(dim in ds.sizes)) throw new SourceError(`${file}: has no dimension ${q(dim)} (the files are joined along it; ${files[0]} has it)`);
    for (const k of Object.keys(ds.variables)) {
      if (!first.get(k)) throw new SourceError(`${file}: variable ${q(k)} is not in the first file, ${files[0]}`);
    }
    for (const k of names) {
      const a = first.get(k)!, b = ds.get(k);
      if (!b) throw new SourceError(`${file}: has no variable ${q(k)}, which the first file (${files[0]}) has`);
      const why = a.dims.join() !== b.dims.join() ? `dims (${b.dims.join(", ")}) instead of (${a.dims.join(", ")})`
        : a.dtype !== b.dtype ? `dtype ${b.dtype} instead of ${a.dtype}`
        : a.shape.some((s, d) => a.dims[d] !== dim && s !== b.shape[d]) ? `shape [${b.shape.join(", ")}] instead of [${a.shape.join(", ")}] (dimensions other than ${q(dim)} must agree)`
        : !!first.coords[k] !== !!ds.coords[k] ? `${ds.coords[k] ? "a coordinate" : "a data variable"}, but a ${first.coords[k] ? "coordinate" : "data variable"} in the first file` : "";
      if (why) throw new SourceError(`${file}: variable ${q(k)} has ${why} (the first file is ${files[0]})`);
    }
  });
  // data_vars="minimal", coords="minimal", compat="override": only variables with `dim` are joined.
  const along = (ds: Dataset): Dataset => {
    const pick = (vars: Readonly<Record<string, DataArray>>) => Object.fromEntries(Object.entries(vars).filter(([, v]) => v.dims.includes(dim)));
    return new Dataset({ coords: pick(ds.coords), dataVars: pick(ds.dataVars), attrs: ds.attrs });
  };
  const joined = dss.length === 1 ? first : concat(dss.map(along), dim);
  const coords: Record<string, DataArray> = {}, dataVars: Record<string, DataArray> = {};
  for (const k of names) {
    const v = first.get(k)!.dims.includes(dim) ? joined.get(k)! : first.get(k)!;
    (first.coords[k] ? coords : dataVars)[k] = v;
  }
  return new Dataset({ coords, dataVars, attrs: first.attrs });
}
