// What `init` records of a netCDF-4 file for direct reads in ranks: each variable's object header address and,
// for the first file of a many-file source, its whole description (names, dims, shapes, dtypes, attributes with
// their exact JS types), so that a rank builds the dataset without HDF5 (h5wasm is never loaded in a rank that
// reads only recorded, unchanged files). The description is checked on the way back in: its fingerprint must be
// the one recorded for the file.
import { SourceError } from "../errors.js";
import type { NcGroup, NcVar } from "./build.js";
import { fingerprintOf } from "./fingerprint.js";

/** Per-file direct-read record (in the plan's source record). */
export interface DirectRecord {
  /** Variable name -> HDF5 object header address. */
  objects: Record<string, number>;
  /** The first file's description (encodeGroup). */
  group?: unknown;
}

const ARRAYS: Record<string, new (a: ArrayLike<never>) => ArrayLike<unknown>> = {
  Int8Array, Uint8Array, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array, BigInt64Array, BigUint64Array,
};

/** An attribute value as JSON that decodes to the same JS value (typed arrays, bigints, NaN and infinities kept). */
function enc(v: unknown): unknown {
  if (typeof v === "bigint") return { $b: String(v) };
  if (typeof v === "number") return Object.is(v, -0) ? { $n: "-0" } : Number.isFinite(v) ? v : { $n: String(v) };
  if (ArrayBuffer.isView(v)) {
    const name = v.constructor.name;
    if (!(name in ARRAYS)) throw new Error(`cannot record an attribute of type ${name}`);
    return { $t: name, v: Array.from(v as unknown as ArrayLike<unknown>, enc) };
  }
  if (Array.isArray(v)) return v.map(enc);
  if (v === null || typeof v === "string" || typeof v === "boolean") return v;
  throw new Error(`cannot record an attribute value ${String(v)}`);
}

function dec(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(dec);
  if (v === null || typeof v !== "object") return v;
  const o = v as { $b?: string; $n?: string; $t?: string; v?: unknown[] };
  if (o.$b !== undefined) return BigInt(o.$b);
  if (o.$n !== undefined) return Number(o.$n);
  if (o.$t !== undefined && o.$t in ARRAYS && Array.isArray(o.v)) {
    const items = o.v.map(dec);
    return new ARRAYS[o.$t]!(items as never);
  }
  throw new Error(`unknown recorded value ${JSON.stringify(v)}`);
}

const encAttrs = (a: Record<string, unknown>) => Object.fromEntries(Object.entries(a).map(([k, v]) => [k, enc(v)]));
const decAttrs = (a: Record<string, unknown>) => Object.fromEntries(Object.entries(a).map(([k, v]) => [k, dec(v)]));

/** The object header addresses of a netCDF-4 group's variables (undefined for netCDF-3). */
export function objectsOf(g: NcGroup): Record<string, number> | undefined {
  const out: Record<string, number> = {};
  for (const v of g.vars) if (v.h5Address !== undefined) out[v.name] = v.h5Address;
  return Object.keys(out).length ? out : undefined;
}

/** `g` as JSON (no readers). */
export function encodeGroup(g: NcGroup): unknown {
  return {
    format: g.format,
    attrs: encAttrs(g.attrs),
    vars: g.vars.map((v) => ({
      name: v.name, dims: v.dims, shape: v.shape, dtype: v.dtype ?? null, attrs: encAttrs(v.attrs), chunks: v.chunks ?? null,
      ...(v.refusal !== undefined ? { refusal: v.refusal } : {}), ...(v.hdf5Path !== undefined ? { hdf5Path: v.hdf5Path } : {}),
      ...(v.h5Address !== undefined ? { h5Address: v.h5Address } : {}),
    })),
  };
}

/**
 * The group `encodeGroup` recorded for file `path`, each variable read by `reader(v)`; a SourceError if it does
 * not decode to the recorded fingerprint.
 */
export function decodeGroup(json: unknown, path: string, fingerprint: string, reader: (v: NcVar) => NcVar["read"]): NcGroup {
  let g: NcGroup;
  try {
    const j = json as { format: string; attrs: Record<string, unknown>; vars: Record<string, unknown>[] };
    g = {
      path, format: j.format, attrs: decAttrs(j.attrs),
      vars: j.vars.map((x) => {
        const v = {
          name: x.name as string, dims: x.dims as string[], shape: x.shape as number[], dtype: (x.dtype ?? undefined) as NcVar["dtype"],
          attrs: decAttrs(x.attrs as Record<string, unknown>), chunks: (x.chunks ?? undefined) as number[] | undefined,
          ...(x.refusal !== undefined ? { refusal: x.refusal as string } : {}), ...(x.hdf5Path !== undefined ? { hdf5Path: x.hdf5Path as string } : {}),
          ...(x.h5Address !== undefined ? { h5Address: x.h5Address as number } : {}),
        } as NcVar;
        v.read = v.refusal !== undefined ? () => Promise.reject(new Error(v.refusal)) : reader(v);
        return v;
      }),
    };
  } catch (e) {
    throw new SourceError(`${path}: init's record of its metadata cannot be read (${(e as Error).message}): initialise the store again`, { cause: e });
  }
  const got = fingerprintOf(g);
  if (got !== fingerprint) throw new SourceError(`${path}: init's record of its metadata does not match its fingerprint (${got}, recorded ${fingerprint}): initialise the store again`);
  return g;
}
