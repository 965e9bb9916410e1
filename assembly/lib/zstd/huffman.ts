// Huffman literals (FORMATS.md §7.5, §7.16): code lengths limited to 11 bits, weights described directly or
// FSE-compressed, canonical codes, and the 1- or 4-stream backward bitstreams. Static scratch only.
import { buildCTable, normalizeCount, writeNCount, optimalTableLog, initState, highbit, CTABLE_SIZE, CT_STATES, CT_SYMTT } from "./fse";

const MAX_BITS: u32 = 11;

// Scratch for tree building (at most 256 leaves, 255 internal nodes).
const sortedSym: usize = memory.data(256 * 2, 16);
const sortedCnt: usize = memory.data(256 * 4, 16);
const tmpSym: usize = memory.data(256 * 2, 16);
const tmpCnt: usize = memory.data(256 * 4, 16);
const nodeW: usize = memory.data(256 * 4, 16);
const nodeParent: usize = memory.data(256 * 2, 16);
const leafParent: usize = memory.data(256 * 2, 16);
const nodeDepth: usize = memory.data(256, 16);
const lenCount: usize = memory.data(16 * 4, 16);
const rankStart: usize = memory.data(16 * 4, 16);
const weights: usize = memory.data(256 + 16, 16);
const wCount: usize = memory.data(16 * 4, 16);
const wNorm: usize = memory.data(16 * 2, 16);
const wCTable: usize = memory.data(<i32>CTABLE_SIZE, 16);
const bucket: usize = memory.data(256 * 4, 16);

/**
 * Build a length-limited Huffman code for `count` (u32[256]) over symbols 0..maxSym (at least two present) into
 * `table` (u32[256], entry = code << 8 | nbBits, 0 = absent). Returns maxBits.
 */
export function buildHuffTable(count: usize, maxSym: u32, table: usize): u32 {
  // Present symbols sorted by count ascending: LSD radix sort, two passes of 9 bits (counts < 2^18).
  let n: u32 = 0;
  for (let s: u32 = 0; s <= maxSym; s++) {
    let c = load<u32>(count + (<usize>s << 2));
    store<u32>(table + (<usize>s << 2), 0);
    if (c) {
      store<u16>(tmpSym + (<usize>n << 1), <u16>s);
      store<u32>(tmpCnt + (<usize>n << 2), c);
      n++;
    }
  }
  for (let s = maxSym + 1; s < 256; s++) store<u32>(table + (<usize>s << 2), 0);
  radixPass(tmpSym, tmpCnt, sortedSym, sortedCnt, n, 0);
  radixPass(sortedSym, sortedCnt, tmpSym, tmpCnt, n, 8);
  radixPass(tmpSym, tmpCnt, sortedSym, sortedCnt, n, 16);
  // Two-queue Huffman: leaves in sortedCnt, internal nodes created in non-decreasing weight order.
  let li: u32 = 0;
  let ni: u32 = 0;
  let nn: u32 = 0;
  while (nn < n - 1) {
    let a: u32;
    let aIsLeaf: bool;
    if (li < n && (ni >= nn || load<u32>(sortedCnt + (<usize>li << 2)) <= load<u32>(nodeW + (<usize>ni << 2)))) {
      a = load<u32>(sortedCnt + (<usize>li << 2));
      store<u16>(leafParent + (<usize>li << 1), <u16>nn);
      li++;
    } else {
      a = load<u32>(nodeW + (<usize>ni << 2));
      store<u16>(nodeParent + (<usize>ni << 1), <u16>nn);
      ni++;
    }
    let b: u32;
    if (li < n && (ni >= nn || load<u32>(sortedCnt + (<usize>li << 2)) <= load<u32>(nodeW + (<usize>ni << 2)))) {
      b = load<u32>(sortedCnt + (<usize>li << 2));
      store<u16>(leafParent + (<usize>li << 1), <u16>nn);
      li++;
    } else {
      b = load<u32>(nodeW + (<usize>ni << 2));
      store<u16>(nodeParent + (<usize>ni << 1), <u16>nn);
      ni++;
    }
    store<u32>(nodeW + (<usize>nn << 2), a + b);
    nn++;
  }
  // Depths: the root is the last node; parents always have higher indices.
  store<u8>(nodeDepth + (n - 2), 0);
  for (let j = <i32>n - 3; j >= 0; j--) {
    store<u8>(nodeDepth + j, load<u8>(nodeDepth + load<u16>(nodeParent + (<usize>j << 1))) + 1);
  }
  // Leaf lengths go in `weights` (indexed by sorted position) for now.
  let maxLen: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    let d = <u32>load<u8>(nodeDepth + load<u16>(leafParent + (<usize>i << 1))) + 1;
    store<u8>(weights + i, <u8>d);
    if (d > maxLen) maxLen = d;
  }
  if (maxLen > MAX_BITS) {
    // Clamp to 11 bits, then repair the Kraft sum (units of 2^-11): lengthen the rarest of the longest
    // codes below 11 until the sum fits, then shorten the most frequent codes while it still fits.
    let K: u32 = 0;
    for (let i: u32 = 0; i < n; i++) {
      let d = <u32>load<u8>(weights + i);
      if (d > MAX_BITS) {
        d = MAX_BITS;
        store<u8>(weights + i, <u8>d);
      }
      K += 1 << (MAX_BITS - d);
    }
    while (K > 2048) {
      let bestI: u32 = 0;
      let bestL: u32 = 0;
      for (let i: u32 = 0; i < n; i++) {
        let d = <u32>load<u8>(weights + i);
        if (d < MAX_BITS && d > bestL) {
          bestL = d;
          bestI = i;
        }
      }
      store<u8>(weights + bestI, <u8>(bestL + 1));
      K -= 1 << (MAX_BITS - bestL - 1);
    }
    for (let i = <i32>n - 1; i >= 0; i--) {
      let d = <u32>load<u8>(weights + i);
      while (d > 1 && K + (1 << (MAX_BITS - d)) <= 2048) {
        K += 1 << (MAX_BITS - d);
        d--;
      }
      store<u8>(weights + i, <u8>d);
    }
    maxLen = 0;
    for (let i: u32 = 0; i < n; i++) {
      let d = <u32>load<u8>(weights + i);
      if (d > maxLen) maxLen = d;
    }
  }
  // Lengths into the table (nbBits only for now), then canonical codes.
  for (let l: u32 = 0; l < 16; l++) store<u32>(lenCount + (l << 2), 0);
  for (let i: u32 = 0; i < n; i++) {
    let d = <u32>load<u8>(weights + i);
    let s = <u32>load<u16>(sortedSym + (<usize>i << 1));
    store<u32>(table + (<usize>s << 2), d);
    let lc = lenCount + (d << 2);
    store<u32>(lc, load<u32>(lc) + 1);
  }
  let m: u32 = 0;
  for (let l = maxLen; l >= 1; l--) {
    store<u32>(rankStart + (l << 2), m);
    m = (m + load<u32>(lenCount + (l << 2))) >> 1;
  }
  for (let s: u32 = 0; s <= maxSym; s++) {
    let d = load<u32>(table + (<usize>s << 2));
    if (d) {
      let rs = rankStart + (d << 2);
      let code = load<u32>(rs);
      store<u32>(rs, code + 1);
      store<u32>(table + (<usize>s << 2), (code << 8) | d);
    }
  }
  return maxLen;
}

function radixPass(srcSym: usize, srcCnt: usize, dstSym: usize, dstCnt: usize, n: u32, shift: u32): void {
  memory.fill(bucket, 0, 256 * 4);
  for (let i: u32 = 0; i < n; i++) {
    let b = bucket + (<usize>((load<u32>(srcCnt + (<usize>i << 2)) >> shift) & 255) << 2);
    store<u32>(b, load<u32>(b) + 1);
  }
  let sum: u32 = 0;
  for (let k: usize = 0; k < 256; k++) {
    let c = load<u32>(bucket + (k << 2));
    store<u32>(bucket + (k << 2), sum);
    sum += c;
  }
  for (let i: u32 = 0; i < n; i++) {
    let c = load<u32>(srcCnt + (<usize>i << 2));
    let b = bucket + (<usize>((c >> shift) & 255) << 2);
    let at = load<u32>(b);
    store<u32>(b, at + 1);
    store<u32>(dstCnt + (<usize>at << 2), c);
    store<u16>(dstSym + (<usize>at << 1), load<u16>(srcSym + (<usize>i << 1)));
  }
}

/** Estimated size in bytes of the literals with `table` (all present symbols must have codes). */
export function huffEstimate(count: usize, maxSym: u32, table: usize): u32 {
  let bits: u32 = 0;
  for (let s: u32 = 0; s <= maxSym; s++) bits += load<u32>(count + (<usize>s << 2)) * (load<u32>(table + (<usize>s << 2)) & 255);
  return bits >> 3;
}

/** True when `table` codes every symbol present in `count`. */
export function huffValid(count: usize, maxSym: u32, table: usize): bool {
  for (let s: u32 = 0; s <= maxSym; s++) {
    if (load<u32>(count + (<usize>s << 2)) != 0 && (load<u32>(table + (<usize>s << 2)) & 255) == 0) return false;
  }
  return true;
}

/**
 * Write the tree description of `table` (codes for 0..maxSym, maxSym present) at `op`; returns its size, or
 * 0 when it cannot be described (more than 128 weights that FSE does not compress): use raw literals then.
 */
export function writeHuffTree(op: usize, table: usize, maxSym: u32, maxBits: u32): usize {
  let last = maxSym;
  for (let l: u32 = 0; l < 16; l++) store<u32>(wCount + (l << 2), 0);
  let maxCount: u32 = 0;
  for (let s: u32 = 0; s < last; s++) {
    let nb = load<u32>(table + (<usize>s << 2)) & 255;
    let w = nb ? maxBits + 1 - nb : 0;
    store<u8>(weights + s, <u8>w);
    let wc = wCount + (w << 2);
    let c = load<u32>(wc) + 1;
    store<u32>(wc, c);
    if (c > maxCount) maxCount = c;
  }
  // FSE-compressed weights (libzstd HUF_compressWeights), used when at least 2 bytes and < last/2.
  if (last >= 2 && maxCount < last && maxCount > 1) {
    let maxW: u32 = 12;
    while (load<u32>(wCount + (maxW << 2)) == 0) maxW--;
    let tl = optimalTableLog(6, last, maxW, 2);
    normalizeCount(wNorm, tl, wCount, last, maxW, false);
    let hs = writeNCount(op + 1, wNorm, maxW, tl);
    buildCTable(wCTable, wNorm, maxW, tl);
    let p = op + 1 + hs;
    let acc: u64 = 0;
    let bits: u32 = 0;
    let st1: u32 = 0;
    let st2: u32 = 0;
    let st = wCTable + CT_STATES;
    let tt = wCTable + CT_SYMTT;
    for (let i = <i32>last - 1; i >= 0; i--) {
      let w = <u32>load<u8>(weights + i);
      let isFirst = i >= <i32>last - 2;
      let state: u32;
      if (isFirst) {
        state = initState(wCTable, w);
      } else {
        state = (i & 1) ? st2 : st1;
        let e = tt + (<usize>w << 3);
        let nbOut = (state + load<u32>(e, 4)) >> 16;
        acc |= (<u64>(state & ((1 << nbOut) - 1))) << bits;
        bits += nbOut;
        state = <u32>load<u16>(st + (<usize>(<i32>(state >> nbOut) + load<i32>(e)) << 1));
        if (bits >= 32) {
          store<u32>(p, <u32>acc);
          p += 4;
          acc >>= 32;
          bits -= 32;
        }
      }
      if (i & 1) st2 = state;
      else st1 = state;
    }
    let mask: u32 = (1 << tl) - 1;
    acc |= (<u64>(st2 & mask)) << bits;
    bits += tl;
    acc |= (<u64>(st1 & mask)) << bits;
    bits += tl;
    acc |= (<u64>1) << bits;
    bits += 1;
    while (bits > 0) {
      store<u8>(p, <u8>acc);
      p++;
      acc >>= 8;
      bits = bits > 8 ? bits - 8 : 0;
    }
    let size = p - (op + 1);
    if (size > 1 && size < (last >> 1) && size <= 127) {
      store<u8>(op, <u8>size);
      return size + 1;
    }
  }
  if (last > 128) return 0;
  store<u8>(op, <u8>(127 + last));
  for (let s: u32 = 0; s < last; s += 2) {
    let hi = <u32>load<u8>(weights + s);
    let lo = s + 1 < last ? <u32>load<u8>(weights + s + 1) : 0;
    store<u8>(op + 1 + (s >> 1), <u8>((hi << 4) | lo));
  }
  return 1 + ((last + 1) >> 1);
}

// Stream encoding (libzstd's HUF_addBits "fast" form): each symbol's entry is one u64, code << (64 - nbBits) |
// nbBits. The container fills from the top: `acc = (acc >> e) | e` (wasm shifts use the low 6 bits, i.e.
// nbBits; the low byte's copy of nbBits is garbage below the valid bits) and `pos += e` (only its low byte,
// the pending bit count, is meaningful). Three ALU operations per symbol instead of five.
const celt: usize = memory.data(256 * 8, 64);

/** Fill the stream table from `table` (code << 8 | nbBits) for symbols 0..maxSym. */
export function huffPrepare(table: usize, maxSym: u32): void {
  for (let s: u32 = 0; s <= maxSym; s++) {
    let t = load<u32>(table + (<usize>s << 2));
    let nb = <u64>(t & 255);
    store<u64>(celt + (<usize>s << 3), nb ? ((<u64>(t >> 8)) << (64 - nb)) | nb : 0);
  }
}

// @ts-ignore: decorator
@inline function elt(src: usize, i: usize): u64 {
  return load<u64>(celt + (<usize>load<u8>(src + i) << 3));
}

/** Write the top `pos & 255` bits of `acc` at `p`; returns the new p (the caller keeps pos & 7). */
// @ts-ignore: decorator
@inline function flush(p: usize, acc: u64, pos: u64): usize {
  let nb = pos & 255;
  store<u64>(p, acc >> (64 - nb));
  return p + <usize>(nb >> 3);
}

/** Close a stream (end mark, last partial byte); returns its end. */
// @ts-ignore: decorator
@inline function close(p: usize, acc: u64, pos: u64): usize {
  acc = (acc >> 1) | (<u64>1 << 63);
  let nb = (pos & 7) + 1;
  store<u64>(p, acc >> (64 - nb));
  return p + <usize>((nb + 7) >> 3);
}

/** Encode `n` literals at `src` as one backward stream at `op` (huffPrepare first); returns its byte size. */
export function huffStream(op: usize, src: usize, n: usize): usize {
  let acc: u64 = 0;
  let pos: u64 = 0;
  let p = op;
  let i = n;
  // Odd symbols first so that the main loop handles groups of four.
  while (i & 3) {
    i--;
    let e = elt(src, i);
    acc = (acc >> e) | e;
    pos += e;
  }
  p = flush(p, acc, pos);
  pos &= 7;
  while (i > 0) {
    i -= 4;
    let e3 = elt(src, i + 3);
    acc = (acc >> e3) | e3;
    pos += e3;
    let e2 = elt(src, i + 2);
    acc = (acc >> e2) | e2;
    pos += e2;
    let e1 = elt(src, i + 1);
    acc = (acc >> e1) | e1;
    pos += e1;
    let e0 = elt(src, i);
    acc = (acc >> e0) | e0;
    pos += e0;
    p = flush(p, acc, pos);
    pos &= 7;
  }
  return close(p, acc, pos) - op;
}

/**
 * Four streams (three of `seg` literals from `src`, the fourth of `n4` <= seg, 0 <= seg - n4 <= 3) in one
 * interleaved loop: four independent dependency chains (faster than two in V8). Stream k (0-3) goes to the
 * u32 pointer at `ops + 4k`; its size is written back there.
 */
export function huffStream4(ops: usize, src: usize, seg: usize, n4: usize): void {
  let s1 = src;
  let s2 = src + seg;
  let s3 = src + 2 * seg;
  let s4 = src + 3 * seg;
  let p1 = <usize>load<u32>(ops);
  let p2 = <usize>load<u32>(ops, 4);
  let p3 = <usize>load<u32>(ops, 8);
  let p4 = <usize>load<u32>(ops, 12);
  let a1: u64 = 0, a2: u64 = 0, a3: u64 = 0, a4: u64 = 0;
  let q1: u64 = 0, q2: u64 = 0, q3: u64 = 0, q4: u64 = 0;
  let i = seg;
  let i4 = n4;
  while (i & 3) {
    i--;
    let e = elt(s1, i);
    a1 = (a1 >> e) | e;
    q1 += e;
    e = elt(s2, i);
    a2 = (a2 >> e) | e;
    q2 += e;
    e = elt(s3, i);
    a3 = (a3 >> e) | e;
    q3 += e;
  }
  while (i4 & 3) {
    i4--;
    let e = elt(s4, i4);
    a4 = (a4 >> e) | e;
    q4 += e;
  }
  p1 = flush(p1, a1, q1);
  q1 &= 7;
  p2 = flush(p2, a2, q2);
  q2 &= 7;
  p3 = flush(p3, a3, q3);
  q3 &= 7;
  p4 = flush(p4, a4, q4);
  q4 &= 7;
  if (i > i4) {
    i -= 4;
    for (let k: i32 = 3; k >= 0; k--) {
      let e = elt(s1, i + k);
      a1 = (a1 >> e) | e;
      q1 += e;
      e = elt(s2, i + k);
      a2 = (a2 >> e) | e;
      q2 += e;
      e = elt(s3, i + k);
      a3 = (a3 >> e) | e;
      q3 += e;
    }
    p1 = flush(p1, a1, q1);
    q1 &= 7;
    p2 = flush(p2, a2, q2);
    q2 &= 7;
    p3 = flush(p3, a3, q3);
    q3 &= 7;
  }
  let d2 = s2 - s1;
  let d3 = s3 - s1;
  let d4 = s4 - s1;
  while (i > 0) {
    i -= 4;
    let b = s1 + i;
    let e1 = elt(b, 3);
    let e2 = elt(b + d2, 3);
    let e3 = elt(b + d3, 3);
    let e4 = elt(b + d4, 3);
    a1 = (a1 >> e1) | e1; q1 += e1;
    a2 = (a2 >> e2) | e2; q2 += e2;
    a3 = (a3 >> e3) | e3; q3 += e3;
    a4 = (a4 >> e4) | e4; q4 += e4;
    e1 = elt(b, 2);
    e2 = elt(b + d2, 2);
    e3 = elt(b + d3, 2);
    e4 = elt(b + d4, 2);
    a1 = (a1 >> e1) | e1; q1 += e1;
    a2 = (a2 >> e2) | e2; q2 += e2;
    a3 = (a3 >> e3) | e3; q3 += e3;
    a4 = (a4 >> e4) | e4; q4 += e4;
    e1 = elt(b, 1);
    e2 = elt(b + d2, 1);
    e3 = elt(b + d3, 1);
    e4 = elt(b + d4, 1);
    a1 = (a1 >> e1) | e1; q1 += e1;
    a2 = (a2 >> e2) | e2; q2 += e2;
    a3 = (a3 >> e3) | e3; q3 += e3;
    a4 = (a4 >> e4) | e4; q4 += e4;
    e1 = elt(b, 0);
    e2 = elt(b + d2, 0);
    e3 = elt(b + d3, 0);
    e4 = elt(b + d4, 0);
    a1 = (a1 >> e1) | e1; q1 += e1;
    a2 = (a2 >> e2) | e2; q2 += e2;
    a3 = (a3 >> e3) | e3; q3 += e3;
    a4 = (a4 >> e4) | e4; q4 += e4;
    p1 = flush(p1, a1, q1);
    q1 &= 7;
    p2 = flush(p2, a2, q2);
    q2 &= 7;
    p3 = flush(p3, a3, q3);
    q3 &= 7;
    p4 = flush(p4, a4, q4);
    q4 &= 7;
  }
  store<u32>(ops, <u32>(close(p1, a1, q1) - load<u32>(ops)));
  store<u32>(ops, <u32>(close(p2, a2, q2) - load<u32>(ops, 4)), 4);
  store<u32>(ops, <u32>(close(p3, a3, q3) - load<u32>(ops, 8)), 8);
  store<u32>(ops, <u32>(close(p4, a4, q4) - load<u32>(ops, 12)), 12);
}
