// Just enough of the HDF5 file format (https://docs.hdfgroup.org/hdf5/develop/_f_m_t3.html) to find a dataset's
// raw data without HDF5: the superblock (sizes of offsets and lengths, base address), one object header (v1 or
// v2, with continuation blocks) at an address init recorded, its Dataspace, Datatype, Data Layout (v3, and v4
// contiguous) and Filter Pipeline messages, and a version 1 B-tree of chunks (what netCDF-C 4.9 writes: it caps
// HDF5's format at 1.8). Anything else is `Unsupported` (the caller reads through h5wasm instead); every offset
// and length read from the file is checked (a truncated or corrupt file is a `H5FormatError`, never garbage).
import { fstatSync, readSync } from "node:fs";
import type { DType } from "../../model/dtypes.js";

/**
 * Our dtype of an HDF5 integer (class 0) or float (class 1) of `size` bytes, or undefined (other classes and
 * sizes). Shared by the h5wasm reader (hdf5.ts), our descriptions (h5describe.ts) and direct reads (h5direct.ts).
 */
export function numericDType(cls: number, size: number, signed: boolean): DType | undefined {
  if (cls === 0) return ((signed ? { 1: "int8", 2: "int16", 4: "int32", 8: "int64" } : { 1: "uint8", 2: "uint16", 4: "uint32", 8: "uint64" }) as Record<number, DType>)[size];
  if (cls === 1) return size === 4 ? "float32" : size === 8 ? "float64" : undefined;
  return undefined;
}

/** A feature this parser leaves to HDF5 (h5wasm): the caller falls back. */
export class Unsupported extends Error {}
/** The file contradicts itself or ends early. */
export class H5FormatError extends Error {}

/** pread: exactly `length` bytes at `position` of `fd` into `into` at `at` (short reads name the byte). */
export function pread(fd: number, into: Uint8Array, at: number, length: number, position: number): void {
  let done = 0;
  while (done < length) {
    const n = readSync(fd, into, at + done, length - done, position + done);
    if (n === 0) throw new H5FormatError(`the file ends at byte ${position + done}, before byte ${position + length} (truncated?)`);
    done += n;
  }
}

/** Bounds-checked little-endian reads of one block read from the file. */
export class Block {
  readonly dv: DataView;
  constructor(readonly b: Uint8Array, readonly at: number, private readonly f: H5File) {
    this.dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }
  private check(p: number, n: number): void {
    if (p < 0 || p + n > this.b.length) throw new H5FormatError(`a structure at byte ${this.at} reads past its ${this.b.length} bytes (corrupt?)`);
  }
  u8(p: number): number { this.check(p, 1); return this.b[p]!; }
  u16(p: number): number { this.check(p, 2); return this.dv.getUint16(p, true); }
  u32(p: number): number { this.check(p, 4); return this.dv.getUint32(p, true); }
  /** An unsigned integer of `n` bytes (1-8), as a safe integer. */
  uint(p: number, n: number): number {
    this.check(p, n);
    let v = 0n;
    for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(this.b[p + i]!);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new H5FormatError(`value ${v} at byte ${this.at + p} is too large (corrupt?)`);
    return Number(v);
  }
  /** A file address (absolute: base address added), or undefined for HDF5's undefined address (all ones). */
  addr(p: number): number | undefined {
    const n = this.f.so;
    this.check(p, n);
    if (this.b.subarray(p, p + n).every((x) => x === 0xff)) return undefined;
    const a = this.f.base + this.uint(p, n);
    if (a >= this.f.size) throw new H5FormatError(`address ${a} at byte ${this.at + p} is beyond the end of the file (${this.f.size} bytes; truncated?)`);
    return a;
  }
  len(p: number): number { return this.uint(p, this.f.sl); }
  ascii(p: number, n: number): string { this.check(p, n); return String.fromCharCode(...this.b.subarray(p, p + n)); }
}

/** An open HDF5 file: descriptor, size and the superblock's sizes. */
export class H5File {
  so = 8;
  sl = 8;
  base = 0;
  /** The root group's object header (absolute address). */
  root = -1;
  readonly size: number;
  /** Which file this is (a file replaced or rewritten since it was opened differs). */
  readonly identity: string;
  constructor(readonly fd: number) {
    const st = fstatSync(fd);
    this.size = st.size;
    this.identity = `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}`;
    const head = this.read(0, Math.min(this.size, 2048 + 64));
    const sig = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
    const at = [0, 512, 1024, 2048].find((a) => sig.every((x, i) => head[a + i] === x));
    if (at === undefined) throw new H5FormatError("no HDF5 superblock");
    const sb = new Block(head.subarray(at), at, this);
    const version = sb.u8(8);
    if (version === 0 || version === 1) {
      this.so = sb.u8(13);
      this.sl = sb.u8(14);
    } else if (version === 2 || version === 3) {
      this.so = sb.u8(9);
      this.sl = sb.u8(10);
    } else throw new Unsupported(`superblock version ${version}`);
    if (![2, 4, 8].includes(this.so) || ![2, 4, 8].includes(this.sl)) throw new H5FormatError(`superblock sizes of offsets ${this.so} and lengths ${this.sl}`);
    // The base address: what every address in the file is relative to (the superblock's own position by default).
    const basePos = version === 0 ? 24 : version === 1 ? 28 : 12;
    this.base = 0;
    const b = sb.uint(basePos, this.so);
    if (b > this.size) throw new H5FormatError(`base address ${b} beyond the end of the file`);
    this.base = b;
    // v0/1: after the free-space, end-of-file and driver addresses, the root's symbol table entry (its link
    // name offset, then the object header address); v2/3: after the extension and end-of-file addresses.
    this.root = sb.addr(version < 2 ? basePos + 5 * this.so : basePos + 3 * this.so) ?? -1;
  }
  read(position: number, length: number): Uint8Array {
    if (position < 0 || length < 0 || position + length > this.size) throw new H5FormatError(`bytes ${position}-${position + length} are beyond the end of the file (${this.size} bytes; truncated?)`);
    const b = new Uint8Array(length);
    pread(this.fd, b, 0, length, position);
    return b;
  }
  block(position: number, length: number): Block {
    return new Block(this.read(position, length), position, this);
  }
}

export interface H5Filter {
  id: number;
  optional: boolean;
  cd: number[];
}

/** What reading a dataset's values takes. */
export interface H5Dataset {
  shape: number[];
  /** Datatype: class 0 (integer) or 1 (float), size, signed; little-endian IEEE only. */
  type: { cls: 0 | 1; size: number; signed: boolean };
  layout: { kind: "contiguous"; address: number | undefined; size: number } | { kind: "chunked"; btree: number | undefined; chunks: number[] };
  filters: H5Filter[];
}

export interface Msg {
  type: number;
  flags: number;
  /** Creation order (v2 headers tracking it), else -1. */
  order: number;
  blk: Block;
  p: number;
  size: number;
}

/** The messages of the object header at `addr` (v1 or v2, following continuation blocks). */
export function messages(f: H5File, addr: number): Msg[] {
  const out: Msg[] = [];
  if (addr < 0 || addr + 16 > f.size) throw new H5FormatError(`object header address ${addr} is beyond the end of the file (${f.size} bytes; truncated?)`);
  const pending: { at: number; len: number; v2: boolean; first: boolean }[] = [];
  const first = f.block(addr, Math.min(f.size - addr, 512));
  let v2: boolean;
  let flags = 0;
  if (first.ascii(0, 4) === "OHDR") {
    v2 = true;
    if (first.u8(4) !== 2) throw new Unsupported(`object header version ${first.u8(4)}`);
    flags = first.u8(5);
    let p = 6 + (flags & 0x20 ? 16 : 0) + (flags & 0x10 ? 4 : 0);
    const w = 1 << (flags & 3);
    const size = first.uint(p, w);
    p += w;
    pending.push({ at: addr + p, len: size, v2, first: true });
  } else {
    v2 = false;
    if (first.u8(0) !== 1) throw new H5FormatError(`no object header at byte ${addr}`);
    pending.push({ at: addr + 16, len: first.u32(8), v2, first: true });
  }
  for (let blocks = 0; pending.length; blocks++) {
    if (blocks > 1000) throw new H5FormatError(`object header at byte ${addr}: too many continuation blocks (corrupt?)`);
    const c = pending.shift()!;
    const blk = f.block(c.at, c.len);
    // v2 continuation blocks: "OCHK", messages, checksum.
    let p = 0, end = c.len;
    if (v2 && !c.first) {
      if (blk.ascii(0, 4) !== "OCHK") throw new H5FormatError(`no object header continuation block at byte ${c.at}`);
      p = 4;
      end = c.len - 4;
    }
    const hdr = v2 ? 4 + (flags & 0x04 ? 2 : 0) : 8;
    while (p + hdr <= end) {
      const type = v2 ? blk.u8(p) : blk.u16(p);
      const size = blk.u16(p + (v2 ? 1 : 2));
      const mflags = blk.u8(p + (v2 ? 3 : 4));
      const order = v2 && flags & 0x04 ? blk.u16(p + 4) : -1;
      const data = p + hdr;
      if (data + size > end) throw new H5FormatError(`object header message at byte ${c.at + p} runs past its block (corrupt?)`);
      if (type === 0x10) pending.push({ at: blk.addr(data) ?? -1, len: blk.len(data + f.so), v2, first: false });
      else out.push({ type, flags: mflags, order, blk, p: data, size });
      p = data + size;
    }
    if (pending.some((x) => x.at < 0)) throw new H5FormatError(`object header at byte ${addr}: a continuation with no address`);
  }
  return out;
}

/** The dataset whose object header is at `addr` (absolute): what a direct read needs, else Unsupported. */
export function readDataset(f: H5File, addr: number): H5Dataset {
  let shape: number[] | undefined;
  let type: H5Dataset["type"] | undefined;
  let layout: H5Dataset["layout"] | undefined;
  let filters: H5Filter[] = [];
  for (const m of messages(f, addr)) {
    const { blk: b, p } = m;
    if ([0x01, 0x03, 0x08, 0x0b].includes(m.type) && m.flags & 0x02) throw new Unsupported(`shared message ${m.type}`);
    if (m.type === 0x01) {
      const v = b.u8(p), nd = b.u8(p + 1);
      if (v === 2 && b.u8(p + 3) === 2) throw new Unsupported("null dataspace");
      const at = p + (v === 1 ? 8 : v === 2 ? 4 : NaN);
      if (Number.isNaN(at)) throw new Unsupported(`dataspace version ${v}`);
      shape = Array.from({ length: nd }, (_, d) => b.len(at + d * f.sl));
    } else if (m.type === 0x03) {
      const cls = b.u8(p) & 0x0f, bits = b.u8(p + 1), size = b.u32(p + 4);
      if (cls !== 0 && cls !== 1) throw new Unsupported(`datatype class ${cls}`);
      if (bits & 0x01 || (cls === 1 && bits & 0x40)) throw new Unsupported("big-endian or VAX data");
      const offset = b.u16(p + 8), precision = b.u16(p + 10);
      if (offset !== 0 || precision !== size * 8) throw new Unsupported(`datatype with bit offset ${offset}, precision ${precision}`);
      if (cls === 1) {
        // IEEE 754 binary32 / binary64 only.
        const ieee = size === 4 ? [23, 8, 0, 23, 127, 31] : size === 8 ? [52, 11, 0, 52, 1023, 63] : undefined;
        const got = [b.u8(p + 12), b.u8(p + 13), b.u8(p + 14), b.u8(p + 15), b.u32(p + 16), b.u8(p + 2)];
        if (!ieee || got.some((x, i) => x !== ieee[i])) throw new Unsupported(`non-IEEE float of ${size} bytes`);
      }
      type = { cls, size, signed: cls === 1 || !!(bits & 0x08) };
    } else if (m.type === 0x08) {
      const v = b.u8(p), cls = b.u8(p + 1);
      if (v !== 3 && v !== 4) throw new Unsupported(`data layout version ${v}`);
      if (cls === 1) layout = { kind: "contiguous", address: b.addr(p + 2), size: b.len(p + 2 + f.so) };
      else if (cls === 2 && v === 3) {
        const nd = b.u8(p + 2);
        if (nd < 1) throw new H5FormatError("chunked layout of no dimensions");
        const dims = Array.from({ length: nd }, (_, d) => b.u32(p + 3 + f.so + 4 * d));
        layout = { kind: "chunked", btree: b.addr(p + 3), chunks: dims.slice(0, -1) };
        if (dims.some((x) => x === 0)) throw new H5FormatError(`chunk dimensions [${dims}]`);
      } else throw new Unsupported(`data layout class ${cls} (version ${v})`);
    } else if (m.type === 0x0b) {
      filters = filterPipeline(b, p);
    }
  }
  if (!shape || !type || !layout) throw new Unsupported("no dataspace, datatype or layout message");
  if (layout.kind === "chunked" && layout.chunks.length !== shape.length) throw new H5FormatError(`${layout.chunks.length}-d chunks of a ${shape.length}-d dataset`);
  return { shape, type, layout, filters };
}

function filterPipeline(b: Block, p: number): H5Filter[] {
  const v = b.u8(p), n = b.u8(p + 1);
  if (v !== 1 && v !== 2) throw new Unsupported(`filter pipeline version ${v}`);
  let q = p + (v === 1 ? 8 : 2);
  const out: H5Filter[] = [];
  for (let i = 0; i < n; i++) {
    const id = b.u16(q);
    q += 2;
    let nameLen = 0;
    if (v === 1 || id >= 256) {
      nameLen = b.u16(q);
      q += 2;
    }
    const flags = b.u16(q), ncd = b.u16(q + 2);
    q += 4;
    q += v === 1 ? Math.ceil(nameLen / 8) * 8 : nameLen;
    const cd = Array.from({ length: ncd }, (_, j) => b.u32(q + 4 * j));
    q += 4 * ncd + (v === 1 && ncd % 2 ? 4 : 0);
    out.push({ id, optional: !!(flags & 1), cd });
  }
  return out;
}

export interface ChunkEntry {
  address: number;
  size: number;
  mask: number;
}

/**
 * Every allocated chunk of a version 1 B-tree, by chunk grid index ("i,j,k"). `nd` dims, chunks `chunks`.
 */
export function chunkIndex(f: H5File, root: number, chunks: readonly number[]): Map<string, ChunkEntry> {
  const nd = chunks.length;
  const keySize = 8 + 8 * (nd + 1);
  const out = new Map<string, ChunkEntry>();
  const seen = new Set<number>();
  const visit = (at: number, depth: number): void => {
    if (seen.has(at) || depth > 64) throw new H5FormatError(`chunk B-tree: a loop or depth over 64 at byte ${at} (corrupt?)`);
    seen.add(at);
    const head = f.block(at, Math.min(f.size - at, 8 + 2 * f.so));
    if (head.ascii(0, 4) !== "TREE") throw new H5FormatError(`no B-tree node at byte ${at}`);
    if (head.u8(4) !== 1) throw new H5FormatError(`B-tree node at byte ${at} is not of raw data chunks`);
    const level = head.u8(5), entries = head.u16(6);
    const b = f.block(at, 8 + 2 * f.so + entries * (keySize + f.so) + keySize);
    let p = 8 + 2 * f.so;
    for (let i = 0; i < entries; i++) {
      const size = b.u32(p), mask = b.u32(p + 4);
      const idx: number[] = [];
      for (let d = 0; d < nd; d++) {
        const off = b.uint(p + 8 + 8 * d, 8);
        if (off % chunks[d]!) throw new H5FormatError(`chunk offset ${off} is not a multiple of the chunk length ${chunks[d]} (corrupt?)`);
        idx.push(off / chunks[d]!);
      }
      const child = b.addr(p + keySize);
      if (child === undefined) throw new H5FormatError(`B-tree node at byte ${at}: a child with no address`);
      if (level > 0) visit(child, depth + 1);
      else {
        if (child + size > f.size) throw new H5FormatError(`chunk [${idx}] (bytes ${child}-${child + size}) is beyond the end of the file (${f.size} bytes; truncated?)`);
        out.set(idx.join(), { address: child, size, mask });
      }
      p += keySize + f.so;
    }
  };
  visit(root, 0);
  return out;
}
