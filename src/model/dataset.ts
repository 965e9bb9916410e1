// Dataset: coordinates and data variables (DataArrays, or plain { dims, data, attrs?, encoding? }), whose
// dimension sizes must agree. Dims may be chunked differently by different variables (the writer checks
// the chunk rules it needs).
import { PartitionDatasetAccessor } from "./accessors.js";
import { DataArray, type VariableSpec } from "./dataarray.js";
import { assignVars, chunkDataset, dropVars, iselDataset, renameDataset, selectVars } from "./dataset-ops.js";
import { DimensionConflictError } from "./errors.js";
import type { ChunkOptions, ChunkSpec, Indexers } from "./ops.js";
import { assignCoords, reindex, type CoordValue, type ReindexOptions } from "./reindex.js";

export interface DatasetInit {
  coords?: Record<string, DataArray | VariableSpec>;
  dataVars?: Record<string, DataArray | VariableSpec>;
  attrs?: Record<string, unknown>;
}

function toDataArray(name: string, v: DataArray | VariableSpec): DataArray {
  if (v instanceof DataArray) return v.name === name ? v : v.rename(name);
  if (typeof v !== "object" || v === null) throw new TypeError(`variable ${JSON.stringify(name)} must be a DataArray or { dims, data, attrs?, encoding? }`);
  return new DataArray({ ...v, name });
}

export class Dataset {
  readonly coords: Readonly<Record<string, DataArray>>;
  readonly dataVars: Readonly<Record<string, DataArray>>;
  readonly attrs: Record<string, unknown>;
  readonly #sizes: Record<string, number>;

  constructor(init: DatasetInit = {}) {
    const coords: Record<string, DataArray> = {};
    const dataVars: Record<string, DataArray> = {};
    for (const [name, v] of Object.entries(init.coords ?? {})) coords[name] = toDataArray(name, v);
    for (const [name, v] of Object.entries(init.dataVars ?? {})) {
      if (Object.prototype.hasOwnProperty.call(coords, name)) {
        throw new DimensionConflictError(`${JSON.stringify(name)} is both a coordinate and a data variable`);
      }
      dataVars[name] = toDataArray(name, v);
    }
    const sizes: Record<string, number> = {};
    const owner: Record<string, string> = {};
    for (const [name, da] of [...Object.entries(coords), ...Object.entries(dataVars)]) {
      da.dims.forEach((d, axis) => {
        const n = da.shape[axis]!;
        if (!Object.prototype.hasOwnProperty.call(sizes, d)) {
          sizes[d] = n;
          owner[d] = name;
        } else if (sizes[d] !== n) {
          throw new DimensionConflictError(
            `dimension ${JSON.stringify(d)} has size ${sizes[d]} in variable ${JSON.stringify(owner[d])} ` +
              `but size ${n} in variable ${JSON.stringify(name)}`,
          );
        }
      });
    }
    this.coords = Object.freeze(coords);
    this.dataVars = Object.freeze(dataVars);
    this.attrs = { ...(init.attrs ?? {}) };
    this.#sizes = Object.freeze(sizes) as Record<string, number>;
  }

  /** Coordinates then data variables, in insertion order. */
  get variables(): Record<string, DataArray> {
    return { ...this.coords, ...this.dataVars };
  }

  /** Dimension name → size (as xarray's Dataset.dims / sizes). */
  get dims(): Record<string, number> {
    return { ...this.#sizes };
  }

  get sizes(): Record<string, number> {
    return { ...this.#sizes };
  }

  /** A variable by name (coordinate or data variable), or undefined. */
  get(name: string): DataArray | undefined {
    return this.coords[name] ?? this.dataVars[name];
  }

  /** xpartition's `ds.partition`: per-variable plans (and, with the writer, writes). */
  get partition(): PartitionDatasetAccessor {
    return new PartitionDatasetAccessor(this);
  }

  // Operations (src/model/dataset-ops.ts): each returns a new Dataset and computes nothing.

  /**
   * `{ dim: { start?, stop? } | index }` on every variable with that dim (Python slice semantics; an integer
   * drops the dim, a 1-d coordinate along it becoming a scalar one). An unknown dim or an index out of range
   * is an error naming the dim, the value and the size.
   */
  isel(indexers: Indexers): Dataset {
    return iselDataset(this, indexers);
  }

  /** The variables named (data variables or coordinates), with the coordinates whose dims they span. */
  select(names: readonly string[] | string): Dataset {
    return selectVars(this, names);
  }

  /** Without the variables named (every name must exist). */
  dropVars(names: readonly string[] | string): Dataset {
    return dropVars(this, names);
  }

  /** Rename variables and dims (`{ old: new }`); a clash with another name is an error. */
  rename(mapping: Record<string, string>): Dataset {
    return renameDataset(this, mapping);
  }

  /** With `attrs` merged over the dataset's attributes. */
  assignAttrs(attrs: Record<string, unknown>): Dataset {
    return new Dataset({ coords: this.coords, dataVars: this.dataVars, attrs: { ...this.attrs, ...attrs } });
  }

  /** With variables added or replaced (a coordinate's name replaces the coordinate). */
  assign(vars: Record<string, DataArray | VariableSpec>): Dataset {
    return assignVars(this, vars);
  }

  /** With coordinates added or replaced (src/model/reindex.ts); a 1-d TypedArray is a coordinate along its name. */
  assignCoords(coords: Record<string, CoordValue>): Dataset {
    return assignCoords(this, coords);
  }

  /** To new labels along dims with a coordinate; dtypes kept, missing labels filled (src/model/reindex.ts). */
  reindex(indexers: Record<string, CoordValue>, options: ReindexOptions = {}): Dataset {
    return reindex(this, indexers, options);
  }

  /**
   * Rechunk every variable with a dim given (`{ dim: n | -1 }`; see DataArray.chunk), in-memory ones included
   * except dimension coordinates (as xarray keeps its indexes). A dim the dataset does not have is an error.
   */
  chunk(spec: ChunkSpec, opts: ChunkOptions = {}): Dataset {
    return chunkDataset(this, spec, opts);
  }
}
