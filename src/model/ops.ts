// DataArray operations, all lazy: isel (slices and integer indices, Python semantics), chunk (rechunking
// that computes only the input regions an output region overlaps) and renaming dims. Each keeps the
// variable's encoding, made to fit: isel drops the per-axis entries of dropped dims, chunk drops shards that no
// longer hold whole chunks (with a warning).
import { UnknownDimensionError } from "../plan/errors.js";
import { assemble, overlapping, type Piece } from "./assemble.js";
import { normalizeChunks, sameChunks } from "./chunks.js";
import { DataArray, type Encoding } from "./dataarray.js";
import { dtypeInfo } from "./dtypes.js";
import { DimensionConflictError, ShapeError, label } from "./errors.js";
import { EagerArray, LazyArray, fromArray } from "./lazy.js";
import { copyRegion, regionSize, type IndexRange } from "./region.js";
import { readGridOf, setReadGrid } from "./read-amplification.js";

/** An integer index (drops the dim; negative counts from the end) or a slice (Python semantics, step 1). */
export type Indexer = number | { start?: number | null; stop?: number | null; step?: number | null };
export type Indexers = Record<string, Indexer>;

/** A normalised indexer: the range selected, and whether the dim is dropped (an integer index). */
export interface Selection extends IndexRange {
  drop: boolean;
}

/** Chunk lengths per dim: a length, -1 (one chunk) or the explicit list of lengths. */
export type ChunkSpec = Record<string, number | readonly number[]>;

export interface ChunkOptions {
  /** Called with each warning (a dropped shards encoding); default console.warn. */
  onWarning?: (message: string) => void;
}

const q = JSON.stringify;
const own = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

/** Python's normalisation of one slice end over n elements: negatives from the end, then clamped. */
function clampEnd(k: number, n: number): number {
  return k < 0 ? Math.max(0, n + k) : Math.min(k, n);
}

/** Normalise one indexer against a dim of `size`. `owner` names what the dim belongs to, for messages. */
export function selection(dim: string, indexer: unknown, size: number, owner: string): Selection {
  if (typeof indexer === "number") {
    if (!Number.isInteger(indexer)) throw new TypeError(`isel: index ${indexer} for dimension ${q(dim)} of ${owner} is not an integer`);
    if (indexer >= size || indexer < -size) {
      throw new ShapeError(
        `isel: index ${indexer} is out of range for dimension ${q(dim)} of ${owner}, of size ${size}` +
          (size > 0 ? ` (valid: ${-size}..${size - 1})` : ""),
      );
    }
    const i = indexer < 0 ? indexer + size : indexer;
    return { start: i, stop: i + 1, drop: true };
  }
  if (typeof indexer !== "object" || indexer === null || Array.isArray(indexer) || ArrayBuffer.isView(indexer)) {
    throw new TypeError(`isel: indexer for dimension ${q(dim)} of ${owner} must be an integer or { start?, stop? }, got ${String(q(indexer) ?? indexer)}`);
  }
  const s = indexer as Record<string, unknown>;
  for (const key of Object.keys(s)) {
    if (key !== "start" && key !== "stop" && key !== "step") throw new TypeError(`isel: slice for dimension ${q(dim)} of ${owner} has unknown key ${q(key)}`);
  }
  for (const key of ["start", "stop"] as const) {
    const v = s[key];
    if (v !== undefined && v !== null && !(typeof v === "number" && Number.isInteger(v))) {
      throw new TypeError(`isel: ${key} of the slice for dimension ${q(dim)} of ${owner} must be an integer, got ${q(v) ?? String(v)}`);
    }
  }
  if (s.step !== undefined && s.step !== null && s.step !== 1) {
    throw new TypeError(`isel: slice for dimension ${q(dim)} of ${owner} has step ${String(s.step)}: only step 1 is supported`);
  }
  const start = s.start === undefined || s.start === null ? 0 : clampEnd(s.start as number, size);
  const stop = s.stop === undefined || s.stop === null ? size : clampEnd(s.stop as number, size);
  return { start, stop: Math.max(start, stop), drop: false };
}

/** The selections of `indexers` for `da` (every dim of it; unlisted dims whole). */
function selectionsOf(da: DataArray, indexers: Indexers): Selection[] {
  if (typeof indexers !== "object" || indexers === null || Array.isArray(indexers)) {
    throw new TypeError(`isel: indexers must be an object of dim: indexer, got ${String(q(indexers) ?? indexers)}`);
  }
  const owner = da.name !== undefined ? q(da.name) : "the array";
  for (const dim of Object.keys(indexers)) if (!da.dims.includes(dim)) throw new UnknownDimensionError(dim, da.dims, da.name);
  return da.dims.map((d, axis) => (own(indexers, d) ? selection(d, indexers[d], da.shape[axis]!, owner) : { start: 0, stop: da.shape[axis]!, drop: false }));
}

/**
 * The encoding of a variable after isel: per-axis entries (shards, chunks, sharding_indexed chunk_shape) lose
 * the dropped axes, and `chunks` (the source's chunking) is cut to the new sizes. Shards longer than a dim
 * stay valid as they are (the writer cuts a shard along a dim held by one chunk).
 */
function encodingAfterIsel(enc: Encoding, sel: readonly Selection[]): Encoding {
  const keep = sel.map((s) => !s.drop);
  const sizes = sel.filter((s) => !s.drop).map((s) => s.stop - s.start);
  const cut = (xs: unknown): unknown => (Array.isArray(xs) && xs.length === keep.length ? xs.filter((_, a) => keep[a]) : xs);
  const out: Encoding = { ...enc };
  if (enc.shards !== undefined) out.shards = cut(enc.shards);
  if (enc.chunks !== undefined) {
    const c = cut(enc.chunks);
    out.chunks = Array.isArray(c) && c.length === sizes.length && c.every((x) => typeof x === "number")
      ? c.map((x: number, a) => Math.min(x, Math.max(sizes[a]!, 1)))
      : c;
  }
  if (Array.isArray(enc.codecs) && !keep.every(Boolean)) {
    out.codecs = enc.codecs.map((c: unknown) => {
      const conf = (c as { name?: unknown; configuration?: Record<string, unknown> } | null)?.configuration;
      if ((c as { name?: unknown } | null)?.name !== "sharding_indexed" || !conf || !Array.isArray(conf.chunk_shape)) return c;
      return { ...(c as object), configuration: { ...conf, chunk_shape: cut(conf.chunk_shape) } };
    });
  }
  return out;
}

/** `a` over the selected ranges, without the dropped (length-1) axes: the C-order layout is the same. */
function lazySelect(a: LazyArray, sel: readonly Selection[]): LazyArray {
  const kept = sel.map((s, axis) => ({ s, axis })).filter(({ s }) => !s.drop);
  const chunks = kept.map(({ s, axis }) => {
    const c = overlapping(a.chunks[axis]!, s.start, s.stop).map((r) => r.stop - r.start);
    return c.length ? c : [0];
  });
  // Registered as a dependent (as LazyArray.subset): within one collected write, a view and its parent asked
  // for the same region compute it once.
  LazyArray.addDependent(a);
  return new LazyArray({
    shape: kept.map(({ s }) => s.stop - s.start),
    dtype: a.dtype,
    chunks,
    ...(a.name !== undefined ? { name: a.name } : {}),
    compute: (region, out, cache) => {
      const full = sel.map((s) => ({ start: s.start, stop: s.drop ? s.stop : s.start }));
      kept.forEach(({ s, axis }, i) => (full[axis] = { start: s.start + region[i]!.start, stop: s.start + region[i]!.stop }));
      return a.compute(full, out, cache);
    },
  });
}

/** `da.isel(indexers)`: see DataArray.isel. */
export function iselArray(da: DataArray, indexers: Indexers): DataArray {
  return iselSelections(da, selectionsOf(da, indexers));
}

/** `da` over normalised selections, one per axis (Dataset.isel checks the indexers once for all variables). */
export function iselSelections(da: DataArray, sel: readonly Selection[]): DataArray {
  const keep = sel.map((s) => !s.drop);
  const dims = da.dims.filter((_, a) => keep[a]);
  const shape = sel.filter((s) => !s.drop).map((s) => s.stop - s.start);
  const common = { dims, attrs: da.attrs, encoding: encodingAfterIsel(da.encoding, sel), dtype: da.dtype, ...(da.name !== undefined ? { name: da.name } : {}) };
  if (da.data instanceof LazyArray) {
    const whole = sel.every((s, a) => !s.drop && s.start === 0 && s.stop === da.shape[a]);
    return new DataArray({ ...common, data: whole ? da.data : lazySelect(da.data, sel) });
  }
  const n = regionSize(sel);
  const dst = copyRegion(da.data, da.shape, sel, new (dtypeInfo(da.dtype).ctor)(n));
  return new DataArray({ ...common, data: new EagerArray(dst, shape, da.dtype) });
}

/**
 * `a` with new chunks: computing a region computes, for each input chunk it overlaps, only that part of the
 * input, into the output buffer (see assemble).
 */
export function rechunkLazy(a: LazyArray, chunks: readonly (readonly number[])[]): LazyArray {
  const out = rechunked(a, chunks);
  // A source's chunk grid (openZarr registers it) goes along, for the read amplification `write` estimates.
  const grid = readGridOf(a);
  if (grid) setReadGrid(out, grid);
  return out;
}

function rechunked(a: LazyArray, chunks: readonly (readonly number[])[]): LazyArray {
  return new LazyArray({
    shape: a.shape,
    dtype: a.dtype,
    chunks: chunks.map((c) => [...c]),
    ...(a.name !== undefined ? { name: a.name } : {}),
    compute: (region, out, cache) => {
      const per = region.map((r, axis) => overlapping(a.chunks[axis]!, r.start, r.stop));
      if (per.every((p) => p.length <= 1)) return a.compute(region, out, cache); // inside one input chunk
      const pieces: Piece[] = [];
      const idx = per.map(() => 0);
      for (;;) {
        const piece = per.map((p, axis) => p[idx[axis]!]!);
        pieces.push({ source: a, region: piece, at: piece.map((r, axis) => ({ start: r.start - region[axis]!.start, stop: r.stop - region[axis]!.start })) });
        let axis = per.length - 1;
        while (axis >= 0 && ++idx[axis]! >= per[axis]!.length) idx[axis--] = 0;
        if (axis < 0) break;
      }
      return assemble(pieces, region.map((r) => r.stop - r.start), a.dtype, out, cache);
    },
  });
}

/** Whether `enc.shards` (per dim) still holds whole chunks of the first lengths of `chunks`. */
function shardsFit(shards: unknown, chunks: readonly (readonly number[])[], shape: readonly number[]): boolean {
  if (!Array.isArray(shards) || shards.length !== shape.length) return true; // malformed: the writer says so
  return shards.every((s, d) => {
    const c = Math.max(chunks[d]![0] ?? 1, 1);
    return typeof s !== "number" || s % c === 0 || (c >= shape[d]! && s >= shape[d]!);
  });
}

/** A sharding_indexed codec's inner chunk_shape still divides the new chunks (which are its shards). */
function shardingCodecFits(conf: Record<string, unknown>, chunks: readonly (readonly number[])[], shape: readonly number[]): boolean {
  const inner = conf.chunk_shape;
  if (!Array.isArray(inner) || inner.length !== shape.length) return true;
  return inner.every((i, d) => {
    const c = chunks[d]![0] ?? 0;
    return typeof i !== "number" || i < 1 || c >= shape[d]! || c % i === 0;
  });
}

/** The encoding of a variable rechunked to `chunks`: stale chunking entries dropped, with a warning for shards. */
function encodingForChunks(name: string | undefined, enc: Encoding, chunks: readonly (readonly number[])[], shape: readonly number[], dims: readonly string[], warn: (m: string) => void): Encoding {
  const out: Encoding = { ...enc };
  const shown = `[${chunks.map((c) => c[0] ?? 0).join(", ")}] over (${dims.join(", ")})`;
  // `chunks` in an encoding records the source's chunking (as xarray's): superseded by the new chunks.
  delete out.chunks;
  if (enc.shards !== undefined && !shardsFit(enc.shards, chunks, shape)) {
    warn(`xpartition: variable ${label(name)}was rechunked to ${shown}: its encoding.shards ${q(enc.shards)} no longer holds whole chunks and is dropped`);
    delete out.shards;
  }
  if (Array.isArray(enc.codecs)) {
    const i = enc.codecs.findIndex((c: unknown) => (c as { name?: unknown } | null)?.name === "sharding_indexed");
    const conf = i >= 0 ? ((enc.codecs[i] as { configuration?: Record<string, unknown> }).configuration ?? {}) : undefined;
    if (conf && !shardingCodecFits(conf, chunks, shape)) {
      warn(
        `xpartition: variable ${label(name)}was rechunked to ${shown}: its sharding_indexed chunk_shape ${q(conf.chunk_shape)} ` +
          `no longer divides the chunks (the shards); sharding is dropped, its inner codecs kept`,
      );
      if (Array.isArray(conf.codecs)) out.codecs = conf.codecs;
      else delete out.codecs;
    }
  }
  return out;
}

/** `da.chunk(spec)`: see DataArray.chunk. `unknownIsError` false: dims the array lacks are ignored (Dataset). */
export function chunkArray(da: DataArray, spec: ChunkSpec, opts: ChunkOptions = {}, unknownIsError = true): DataArray {
  if (typeof spec !== "object" || spec === null || Array.isArray(spec)) throw new TypeError(`chunk: expected an object of dim: chunk length, got ${String(spec)}`);
  if (unknownIsError) for (const dim of Object.keys(spec)) if (!da.dims.includes(dim)) throw new UnknownDimensionError(dim, da.dims, da.name);
  const current = da.chunks ?? da.shape.map((n) => [n]);
  const asked = da.dims.map((d, axis) => (own(spec, d) ? spec[d]! : [...current[axis]!]));
  const chunks = normalizeChunks(da.shape, asked, da.name, da.dims);
  const common = { dims: da.dims, attrs: da.attrs, dtype: da.dtype, ...(da.name !== undefined ? { name: da.name } : {}) };
  if (da.data instanceof LazyArray && sameChunks(chunks, da.data.chunks)) return da;
  const warn = opts.onWarning ?? ((m: string) => console.warn(m));
  const encoding = encodingForChunks(da.name, da.encoding, chunks, da.shape, da.dims, warn);
  const data = da.data instanceof LazyArray
    ? rechunkLazy(da.data, chunks)
    : fromArray(da.data, da.shape, { chunks, dtype: da.dtype, ...(da.name !== undefined ? { name: da.name } : {}) });
  return new DataArray({ ...common, encoding, data });
}

/** `da.rename({ dim: newDim })`: the same data under new dim names. */
export function renameDims(da: DataArray, mapping: Record<string, string>): DataArray {
  for (const [from, to] of Object.entries(mapping)) {
    if (!da.dims.includes(from)) throw new UnknownDimensionError(from, da.dims, da.name);
    if (typeof to !== "string") throw new TypeError(`rename: the new name of dimension ${q(from)} must be a string, got ${String(to)}`);
  }
  const dims = da.dims.map((d) => (own(mapping, d) ? mapping[d]! : d));
  const dup = dims.find((d, i) => dims.indexOf(d) !== i);
  if (dup !== undefined) {
    throw new DimensionConflictError(`rename of ${label(da.name)}would give two dims the name ${q(dup)}: [${da.dims.join(", ")}] → [${dims.join(", ")}]`);
  }
  const data = da.data instanceof LazyArray ? da.data : new EagerArray(da.data, da.shape, da.dtype);
  return new DataArray({ dims, data, attrs: da.attrs, encoding: da.encoding, dtype: da.dtype, ...(da.name !== undefined ? { name: da.name } : {}) });
}
