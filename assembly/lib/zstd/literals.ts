// Literals section (FORMATS.md §7.4, §7.16): raw, RLE, Huffman with a new tree, or treeless (the previous
// block's tree) — whichever libzstd's rules pick, Huffman only when it saves enough.
import { buildHuffTable, writeHuffTree, huffPrepare, huffStream, huffStream2, huffEstimate, huffValid } from "./huffman";

const count: usize = memory.data(4 * 256 * 4, 64);
// Streams 2 and 4 are encoded next to 1 and 3 in one interleaved loop, into here, then moved into place.
const streamTmp: usize = memory.data(2 * (32768 * 12 / 8 + 64), 64);
const STREAM_TMP_HALF: usize = 32768 * 12 / 8 + 64; // four interleaved histograms, summed into the first
const tableA: usize = memory.data(256 * 4, 64);
const tableB: usize = memory.data(256 * 4, 64);
let curTable: usize = tableA;
let prevTable: usize = tableB;
/** The previous compressed block's Huffman table may be reused (treeless literals). */
let prevValid: bool = false;
/** Set by writeLiterals: the table this block used, to become "previous" if the block is emitted. */
let usedNewTable: bool = false;
let usedHuff: bool = false;

export function resetLiterals(): void {
  prevValid = false;
}

/** After a block is emitted compressed: its Huffman table (if any) becomes the one treeless blocks reuse. */
export function commitLiterals(): void {
  if (usedHuff) {
    if (usedNewTable) {
      let t = prevTable;
      prevTable = curTable;
      curTable = t;
    }
    prevValid = true;
  } else {
    prevValid = false;
  }
}

function writeRaw(op: usize, src: usize, n: usize): usize {
  let h: usize;
  if (n < 32) {
    store<u8>(op, <u8>(n << 3));
    h = 1;
  } else if (n < 4096) {
    store<u16>(op, <u16>((n << 4) | 4));
    h = 2;
  } else {
    let v = <u32>((n << 4) | 12);
    store<u16>(op, <u16>v);
    store<u8>(op, <u8>(v >> 16), 2);
    h = 3;
  }
  memory.copy(op + h, src, n);
  return h + n;
}

function writeRle(op: usize, b: u8, n: usize): usize {
  if (n < 32) {
    store<u8>(op, <u8>((n << 3) | 1));
    store<u8>(op, b, 1);
    return 2;
  }
  if (n < 4096) {
    store<u16>(op, <u16>((n << 4) | 5));
    store<u8>(op, b, 2);
    return 3;
  }
  let v = <u32>((n << 4) | 13);
  store<u16>(op, <u16>v);
  store<u8>(op, <u8>(v >> 16), 2);
  store<u8>(op, b, 3);
  return 4;
}

function histogram(src: usize, n: usize): void {
  memory.fill(count, 0, 4 * 256 * 4);
  let c0 = count;
  let c1 = count + 1024;
  let c2 = count + 2048;
  let c3 = count + 3072;
  let p = src;
  let end = src + n;
  // Byte loads with constant offsets: no shift/mask per byte.
  while (p + 8 <= end) {
    let a = c0 + (<usize>load<u8>(p) << 2);
    store<u32>(a, load<u32>(a) + 1);
    let b = c1 + (<usize>load<u8>(p, 1) << 2);
    store<u32>(b, load<u32>(b) + 1);
    let c = c2 + (<usize>load<u8>(p, 2) << 2);
    store<u32>(c, load<u32>(c) + 1);
    let d = c3 + (<usize>load<u8>(p, 3) << 2);
    store<u32>(d, load<u32>(d) + 1);
    a = c0 + (<usize>load<u8>(p, 4) << 2);
    store<u32>(a, load<u32>(a) + 1);
    b = c1 + (<usize>load<u8>(p, 5) << 2);
    store<u32>(b, load<u32>(b) + 1);
    c = c2 + (<usize>load<u8>(p, 6) << 2);
    store<u32>(c, load<u32>(c) + 1);
    d = c3 + (<usize>load<u8>(p, 7) << 2);
    store<u32>(d, load<u32>(d) + 1);
    p += 8;
  }
  while (p < end) {
    let a = c0 + (<usize>load<u8>(p) << 2);
    store<u32>(a, load<u32>(a) + 1);
    p++;
  }
  for (let i: usize = 0; i < 256; i += 4) {
    let o = i << 2;
    v128.store(c0 + o, i32x4.add(i32x4.add(v128.load(c0 + o), v128.load(c1 + o)), i32x4.add(v128.load(c2 + o), v128.load(c3 + o))));
  }
}

/**
 * Write the literals section for the `n` literals at `src` to `op`; returns its size. `minLits` is the
 * smallest count worth trying Huffman for (libzstd: 64, or 6 when the previous tree can be reused).
 */
export function writeLiterals(op: usize, src: usize, n: usize): usize {
  usedHuff = false;
  usedNewTable = false;
  let minLits: usize = prevValid ? 6 : 64;
  if (n < minLits) return writeRaw(op, src, n);
  histogram(src, n);
  let maxSym: u32 = 255;
  while (load<u32>(count + (maxSym << 2)) == 0) maxSym--;
  let largest: u32 = 0;
  for (let s: u32 = 0; s <= maxSym; s++) {
    let c = load<u32>(count + (s << 2));
    if (c > largest) largest = c;
  }
  if (<usize>largest == n) return writeRle(op, load<u8>(src), n);
  // libzstd's heuristic: nearly flat histograms are not worth a tree.
  if (<usize>largest <= (n >> 7) + 4) return writeRaw(op, src, n);
  let lhSize: usize = 3 + (n >= 1024 ? 1 : 0) + (n >= 16384 ? 1 : 0);
  let single = n < 256;
  let maxBits = buildHuffTable(count, maxSym, curTable);
  let p = op + lhSize;
  let treeSize = writeHuffTree(p, curTable, maxSym, maxBits);
  let table = curTable;
  let type: u32 = 2;
  let newCost = huffEstimate(count, maxSym, curTable);
  if (prevValid && huffValid(count, maxSym, prevTable)) {
    let oldCost = huffEstimate(count, maxSym, prevTable);
    if (treeSize == 0 || oldCost <= <u32>treeSize + newCost || treeSize + 12 >= n) {
      table = prevTable;
      type = 3;
      treeSize = 0;
    }
  }
  if (type == 2 && treeSize == 0) return writeRaw(op, src, n);
  // The streams cannot be smaller than their bits: when that bound already misses libzstd's minimum gain
  // (checked again below on the real size), the encoding would be thrown away — write raw literals now.
  // Same output, no wasted pass (shuffled Blosc blocks of float data hit this on most blocks).
  let bound = <usize>treeSize + <usize>(type == 2 ? newCost : huffEstimate(count, maxSym, table)) + (single ? 0 : 6);
  if (bound + lhSize >= n - ((n >> 6) + 2)) return writeRaw(op, src, n);
  p += treeSize;
  huffPrepare(table, maxSym);
  if (single) {
    p += huffStream(p, src, n);
  } else {
    let seg = (n + 3) >> 2;
    let jt = p;
    p += 6;
    let r = huffStream2(p, src, seg, streamTmp, src + seg, seg);
    let s1 = <usize>(<u32>r);
    let s2 = <usize>(r >> 32);
    p += s1;
    memory.copy(p, streamTmp, s2);
    p += s2;
    r = huffStream2(p, src + 2 * seg, seg, streamTmp + STREAM_TMP_HALF, src + 3 * seg, n - 3 * seg);
    let s3 = <usize>(<u32>r);
    let s4 = <usize>(r >> 32);
    p += s3;
    memory.copy(p, streamTmp + STREAM_TMP_HALF, s4);
    p += s4;
    store<u16>(jt, <u16>s1);
    store<u16>(jt, <u16>s2, 2);
    store<u16>(jt, <u16>s3, 4);
  }
  let csize = p - (op + lhSize);
  // Not worth it (libzstd's minimum gain), or a stream too large for the jump table: raw.
  if (csize + lhSize >= n - ((n >> 6) + 2) || csize >= 65536 * 3) return writeRaw(op, src, n);
  let sf: u32 = single ? 0 : lhSize == 3 ? 1 : lhSize == 4 ? 2 : 3;
  if (lhSize == 3) {
    let v = type | (sf << 2) | (<u32>n << 4) | (<u32>csize << 14);
    store<u16>(op, <u16>v);
    store<u8>(op, <u8>(v >> 16), 2);
  } else if (lhSize == 4) {
    store<u32>(op, type | (sf << 2) | (<u32>n << 4) | (<u32>csize << 18));
  } else {
    let v = <u64>type | (<u64>sf << 2) | (<u64>n << 4) | (<u64>csize << 22);
    store<u32>(op, <u32>v);
    store<u8>(op, <u8>(v >> 32), 4);
  }
  usedHuff = true;
  usedNewTable = type == 2;
  return lhSize + csize;
}
