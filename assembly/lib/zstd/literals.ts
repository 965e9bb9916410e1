// Literals section (FORMATS.md §7.4, §7.16): raw, RLE, Huffman with a new tree, or treeless (the previous
// block's tree) — whichever libzstd's rules pick, Huffman only when it saves enough.
import { buildHuffTable, writeHuffTree, huffPrepare, huffStream, huffStream4, huffEstimate, huffValid } from "./huffman";

// Eight partial histograms (byte position mod 8), summed into the first: a byte value repeating every 4
// positions (the exponent byte of float32 data) alternates between two counters instead of hammering one.
const count: usize = memory.data(8 * 256 * 4, 64);
// Streams 2-4 are encoded next to stream 1 in one interleaved loop, into here, then moved into place.
const streamTmp: usize = memory.data(3 * (32768 * 12 / 8 + 64), 64);
const streamPtrs: usize = memory.data(16, 16);
const STREAM_TMP_HALF: usize = 32768 * 12 / 8 + 64; // one stream of up to 32768 literals at 11 bits, plus slack
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

// Large literal sets are counted on a sample: 8 bytes of every 32 (every byte position of 2-, 4- and 8-byte
// elements equally), which cut the level 1 encoder's time by a fifth on float data. The estimate is used only
// when the sample already shows nearly every byte value; then every value gets a count of at least 1, so every
// literal has a code (test: the "rare" corpus kind). Sizes are still decided on the real encoding. Otherwise
// the block is counted whole.
const SAMPLE_MIN: usize = 16384;
const SAMPLE_STRIDE: usize = 32;
const SAMPLE_SHIFT: u32 = 2; // log2(SAMPLE_STRIDE / 8)
const SAMPLE_MIN_DISTINCT: u32 = 240;

// @ts-ignore: decorator
@inline function count8(c0: usize, p: usize): void {
  // Byte loads with constant offsets into eight partial tables: no shift/mask per byte.
  let a = c0 + (<usize>load<u8>(p) << 2);
  store<u32>(a, load<u32>(a) + 1);
  a = c0 + 1024 + (<usize>load<u8>(p, 1) << 2);
  store<u32>(a, load<u32>(a) + 1);
  a = c0 + 2048 + (<usize>load<u8>(p, 2) << 2);
  store<u32>(a, load<u32>(a) + 1);
  a = c0 + 3072 + (<usize>load<u8>(p, 3) << 2);
  store<u32>(a, load<u32>(a) + 1);
  a = c0 + 4096 + (<usize>load<u8>(p, 4) << 2);
  store<u32>(a, load<u32>(a) + 1);
  a = c0 + 5120 + (<usize>load<u8>(p, 5) << 2);
  store<u32>(a, load<u32>(a) + 1);
  a = c0 + 6144 + (<usize>load<u8>(p, 6) << 2);
  store<u32>(a, load<u32>(a) + 1);
  a = c0 + 7168 + (<usize>load<u8>(p, 7) << 2);
  store<u32>(a, load<u32>(a) + 1);
}

/** Sum the eight partial tables into the first. */
function sumTables(): void {
  let c0 = count;
  for (let o: usize = 0; o < 1024; o += 16) {
    let x = i32x4.add(i32x4.add(v128.load(c0 + o), v128.load(c0 + o, 1024)), i32x4.add(v128.load(c0 + o, 2048), v128.load(c0 + o, 3072)));
    let y = i32x4.add(i32x4.add(v128.load(c0 + o, 4096), v128.load(c0 + o, 5120)), i32x4.add(v128.load(c0 + o, 6144), v128.load(c0 + o, 7168)));
    v128.store(c0 + o, i32x4.add(x, y));
  }
}

/** Count the byte values of `src[0..n)` into `count`; returns true when the counts are a sample's estimate. */
function histogram(src: usize, n: usize): bool {
  let c0 = count;
  if (n >= SAMPLE_MIN) {
    memory.fill(c0, 0, 8 * 256 * 4);
    let end = src + n - SAMPLE_STRIDE;
    for (let p = src; p <= end; p += SAMPLE_STRIDE) count8(c0, p);
    sumTables();
    let distinct: u32 = 0;
    for (let s: usize = 0; s < 256; s++) distinct += <u32>(load<u32>(c0 + (s << 2)) != 0);
    if (distinct >= SAMPLE_MIN_DISTINCT) {
      let one = i32x4.splat(1);
      for (let o: usize = 0; o < 1024; o += 16) v128.store(c0 + o, i32x4.max_u(i32x4.shl(v128.load(c0 + o), SAMPLE_SHIFT), one));
      return true;
    }
  }
  memory.fill(c0, 0, 8 * 256 * 4);
  let p = src;
  let end = src + n;
  while (p + 8 <= end) {
    count8(c0, p);
    p += 8;
  }
  while (p < end) {
    let a = c0 + (<usize>load<u8>(p) << 2);
    store<u32>(a, load<u32>(a) + 1);
    p++;
  }
  sumTables();
  return false;
}

// log2(i) for i = 0..512 (f64), filled on first use.
const log2Tab: usize = memory.data(513 * 8, 64);
let log2Ready = false;

/**
 * A lower bound (bytes, rounded down) on the Shannon entropy of `n` literals with the byte counts in `count`:
 * t·log2(t) − Σ c·log2(c) bits for the counts' total t (t = n when counted whole), scaled to n. Each log2 is
 * taken from 9 leading bits, rounded down for t and up for the counts (< 0.006 bit each), minus a margin.
 * (For sampled counts it is an estimate; it only decides whether building a tree is worth trying.)
 */
function entropyBytes(n: usize, maxSym: u32): usize {
  if (!log2Ready) {
    store<f64>(log2Tab, 0);
    for (let i = 1; i <= 512; i++) store<f64>(log2Tab + (<usize>i << 3), Math.log2(<f64>i));
    log2Ready = true;
  }
  let sum: f64 = 0;
  let t: u32 = 0;
  for (let s: u32 = 0; s <= maxSym; s++) {
    let c = load<u32>(count + (<usize>s << 2));
    t += c;
    if (c > 1) sum += <f64>c * log2Up(c);
  }
  if (t == 0) return 0;
  let h = (<f64>t * log2Down(t) - sum) * (<f64>n / <f64>t) - 64;
  return h <= 0 ? 0 : <usize>(h / 8);
}

// @ts-ignore: decorator
@inline function log2Down(v: u32): f64 {
  let hb = 31 - clz<u32>(v);
  if (hb <= 8) return load<f64>(log2Tab + (<usize>v << 3));
  return <f64>(hb - 8) + load<f64>(log2Tab + (<usize>(v >> (hb - 8)) << 3));
}

// @ts-ignore: decorator
@inline function log2Up(v: u32): f64 {
  let hb = 31 - clz<u32>(v);
  if (hb <= 8) return load<f64>(log2Tab + (<usize>v << 3));
  return <f64>(hb - 8) + load<f64>(log2Tab + (<usize>((v >> (hb - 8)) + 1) << 3));
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
  let sampled = histogram(src, n);
  let maxSym: u32 = 255;
  while (load<u32>(count + (maxSym << 2)) == 0) maxSym--;
  let largest: u32 = 0;
  for (let s: u32 = 0; s <= maxSym; s++) {
    let c = load<u32>(count + (s << 2));
    if (c > largest) largest = c;
  }
  if (!sampled && <usize>largest == n) return writeRle(op, load<u8>(src), n);
  // libzstd's heuristic: nearly flat histograms are not worth a tree.
  if (<usize>largest <= (n >> 7) + 4) return writeRaw(op, src, n);
  let lhSize: usize = 3 + (n >= 1024 ? 1 : 0) + (n >= 16384 ? 1 : 0);
  let single = n < 256;
  // No prefix code beats the entropy: when even that misses the minimum gain below, skip building a tree.
  if (entropyBytes(n, maxSym) + lhSize + (single ? 0 : 6) >= n - ((n >> 6) + 2)) return writeRaw(op, src, n);
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
    store<u32>(streamPtrs, <u32>p);
    store<u32>(streamPtrs, <u32>streamTmp, 4);
    store<u32>(streamPtrs, <u32>(streamTmp + STREAM_TMP_HALF), 8);
    store<u32>(streamPtrs, <u32>(streamTmp + 2 * STREAM_TMP_HALF), 12);
    huffStream4(streamPtrs, src, seg, n - 3 * seg);
    let s1 = <usize>load<u32>(streamPtrs);
    let s2 = <usize>load<u32>(streamPtrs, 4);
    let s3 = <usize>load<u32>(streamPtrs, 8);
    let s4 = <usize>load<u32>(streamPtrs, 12);
    p += s1;
    memory.copy(p, streamTmp, s2);
    p += s2;
    memory.copy(p, streamTmp + STREAM_TMP_HALF, s3);
    p += s3;
    memory.copy(p, streamTmp + 2 * STREAM_TMP_HALF, s4);
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
