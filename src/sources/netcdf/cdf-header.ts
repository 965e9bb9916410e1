// The header of a netCDF-3 file (CDF-1 classic, CDF-2 64-bit offset, CDF-5 64-bit data), parsed from its first
// bytes (NetCDF Classic Format Specification; SOURCES.md §2). Big-endian; NON_NEG is 32-bit in CDF-1/2 and
// 64-bit in CDF-5; OFFSET is 32-bit in CDF-1 and 64-bit in CDF-2/5; names are padded to 4 bytes.

/** The header needs more bytes than were given (read more and parse again). */
export class NeedMore extends Error {}

export interface CdfDim {
  name: string;
  /** 0 for the record (unlimited) dimension. */
  length: number;
}

export interface CdfVar {
  name: string;
  dimids: number[];
  attrs: Record<string, unknown>;
  /** netCDF type code: 1 byte, 2 char, 3 short, 4 int, 5 float, 6 double, 7 ubyte, 8 ushort, 9 uint, 10 int64, 11 uint64. */
  type: number;
  vsize: number;
  begin: number;
}

export interface CdfHeader {
  version: 1 | 2 | 5;
  /** As stored: 0xFFFFFFFF (CDF-1/2) or 2^64-1 (CDF-5) means "streaming", derive it from the file size. */
  numrecs: number;
  streaming: boolean;
  dims: CdfDim[];
  attrs: Record<string, unknown>;
  vars: CdfVar[];
  /** Header length in bytes. */
  length: number;
}

export const TYPE_SIZES: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 4, 6: 8, 7: 1, 8: 2, 9: 4, 10: 8, 11: 8 };
export const TYPE_NAMES: Record<number, string> = {
  1: "byte", 2: "char", 3: "short", 4: "int", 5: "float", 6: "double", 7: "ubyte", 8: "ushort", 9: "uint", 10: "int64", 11: "uint64",
};

const pad4 = (n: number): number => (n + 3) & ~3;

/** Parse the header from `bytes` (the file's start); throws NeedMore if it goes past them, Error if malformed. */
export function parseCdfHeader(bytes: Uint8Array): CdfHeader {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let p = 0;
  const need = (n: number): void => {
    if (p + n > bytes.length) throw new NeedMore();
  };
  const u32 = (): number => {
    need(4);
    const v = dv.getUint32(p);
    p += 4;
    return v;
  };
  const u64 = (): number => {
    need(8);
    const v = dv.getBigUint64(p);
    p += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) return v === 0xffffffffffffffffn ? -1 : Number(v);
    return Number(v);
  };
  if (bytes.length < 4) throw new NeedMore();
  if (bytes[0] !== 0x43 || bytes[1] !== 0x44 || bytes[2] !== 0x46 || ![1, 2, 5].includes(bytes[3]!)) {
    throw new Error(`not a netCDF-3 file (magic ${Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, "0")).join(" ")})`);
  }
  const version = bytes[3] as 1 | 2 | 5;
  p = 4;
  const nonNeg = version === 5 ? u64 : u32;
  const offset = version === 1 ? u32 : u64;
  const name = (): string => {
    const n = nonNeg();
    if (n < 0 || n > 1 << 20) throw new Error(`malformed header: a name of ${n} bytes at byte ${p}`);
    need(pad4(n));
    const s = new TextDecoder().decode(bytes.subarray(p, p + n));
    p += pad4(n);
    return s;
  };
  const list = (tag: number, what: string): number => {
    const t = u32();
    const n = nonNeg();
    if (t === 0 && n === 0) return 0;
    if (t !== tag) throw new Error(`malformed header: expected the ${what} list (tag ${tag}) at byte ${p - (version === 5 ? 12 : 8)}, got tag ${t}`);
    if (n < 0 || n > 1 << 24) throw new Error(`malformed header: ${n} entries in the ${what} list`);
    return n;
  };
  const values = (type: number, count: number): unknown => {
    const size = TYPE_SIZES[type];
    if (size === undefined) throw new Error(`malformed header: attribute type ${type}`);
    const nbytes = size * count;
    need(pad4(nbytes));
    const at = p;
    p += pad4(nbytes);
    if (type === 2) {
      // Text: trailing NULs are padding some writers leave.
      return new TextDecoder().decode(bytes.subarray(at, at + nbytes)).replace(/\0+$/, "");
    }
    return decodeBE(bytes.subarray(at, at + nbytes), type, count);
  };
  const attrs = (): Record<string, unknown> => {
    const n = list(0x0c, "attribute");
    const out: Record<string, unknown> = {};
    for (let i = 0; i < n; i++) {
      const k = name();
      const type = u32();
      const count = nonNeg();
      const v = values(type, count);
      out[k] = typeof v !== "string" && (v as ArrayLike<unknown>).length === 1 ? (v as ArrayLike<unknown>)[0] : v;
    }
    return out;
  };
  let numrecs = nonNeg();
  const streaming = numrecs === -1 || (version !== 5 && numrecs === 0xffffffff);
  if (streaming) numrecs = 0;
  const dims: CdfDim[] = [];
  const nd = list(0x0a, "dimension");
  for (let i = 0; i < nd; i++) dims.push({ name: name(), length: nonNeg() });
  const gatts = attrs();
  const vars: CdfVar[] = [];
  const nv = list(0x0b, "variable");
  for (let i = 0; i < nv; i++) {
    const vname = name();
    const ndims = nonNeg();
    const dimids: number[] = [];
    for (let k = 0; k < ndims; k++) {
      const id = nonNeg();
      if (id >= dims.length) throw new Error(`malformed header: variable ${JSON.stringify(vname)} uses dimension id ${id}, but there are ${dims.length}`);
      dimids.push(id);
    }
    const vattrs = attrs();
    const type = u32();
    const vsize = nonNeg();
    const begin = offset();
    vars.push({ name: vname, dimids, attrs: vattrs, type, vsize, begin });
  }
  return { version, numrecs, streaming, dims, attrs: gatts, vars, length: p };
}

/** Big-endian values of netCDF type `type` as a little-endian typed array. */
export function decodeBE(b: Uint8Array, type: number, count: number): ArrayLike<number | bigint> {
  const copy = b.slice(0, count * TYPE_SIZES[type]!);
  swapInPlace(copy, TYPE_SIZES[type]!);
  const buf = copy.buffer;
  switch (type) {
    case 1: return new Int8Array(buf, 0, count);
    case 3: return new Int16Array(buf, 0, count);
    case 4: return new Int32Array(buf, 0, count);
    case 5: return new Float32Array(buf, 0, count);
    case 6: return new Float64Array(buf, 0, count);
    case 7: return new Uint8Array(buf, 0, count);
    case 8: return new Uint16Array(buf, 0, count);
    case 9: return new Uint32Array(buf, 0, count);
    case 10: return new BigInt64Array(buf, 0, count);
    case 11: return new BigUint64Array(buf, 0, count);
  }
  throw new Error(`type ${type} is not numeric`);
}

/** Reverse the bytes of each `size`-byte element of `b` (its byteOffset and length multiples of `size`... or not). */
export function swapInPlace(b: Uint8Array, size: number): void {
  if (size === 1) return;
  const aligned = b.byteOffset % 4 === 0 && b.length % 4 === 0;
  if (size === 2) {
    if (aligned) {
      const w = new Uint32Array(b.buffer, b.byteOffset, b.length >> 2);
      for (let i = 0; i < w.length; i++) {
        const x = w[i]!;
        w[i] = ((x & 0x00ff00ff) << 8) | ((x >>> 8) & 0x00ff00ff);
      }
      return;
    }
    for (let i = 0; i + 1 < b.length; i += 2) {
      const t = b[i]!;
      b[i] = b[i + 1]!;
      b[i + 1] = t;
    }
    return;
  }
  if (aligned) {
    const w = new Uint32Array(b.buffer, b.byteOffset, b.length >> 2);
    for (let i = 0; i < w.length; i++) {
      const x = w[i]!;
      w[i] = ((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24);
    }
    if (size === 8) {
      // Then swap the two 32-bit halves of each element.
      for (let i = 0; i + 1 < w.length; i += 2) {
        const t = w[i]!;
        w[i] = w[i + 1]!;
        w[i + 1] = t;
      }
    }
    return;
  }
  for (let i = 0; i + size <= b.length; i += size) b.subarray(i, i + size).reverse();
}
