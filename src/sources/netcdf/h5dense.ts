// Links and attributes in HDF5's dense storage (a group with more than 8 links, an object with more than 8
// attributes, as netCDF-C leaves HDF5's defaults): a version 2 B-tree indexes them by name, its records hold
// fractal heap ids, the heap's direct blocks hold the messages. Only what netCDF-4 files need: a B-tree whose
// root is a leaf (up to ~45 links or ~29 attributes with the default 512-byte nodes), managed objects in the
// heap's direct blocks, no I/O filters. Anything else is `Unsupported` (the file is described through h5wasm).
import { Block, H5File, H5FormatError, Unsupported } from "./h5parse.js";

interface Heap {
  width: number;
  start: number;
  maxDirect: number;
  offSize: number;
  lenSize: number;
  root: number;
  rows: number;
}

const log2 = (x: number) => Math.floor(Math.log2(x));

function heapAt(f: H5File, addr: number): Heap {
  const L = f.sl, O = f.so;
  const size = 14 + 12 * L + 3 * O + 10;
  const b = f.block(addr, Math.min(size + 64, f.size - addr));
  if (b.ascii(0, 4) !== "FRHP" || b.u8(4) !== 0) throw new H5FormatError(`no fractal heap at byte ${addr}`);
  if (b.u16(7) !== 0) throw new Unsupported("filtered fractal heap");
  const maxManaged = b.u32(10);
  let p = 14 + L + O + L + O + 6 * L + L + L;
  const width = b.u16(p), start = b.len(p + 2), maxDirect = b.len(p + 2 + L), maxHeapBits = b.u16(p + 2 + 2 * L);
  p += 2 + 2 * L + 2 + 2;
  const root = b.addr(p), rows = b.u16(p + O);
  if (root === undefined) throw new H5FormatError(`fractal heap at byte ${addr} has no root block`);
  if (!width || !start || !maxDirect || start & (start - 1) || maxDirect & (maxDirect - 1)) throw new H5FormatError(`fractal heap at byte ${addr}: table width ${width}, block sizes ${start}/${maxDirect}`);
  // As HDF5 sizes the fields of a heap id (H5HFhdr.c).
  const offSize = Math.ceil(maxHeapBits / 8);
  const lenSize = Math.min(Math.ceil(log2(maxDirect) / 8), log2(maxManaged) / 8 + 1 | 0);
  return { width, start, maxDirect, offSize, lenSize, root, rows };
}

/** The bytes of the managed object with heap id `id` (at `p` of `b`). */
function heapObject(f: H5File, h: Heap, b: Block, p: number): Block {
  const flags = b.u8(p);
  if (flags >> 6 !== 0) throw new Unsupported(`heap id version ${flags >> 6}`);
  if ((flags >> 4) & 3) throw new Unsupported("huge or tiny heap object");
  const off = b.uint(p + 1, h.offSize), len = b.uint(p + 1 + h.offSize, h.lenSize);
  let at: number;
  if (h.rows === 0) {
    if (off + len > h.start) throw new H5FormatError(`heap object at offset ${off} (${len} bytes) is beyond its heap's direct block`);
    at = h.root + off;
  } else {
    // The root indirect block's direct rows: row 0 and 1 of the starting size, then doubling.
    const maxDirectRows = log2(h.maxDirect) - log2(h.start) + 2;
    const ib = f.block(h.root, 5 + f.so + h.offSize + Math.min(h.rows, maxDirectRows) * h.width * f.so);
    if (ib.ascii(0, 4) !== "FHIB") throw new H5FormatError(`no fractal heap indirect block at byte ${h.root}`);
    let rest = off, entry = -1, within = 0;
    for (let r = 0; r < Math.min(h.rows, maxDirectRows); r++) {
      const size = r === 0 ? h.start : h.start * 2 ** (r - 1);
      if (rest < size * h.width) {
        const c = Math.floor(rest / size);
        entry = r * h.width + c;
        within = rest - c * size;
        if (within + len > size) throw new H5FormatError(`heap object at offset ${off} crosses its direct block`);
        break;
      }
      rest -= size * h.width;
    }
    if (entry < 0) throw new Unsupported("heap object in an indirect row");
    const blk = ib.addr(5 + f.so + h.offSize + entry * f.so);
    if (blk === undefined) throw new H5FormatError(`heap object at offset ${off} is in a direct block never allocated`);
    at = blk + within;
  }
  return f.block(at, len);
}

/** The records of the version 2 B-tree at `addr` (its root must be a leaf), each a Block of `recordSize` bytes. */
function records(f: H5File, addr: number): { b: Block; p: number }[] {
  const hb = f.block(addr, 16 + f.so + 2 + f.sl);
  if (hb.ascii(0, 4) !== "BTHD" || hb.u8(4) !== 0) throw new H5FormatError(`no version 2 B-tree at byte ${addr}`);
  const recordSize = hb.u16(10), depth = hb.u16(12);
  if (depth !== 0) throw new Unsupported(`v2 B-tree of depth ${depth}`);
  const root = hb.addr(16), n = hb.u16(16 + f.so);
  if (root === undefined || n === 0) return [];
  const leaf = f.block(root, 6 + n * recordSize);
  if (leaf.ascii(0, 4) !== "BTLF") throw new H5FormatError(`no version 2 B-tree leaf at byte ${root}`);
  return Array.from({ length: n }, (_, i) => ({ b: leaf, p: 6 + i * recordSize }));
}

/** Link messages of a group in dense storage (name index B-tree type 5: name hash, heap id). */
export function denseLinks(f: H5File, heapAddr: number, btree: number): Block[] {
  const h = heapAt(f, heapAddr);
  return records(f, btree).map(({ b, p }) => heapObject(f, h, b, p + 4));
}

/** Attribute messages of an object in dense storage (B-tree type 8: heap id, flags, creation order, hash). */
export function denseAttributes(f: H5File, heapAddr: number, btree: number): { blk: Block; order: number }[] {
  const h = heapAt(f, heapAddr);
  return records(f, btree).map(({ b, p }) => {
    if (b.u8(p + 8) & 1) throw new Unsupported("shared attribute message");
    return { blk: heapObject(f, h, b, p), order: b.u32(p + 9) };
  });
}
