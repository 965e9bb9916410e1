// A netCDF-4 group described without HDF5, from the file's own structures (h5parse.ts): the group's links
// stored compactly in its object header, each dataset's dataspace, datatype, layout, filters and attributes
// (compact storage, values from the message or, for variable-length strings, the global heap). It gives what
// openHdf5 (h5wasm) gives — same variables in the same order, same dims, attributes with the same JS types —
// or undefined for anything else (dense link or attribute storage, old-style groups, dims without netCDF-C's
// ids, non-numeric variables, other filters...), which h5wasm then describes. `init` reads every file of a
// many-file source this way: loading h5wasm alone costs a thread ~0.3-0.5 s of CPU, before any file is read.
import { Buffer } from "node:buffer";
import { closeSync, openSync } from "node:fs";
import { dtypeInfo } from "../../model/dtypes.js";
import type { NcGroup, NcVar } from "./build.js";
import { denseAttributes, denseLinks } from "./h5dense.js";
import { Block, H5File, H5FormatError, messages, numericDType, type Msg } from "./h5parse.js";

/** netCDF-C's own attributes (as hdf5.ts). */
const INTERNAL = new Set(["_Netcdf4Coordinates", "_Netcdf4Dimid", "DIMENSION_LIST", "REFERENCE_LIST", "CLASS", "NAME", "_NCProperties", "_IsNetcdf4", "_SuperblockVersion", "_nc3_strict"]);
const DIM_ONLY = "This is a netCDF dimension but not a netCDF variable";
const NON_COORD = "_nc4_non_coord_";
const READABLE_FILTERS = new Set([1, 2, 3]);

/** Files described here and handed to h5wasm, and why the last one was (tests and figures). */
export const describeStats = { direct: 0, fallbacks: 0, lastWhy: "" };

/** Something h5wasm must describe. */
class Fallback extends Error {}


interface Type {
  cls: number;
  size: number;
  bits: number;
  /** Variable-length: its base type's class. */
  base?: number;
}

function typeAt(b: Block, p: number): Type {
  const cls = b.u8(p) & 0x0f, bits = b.u8(p + 1) | (b.u8(p + 2) << 8) | (b.u8(p + 3) << 16), size = b.u32(p + 4);
  return cls === 9 ? { cls, size, bits, base: b.u8(p + 8) & 0x0f } : { cls, size, bits };
}

const signedOf = (t: Type) => t.cls === 1 || !!(t.bits & 0x08);

/** A dataspace's shape, [] for a scalar, null for a null dataspace. */
function shapeAt(f: H5File, b: Block, p: number): number[] | null {
  const v = b.u8(p), nd = b.u8(p + 1);
  if (v === 2 && b.u8(p + 3) === 2) return null;
  if (v !== 1 && v !== 2) throw new Fallback(`dataspace version ${v}`);
  const at = p + (v === 1 ? 8 : 4);
  return Array.from({ length: nd }, (_, d) => b.len(at + d * f.sl));
}

const utf8 = new TextDecoder("utf-8");
const ascii = new TextDecoder("ascii");
const cstr = (bytes: Uint8Array): Uint8Array => {
  const z = bytes.indexOf(0);
  return z > -1 ? bytes.subarray(0, z) : bytes;
};

/** Variable-length strings from the global heap (collections cached per file described). */
function heapObject(f: H5File, heaps: Map<number, Block>, collection: number, index: number): Uint8Array {
  let h = heaps.get(collection);
  if (!h) {
    const head = f.block(collection, 8 + f.sl);
    if (head.ascii(0, 4) !== "GCOL") throw new H5FormatError(`no global heap collection at byte ${collection}`);
    h = f.block(collection, head.len(8));
    heaps.set(collection, h);
  }
  for (let p = 8 + f.sl; p + 8 + f.sl <= h.b.length;) {
    const i = h.u16(p), size = h.len(p + 8);
    if (i === 0) break;
    if (i === index) {
      if (p + 8 + f.sl + size > h.b.length) break;
      return h.b.subarray(p + 8 + f.sl, p + 8 + f.sl + size);
    }
    p += 8 + f.sl + Math.ceil(size / 8) * 8;
  }
  throw new H5FormatError(`global heap object ${index} not found in the collection at byte ${collection}`);
}

interface Attr {
  name: string;
  order: number;
  /** HDF5 class as h5wasm reports it (variable-length strings: 3). */
  cls: number;
  value: () => unknown;
}

/** An attribute message: its name, and its value decoded as hdf5.ts's readAttr decodes it. */
function attribute(f: H5File, m: Msg, heaps: Map<number, Block>): Attr {
  const { blk: b, p } = m;
  const v = b.u8(p);
  if (v < 1 || v > 3) throw new Fallback(`attribute message version ${v}`);
  if (v > 1 && b.u8(p + 1) & 0x03) throw new Fallback("shared attribute type or space");
  const nameSize = b.u16(p + 2), dtSize = b.u16(p + 4), dsSize = b.u16(p + 6);
  const pad = (n: number) => (v === 1 ? Math.ceil(n / 8) * 8 : n);
  const nameAt = p + (v === 3 ? 9 : 8);
  const dtAt = nameAt + pad(nameSize), dsAt = dtAt + pad(dtSize), dataAt = dsAt + pad(dsSize);
  b.u8(nameAt + nameSize - 1);
  const name = utf8.decode(cstr(b.b.subarray(nameAt, nameAt + nameSize)));
  const t = typeAt(b, dtAt);
  const vlenString = t.cls === 9 && (t.bits & 0x0f) === 1;
  const value = (): unknown => {
    const shape = shapeAt(f, b, dsAt);
    if (!shape) throw new Fallback("null dataspace");
    const n = shape.reduce((a, x) => a * x, 1);
    const scalar = <T>(arr: ArrayLike<T>): unknown => (shape.length === 0 ? arr[0] : arr);
    const nbytes = n * t.size;
    if (nbytes > 0) b.u8(dataAt + nbytes - 1);
    const bytes = b.b.slice(dataAt, dataAt + nbytes);
    if (t.cls === 0 || t.cls === 1) {
      const numeric = numericDType(t.cls, t.size, signedOf(t));
      if (!numeric) throw new Fallback(`attribute type ${t.cls} of ${t.size} bytes`);
      // h5wasm reads numbers in the host's (little-endian) order.
      if (t.bits & 0x01) for (let i = 0; i < nbytes; i += t.size) bytes.subarray(i, i + t.size).reverse();
      return scalar(new (dtypeInfo(numeric).ctor)(bytes.buffer) as ArrayLike<unknown>);
    }
    if (t.cls === 3) {
      const dec = ((t.bits >> 4) & 0x0f) === 1 ? utf8 : ascii;
      return scalar(Array.from({ length: n }, (_, i) => dec.decode(cstr(bytes.subarray(i * t.size, (i + 1) * t.size)))));
    }
    if (vlenString) {
      // Each: its length, then the global heap id (collection address, object index).
      const out: string[] = [];
      for (let i = 0; i < n; i++) {
        const q = dataAt + i * t.size;
        const len = b.u32(q), coll = b.addr(q + 4), idx = b.u32(q + 4 + f.so);
        out.push(coll === undefined || len === 0 ? "" : utf8.decode(heapObject(f, heaps, coll, idx).subarray(0, len)));
      }
      return scalar(out);
    }
    throw new Fallback(`attribute of HDF5 class ${t.cls}`);
  };
  return { name, order: m.order, cls: vlenString ? 3 : t.cls, value };
}

const byName = (a: { name: string }, b: { name: string }) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name));

interface Obj {
  msgs: Msg[];
  attrs: Attr[];
}

/** An object's messages and its attributes in h5wasm's order (creation order if indexed, else by name). */
function object(f: H5File, addr: number, heaps: Map<number, Block>): Obj {
  const msgs = messages(f, addr);
  let indexed = false;
  const stored = msgs.filter((m) => m.type === 0x0c);
  for (const m of msgs) {
    if (m.type === 0x15) {
      const fl = m.blk.u8(m.p + 1), at = m.p + 2 + (fl & 1 ? 2 : 0);
      const heap = m.blk.addr(at);
      // Dense storage: the attribute messages are in a fractal heap, indexed by name.
      if (heap !== undefined) {
        const index = m.blk.addr(at + f.so);
        if (index === undefined) throw new H5FormatError(`object at byte ${addr}: dense attributes without a name index`);
        for (const { blk, order } of denseAttributes(f, heap, index)) stored.push({ type: 0x0c, flags: 0, order, blk, p: 0, size: blk.b.length });
      }
      indexed = !!(fl & 2);
    }
  }
  const attrs = stored.map((m) => attribute(f, m, heaps));
  attrs.sort(indexed ? (a, b) => a.order - b.order : byName);
  return { msgs, attrs };
}

interface Link {
  name: string;
  order: number;
  address: number;
}

/** A group's hard links, in h5wasm's order. */
function links(f: H5File, o: Obj): Link[] {
  const out: Link[] = [];
  let indexed = false, isGroup = false;
  for (const { type, blk: b, p } of o.msgs) {
    if (type === 0x11) throw new Fallback("old-style group");
    if (type === 0x02) {
      isGroup = true;
      const fl = b.u8(p + 1), at = p + 2 + (fl & 1 ? 8 : 0);
      const heap = b.addr(at);
      // Dense storage: the link messages are in a fractal heap, indexed by name.
      if (heap !== undefined) {
        const index = b.addr(at + f.so);
        if (index === undefined) throw new H5FormatError("dense links without a name index");
        for (const blk of denseLinks(f, heap, index)) out.push(link(blk, 0));
      }
      indexed = !!(fl & 2);
    }
    if (type === 0x06) out.push(link(b, p));
  }
  if (!isGroup) throw new Fallback("not a group");
  return out.sort(indexed ? (a, b) => a.order - b.order : byName);
}

/** A link message (hard links only). */
function link(b: Block, p: number): Link {
  const fl = b.u8(p + 1);
  let q = p + 2;
  const ltype = fl & 0x08 ? b.u8(q++) : 0;
  let order = -1;
  if (fl & 0x04) {
    order = b.uint(q, 8);
    q += 8;
  }
  if (fl & 0x10) q++;
  const w = 1 << (fl & 3), len = b.uint(q, w);
  q += w;
  b.u8(q + len - 1);
  const name = utf8.decode(b.b.subarray(q, q + len));
  if (ltype !== 0) throw new Fallback(`link ${name} of type ${ltype}`);
  const address = b.addr(q + len);
  if (address === undefined) throw new H5FormatError(`link ${name} has no address`);
  return { name, order, address };
}

const attrValue = (o: Obj, name: string): unknown => o.attrs.find((a) => a.name === name)?.value();

/** The attributes but netCDF-C's own, as hdf5.ts's attrsOf gives them. */
function attrsOf(o: Obj): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const a of o.attrs) {
    if (INTERNAL.has(a.name)) continue;
    if (a.cls !== 0 && a.cls !== 1 && a.cls !== 3) throw new Fallback(`attribute ${a.name} of class ${a.cls}`);
    let v = a.value();
    if ((ArrayBuffer.isView(v) || Array.isArray(v)) && (v as ArrayLike<unknown>).length === 1) v = (v as ArrayLike<unknown>)[0];
    out[a.name] = v;
  }
  return out;
}

/**
 * Group `group` of netCDF-4 file `path` described from its HDF5 structures, readers made by `reader`; undefined
 * when h5wasm must describe it (openHdf5).
 */
export function describeDirect(path: string, group: string | undefined, reader: (v: NcVar) => NcVar["read"]): NcGroup | undefined {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return undefined;
  }
  try {
    const f = new H5File(fd);
    const heaps = new Map<number, Block>();
    const gpath = group === undefined || group === "" || group === "/" ? "/" : `/${group.replace(/^\/+|\/+$/g, "")}`;
    let g = object(f, f.root, heaps);
    for (const part of gpath.split("/").filter(Boolean)) {
      const l = links(f, g).find((x) => x.name === part);
      if (!l) return undefined;
      g = object(f, l.address, heaps);
    }
    const where = `${path} (netCDF-4)`;
    const attrs = attrsOf(g);
    const objs = links(f, g).map((l) => {
      const o = object(f, l.address, heaps);
      return { l, o, isDataset: o.msgs.some((m) => m.type === 0x08) };
    }).filter((x) => x.isDataset).map(({ l, o }) => {
      const cls = attrValue(o, "CLASS");
      const isScale = (Array.isArray(cls) ? cls[0] : cls) === "DIMENSION_SCALE";
      const nm = isScale ? attrValue(o, "NAME") : undefined;
      const dimOnly = isScale && String(Array.isArray(nm) ? nm[0] : nm).startsWith(DIM_ONLY);
      const dimid = isScale ? attrValue(o, "_Netcdf4Dimid") : undefined;
      const id = ArrayBuffer.isView(dimid) && (dimid as Int32Array).length === 1 ? (dimid as Int32Array)[0] : dimid;
      return { l, o, isScale, dimOnly, dimid: typeof id === "number" || typeof id === "bigint" ? Number(id) : undefined };
    });
    const byDimid = new Map<number, string>();
    for (const x of objs) if (x.dimid !== undefined) byDimid.set(x.dimid, x.l.name);
    const vars: NcVar[] = [];
    for (const { l, o, isScale, dimOnly } of objs) {
      if (dimOnly) continue;
      const key = l.name;
      const name = key.startsWith(NON_COORD) ? key.slice(NON_COORD.length) : key;
      let shape: number[] | null | undefined, type: Type | undefined, chunks: number[] | undefined;
      for (const m of o.msgs) {
        if ([0x01, 0x03, 0x08, 0x0b].includes(m.type) && m.flags & 0x02) throw new Fallback("shared message");
        if (m.type === 0x01) shape = shapeAt(f, m.blk, m.p);
        else if (m.type === 0x03) type = typeAt(m.blk, m.p);
        else if (m.type === 0x08) {
          const v = m.blk.u8(m.p), lc = m.blk.u8(m.p + 1);
          if (v !== 3 && v !== 4) throw new Fallback(`layout version ${v}`);
          if (lc === 2) {
            if (v !== 3) throw new Fallback("layout v4 chunked");
            const nd = m.blk.u8(m.p + 2);
            chunks = Array.from({ length: nd - 1 }, (_, d) => m.blk.u32(m.p + 3 + f.so + 4 * d));
          }
        } else if (m.type === 0x0b) {
          const fv = m.blk.u8(m.p), n = m.blk.u8(m.p + 1);
          // Filter ids only: the first of each filter's fields (version 1 / 2 layouts as in h5parse.ts).
          let q = m.p + (fv === 1 ? 8 : 2);
          for (let i = 0; i < n; i++) {
            const fid = m.blk.u16(q);
            if (!READABLE_FILTERS.has(fid)) throw new Fallback(`filter ${fid}`);
            const hasName = fv === 1 || fid >= 256;
            const nameLen = hasName ? m.blk.u16(q + 2) : 0;
            const ncd = m.blk.u16(q + (hasName ? 6 : 4));
            q += (hasName ? 8 : 6) + (fv === 1 ? Math.ceil(nameLen / 8) * 8 : nameLen) + 4 * ncd + (fv === 1 && ncd % 2 ? 4 : 0);
          }
        }
      }
      if (!shape || !type) throw new Fallback("dataset without a dataspace or datatype");
      const dtype = numericDType(type.cls, type.size, signedOf(type));
      if (!dtype) throw new Fallback(`dataset of HDF5 class ${type.cls}`);
      let dims: string[];
      if (isScale && shape.length === 1) dims = [name];
      else if (shape.length === 0) dims = [];
      else {
        const ids = o.attrs.some((a) => a.name === "DIMENSION_LIST") ? attrValue(o, "_Netcdf4Coordinates") : undefined;
        const fromIds = ArrayBuffer.isView(ids) && (ids as Int32Array).length === shape.length ? Array.from(ids as Int32Array, (i) => byDimid.get(Number(i))) : undefined;
        if (!fromIds || fromIds.some((d) => d === undefined)) throw new Fallback(`dims of ${name}`);
        dims = fromIds as string[];
      }
      const v = { name, dims, shape, dtype, attrs: attrsOf(o), chunks, hdf5Path: gpath === "/" ? `/${key}` : `${gpath}/${key}`, h5Address: l.address - f.base } as NcVar;
      v.read = reader(v);
      vars.push(v);
    }
    describeStats.direct++;
    return { path, format: where, attrs, vars };
  } catch (e) {
    describeStats.fallbacks++;
    describeStats.lastWhy = (e as Error).message;
    // Fallback, Unsupported, a format error, an attribute h5wasm decodes otherwise: h5wasm describes (and words errors).
    return undefined;
  } finally {
    closeSync(fd);
  }
}
