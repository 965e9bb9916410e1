// concat(datasets, dim): variables with `dim` joined lazily along it (a region spanning several inputs
// computes each input's part into its place of the output); variables without it must agree across the
// inputs (dims, shape, dtype, attrs and, for small in-memory data, values). Attributes and encodings come
// from the first dataset.
import type { TypedArray } from "../kernels/arena.js";
import { assemble, placeRegion, type Piece } from "./assemble.js";
import { DataArray } from "./dataarray.js";
import { Dataset } from "./dataset.js";
import { dtypeInfo } from "./dtypes.js";
import { ConcatError } from "./errors.js";
import { EagerArray, LazyArray, fromArray } from "./lazy.js";
import { product } from "./region.js";

/** In-memory variables without the concat dim are compared value for value up to this many elements. */
export const CONCAT_COMPARE_MAX = 1 << 22;

const q = JSON.stringify;

/** Deep equality of attribute values (NaN equal to NaN, typed arrays and Dates by value). */
function same(a: unknown, b: unknown): boolean {
  if (a === b || (typeof a === "number" && typeof b === "number" && Number.isNaN(a) && Number.isNaN(b))) return true;
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (ArrayBuffer.isView(a) && ArrayBuffer.isView(b)) return a.constructor === b.constructor && sameValues(a as TypedArray, b as TypedArray);
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => same(x, b[i]));
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null || Array.isArray(a) || Array.isArray(b)) return false;
  const ka = Object.keys(a), kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

function sameValues(a: TypedArray, b: TypedArray): boolean {
  if (a.length !== b.length) return false;
  const x = a as unknown as ArrayLike<number>, y = b as unknown as ArrayLike<number>;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i] && !(x[i] !== x[i] && y[i] !== y[i])) return false;
  return true;
}

/** Why `b` (input i) differs from `a` (input 0) for a variable without the concat dim, or "" if it does not. */
function difference(a: DataArray, b: DataArray): string {
  if (a.dims.join("\0") !== b.dims.join("\0")) return `dims [${b.dims.join(", ")}] instead of [${a.dims.join(", ")}]`;
  if (a.shape.join() !== b.shape.join()) return `shape [${b.shape.join(", ")}] instead of [${a.shape.join(", ")}]`;
  if (a.dtype !== b.dtype) return `dtype ${b.dtype} instead of ${a.dtype}`;
  if (!same(a.attrs, b.attrs)) {
    const keys = [...new Set([...Object.keys(a.attrs), ...Object.keys(b.attrs)])];
    const k = keys.find((key) => !same(a.attrs[key], b.attrs[key]))!;
    return `attribute ${q(k)}: ${show(b.attrs[k])} instead of ${show(a.attrs[k])}`;
  }
  if (!(a.data instanceof LazyArray) && !(b.data instanceof LazyArray) && a.size <= CONCAT_COMPARE_MAX && !sameValues(a.data, b.data)) {
    const x = a.data as unknown as ArrayLike<unknown>, y = b.data as unknown as ArrayLike<unknown>;
    let i = 0;
    while (i < x.length && (x[i] === y[i] || (x[i] !== x[i] && y[i] !== y[i]))) i++;
    return `values differ (at flat index ${i}: ${String(y[i])} instead of ${String(x[i])})`;
  }
  return "";
}

function show(v: unknown): string {
  if (v === undefined) return "nothing";
  try {
    return typeof v === "bigint" ? `${v}n` : (q(v) ?? String(v));
  } catch {
    return String(v);
  }
}

/** `arrays` joined along `axis` lazily; chunks along it are the inputs' chunks in turn, others the first's. */
export function concatLazy(arrays: readonly LazyArray[], axis: number, name?: string): LazyArray {
  const first = arrays[0]!;
  const starts = [0];
  for (const a of arrays) starts.push(starts[starts.length - 1]! + a.shape[axis]!);
  const shape = first.shape.map((n, d) => (d === axis ? starts[arrays.length]! : n));
  const along = arrays.flatMap((a) => (a.shape[axis] === 0 ? [] : a.chunks[axis]!));
  const chunks = first.chunks.map((c, d) => (d === axis ? (along.length ? along : [0]) : [...c]));
  return new LazyArray({
    shape, dtype: first.dtype, chunks, ...(name !== undefined ? { name } : {}),
    compute: (region, out, cache) => {
      const { start, stop } = region[axis]!;
      const pieces: Piece[] = [];
      // The first input ending after `start` (binary search: concat may join thousands of inputs).
      let i = 0, top = arrays.length - 1;
      while (i < top) {
        const mid = (i + top) >> 1;
        if (starts[mid + 1]! > start) top = mid;
        else i = mid + 1;
      }
      for (; i < arrays.length && starts[i]! < stop; i++) {
        const a = arrays[i]!;
        const lo = Math.max(start, starts[i]!), hi = Math.min(stop, starts[i + 1]!);
        if (hi <= lo) continue;
        pieces.push({
          source: a,
          region: region.map((r, d) => (d === axis ? { start: lo - starts[i]!, stop: hi - starts[i]! } : { ...r })),
          at: region.map((r, d) => (d === axis ? { start: lo - start, stop: hi - start } : { start: 0, stop: r.stop - r.start })),
        });
      }
      if (pieces.length === 1) return pieces[0]!.source.compute(pieces[0]!.region, out, cache);
      return assemble(pieces, region.map((r) => r.stop - r.start), first.dtype, out, cache);
    },
  });
}

/** In-memory arrays joined along `axis` now. */
function concatEager(vs: readonly DataArray[], axis: number): EagerArray {
  const first = vs[0]!;
  const total = vs.reduce((n, v) => n + v.shape[axis]!, 0);
  const shape = first.shape.map((n, d) => (d === axis ? total : n));
  const dst = new (dtypeInfo(first.dtype).ctor)(product(shape));
  let at = 0;
  for (const v of vs) {
    const n = v.shape[axis]!;
    placeRegion(v.data as TypedArray, dst, shape, shape.map((s, d) => (d === axis ? { start: at, stop: at + n } : { start: 0, stop: s })));
    at += n;
  }
  return new EagerArray(dst, shape, first.dtype);
}

/**
 * Concatenate `datasets` along the existing dimension `dim`, lazily. Every input must have `dim` and the same
 * variables (coordinates as coordinates); a variable with `dim` must have it in every input, with the same
 * dims, dtype and other sizes; a variable without it must agree across inputs (else a ConcatError naming
 * the variable and the first disagreeing input). A dimension coordinate along `dim` is concatenated too.
 */
export function concat(datasets: readonly Dataset[], dim: string): Dataset {
  if (!Array.isArray(datasets) || datasets.length === 0) throw new TypeError(`concat: expected a non-empty list of Datasets, got ${String(datasets)}`);
  datasets.forEach((d, i) => {
    if (!(d instanceof Dataset)) throw new TypeError(`concat: input ${i} is not a Dataset`);
  });
  if (typeof dim !== "string") throw new TypeError(`concat: dim must be a dimension name, got ${q(dim)}`);
  const ds0 = datasets[0]!;
  const sizes0 = ds0.sizes;
  datasets.forEach((d, i) => {
    const sizes = d.sizes;
    if (!(dim in sizes)) {
      throw new ConcatError(`concat: input ${i} has no dimension ${q(dim)} (its dimensions: [${Object.keys(sizes).join(", ")}]); concat joins along an existing dimension`);
    }
    for (const [k, n] of Object.entries(sizes)) {
      if (k !== dim && k in sizes0 && sizes0[k] !== n) throw new ConcatError(`concat: dimension ${q(k)} has size ${n} in input ${i} but ${sizes0[k]} in input 0`);
    }
    const names0 = Object.keys(ds0.variables);
    const extra = Object.keys(d.variables).filter((k) => !names0.includes(k));
    if (extra.length) throw new ConcatError(`concat: variable ${q(extra[0])} is in input ${i} but not in input 0`);
    for (const k of names0) {
      if (!d.get(k)) throw new ConcatError(`concat: variable ${q(k)} is in input 0 but not in input ${i}`);
      if (!!ds0.coords[k] !== !!d.coords[k]) {
        throw new ConcatError(`concat: variable ${q(k)} is a ${ds0.coords[k] ? "coordinate" : "data variable"} in input 0 but a ${d.coords[k] ? "coordinate" : "data variable"} in input ${i}`);
      }
    }
  });
  const join = (name: string, v0: DataArray): DataArray => {
    const vs = datasets.map((d) => d.get(name)!);
    const axis = v0.dims.indexOf(dim);
    if (axis < 0) {
      vs.forEach((v, i) => {
        const why = v.dims.includes(dim) ? `it has dimension ${q(dim)}, which input 0's does not` : difference(v0, v);
        if (why) throw new ConcatError(`concat: variable ${q(name)} has no dimension ${q(dim)} in input 0, so it must be the same in every input, but input ${i} differs: ${why}`);
      });
      return v0;
    }
    vs.forEach((v, i) => {
      const why = v.dims.join("\0") !== v0.dims.join("\0") ? `dims [${v.dims.join(", ")}] instead of [${v0.dims.join(", ")}]`
        : v.dtype !== v0.dtype ? `dtype ${v.dtype} instead of ${v0.dtype}` : "";
      if (why) throw new ConcatError(`concat: variable ${q(name)} cannot be joined along ${q(dim)}: input ${i} has ${why}`);
    });
    const common = { name, dims: v0.dims, attrs: v0.attrs, encoding: v0.encoding, dtype: v0.dtype };
    if (vs.every((v) => !v.chunked)) return new DataArray({ ...common, data: concatEager(vs, axis) });
    // Mixed: in-memory inputs take part as one chunk each.
    const lazies = vs.map((v) => (v.data instanceof LazyArray ? v.data : fromArray(v.data, v.shape, { chunks: v.shape.map(() => -1), dtype: v.dtype, name })));
    return new DataArray({ ...common, data: concatLazy(lazies, axis, name) });
  };
  const m = (vars: Readonly<Record<string, DataArray>>) => Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, join(k, v)]));
  return new Dataset({ coords: m(ds0.coords), dataVars: m(ds0.dataVars), attrs: ds0.attrs });
}
