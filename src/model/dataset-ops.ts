// Dataset operations, all lazy (nothing computed): isel, select, dropVars, rename, assignAttrs, assign,
// chunk. Each returns a new Dataset over the same (or view) arrays; attrs and encodings are kept.
import { UnknownDimensionError } from "../plan/errors.js";
import { DataArray, type VariableSpec } from "./dataarray.js";
import { Dataset } from "./dataset.js";
import { DimensionConflictError, UnknownVariableError } from "./errors.js";
import { chunkArray, iselSelections, renameDims, selection, type ChunkOptions, type ChunkSpec, type Indexers, type Selection } from "./ops.js";

const q = JSON.stringify;
const own = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);
const list = (xs: readonly string[]): string => `[${xs.map((x) => q(x)).join(", ")}]`;

/** A Dataset of `ds`'s attrs with each variable mapped (coords stay coords). */
function mapVars(ds: Dataset, fn: (v: DataArray) => DataArray): Dataset {
  const m = (vars: Readonly<Record<string, DataArray>>) => Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, fn(v)]));
  return new Dataset({ coords: m(ds.coords), dataVars: m(ds.dataVars), attrs: ds.attrs });
}

function checkUnknownDims(ds: Dataset, keys: readonly string[], what: string): void {
  const sizes = ds.sizes;
  for (const dim of keys) if (!own(sizes, dim)) throw new UnknownDimensionError(dim, Object.keys(sizes), undefined, what, "the dataset");
}

/** See Dataset.isel. Indexers are checked once against the dataset's sizes, then applied to each variable. */
export function iselDataset(ds: Dataset, indexers: Indexers): Dataset {
  if (typeof indexers !== "object" || indexers === null || Array.isArray(indexers)) {
    throw new TypeError(`isel: indexers must be an object of dim: indexer, got ${String(q(indexers) ?? indexers)}`);
  }
  checkUnknownDims(ds, Object.keys(indexers), "isel: dimension");
  const sizes = ds.sizes;
  const sel: Record<string, Selection> = {};
  for (const [dim, ix] of Object.entries(indexers)) sel[dim] = selection(dim, ix, sizes[dim]!, "the dataset");
  return mapVars(ds, (v) => {
    if (!v.dims.some((d) => own(sel, d))) return v;
    return iselSelections(v, v.dims.map((d, axis) => sel[d] ?? { start: 0, stop: v.shape[axis]!, drop: false }));
  });
}

function checkNames(ds: Dataset, names: unknown, what: string): string[] {
  const xs = typeof names === "string" ? [names] : names;
  if (!Array.isArray(xs) || xs.some((x) => typeof x !== "string")) throw new TypeError(`${what}: expected a list of variable names, got ${q(names)}`);
  const unknown = xs.filter((x) => !ds.get(x));
  if (unknown.length) {
    throw new UnknownVariableError(
      `${what}: ${unknown.length === 1 ? "variable" : "variables"} ${list(unknown)} ${unknown.length === 1 ? "is" : "are"} not in the dataset; ` +
        `its variables: ${list(Object.keys(ds.variables))}`,
    );
  }
  return [...new Set(xs as string[])];
}

/** See Dataset.select: the variables named (in that order), with the coordinates whose dims they span. */
export function selectVars(ds: Dataset, names: readonly string[] | string): Dataset {
  const keep = checkNames(ds, names, "select");
  const needed = new Set(keep.flatMap((n) => ds.get(n)!.dims));
  const coords: Record<string, DataArray> = {};
  for (const [k, v] of Object.entries(ds.coords)) if (keep.includes(k) || v.dims.every((d) => needed.has(d))) coords[k] = v;
  const dataVars: Record<string, DataArray> = {};
  for (const k of keep) if (ds.dataVars[k]) dataVars[k] = ds.dataVars[k]!;
  return new Dataset({ coords, dataVars, attrs: ds.attrs });
}

/** See Dataset.dropVars. */
export function dropVars(ds: Dataset, names: readonly string[] | string): Dataset {
  const drop = new Set(checkNames(ds, names, "dropVars"));
  const keep = (vars: Readonly<Record<string, DataArray>>) => Object.fromEntries(Object.entries(vars).filter(([k]) => !drop.has(k)));
  return new Dataset({ coords: keep(ds.coords), dataVars: keep(ds.dataVars), attrs: ds.attrs });
}

/** See Dataset.rename: variables and dims (a name that is both, like a dimension coordinate, renames both). */
export function renameDataset(ds: Dataset, mapping: Record<string, string>): Dataset {
  if (typeof mapping !== "object" || mapping === null || Array.isArray(mapping)) throw new TypeError(`rename: expected an object of old: new names, got ${q(mapping)}`);
  const vars = Object.keys(ds.variables);
  const dims = Object.keys(ds.sizes);
  for (const [from, to] of Object.entries(mapping)) {
    if (typeof to !== "string" || to === "") throw new TypeError(`rename: the new name of ${q(from)} must be a non-empty string, got ${q(to)}`);
    if (!vars.includes(from) && !dims.includes(from)) {
      throw new UnknownVariableError(`rename: ${q(from)} is neither a variable nor a dimension of the dataset; variables: ${list(vars)}, dimensions: ${list(dims)}`);
    }
  }
  const clash = (names: readonly string[], what: string): void => {
    const renamed = names.map((n) => (own(mapping, n) ? mapping[n]! : n));
    renamed.forEach((n, i) => {
      const j = renamed.indexOf(n);
      if (j === i) return;
      const [a, b] = [names[j]!, names[i]!];
      const how = own(mapping, a) && own(mapping, b) ? `both ${q(a)} and ${q(b)} would be renamed to ${q(n)}` : `renaming ${q(own(mapping, a) ? a : b)} to ${q(n)} clashes with the existing ${what} ${q(own(mapping, a) ? b : a)}`;
      throw new DimensionConflictError(`rename: ${how}`);
    });
  };
  clash(vars, "variable");
  clash(dims, "dimension");
  const dimMap = Object.fromEntries(Object.entries(mapping).filter(([k]) => dims.includes(k)));
  const m = (src: Readonly<Record<string, DataArray>>) =>
    Object.fromEntries(Object.entries(src).map(([k, v]) => {
      const here = Object.fromEntries(Object.entries(dimMap).filter(([d]) => v.dims.includes(d)));
      const w = Object.keys(here).length ? renameDims(v, here) : v;
      const name = own(mapping, k) ? mapping[k]! : k;
      return [name, name === k ? w : w.rename(name)];
    }));
  return new Dataset({ coords: m(ds.coords), dataVars: m(ds.dataVars), attrs: ds.attrs });
}

/** See Dataset.assign: a name that is a coordinate replaces it; any other is a data variable (added or replaced). */
export function assignVars(ds: Dataset, vars: Record<string, DataArray | VariableSpec>): Dataset {
  if (typeof vars !== "object" || vars === null || Array.isArray(vars)) throw new TypeError(`assign: expected an object of name: DataArray or { dims, data }, got ${String(vars)}`);
  const coords: Record<string, DataArray | VariableSpec> = { ...ds.coords };
  const dataVars: Record<string, DataArray | VariableSpec> = { ...ds.dataVars };
  for (const [k, v] of Object.entries(vars)) (own(coords, k) ? coords : dataVars)[k] = v;
  return new Dataset({ coords, dataVars, attrs: ds.attrs });
}

/** See Dataset.chunk. */
export function chunkDataset(ds: Dataset, spec: ChunkSpec, opts: ChunkOptions = {}): Dataset {
  if (typeof spec !== "object" || spec === null || Array.isArray(spec)) throw new TypeError(`chunk: expected an object of dim: chunk length, got ${String(spec)}`);
  checkUnknownDims(ds, Object.keys(spec), "chunk: dimension");
  // As xarray: every variable with a dim given is chunked, except dimension coordinates (its indexes), kept in memory.
  const isIndex = (v: DataArray) => !v.chunked && v.dims.length === 1 && v.dims[0] === v.name && own(ds.coords, v.name!);
  return mapVars(ds, (v) => (v.dims.some((d) => own(spec, d)) && !isIndex(v) ? chunkArray(v, spec, opts, false) : v));
}
