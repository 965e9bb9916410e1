// Snappy raw streams (Blosc cname "snappy", format code 2), as Google's format description defines them:
//   - a varint of the uncompressed length;
//   - literal elements (tag & 3 == 0): length - 1 in the tag's upper 6 bits when below 60, else in the 1-4
//     little-endian bytes that follow (tag 60-63);
//   - copies with a 1-byte offset (tag & 3 == 1: length 4-11 in bits 2-4, offset bits 8-10 in bits 5-7, then
//     the offset's low byte) or a 2-byte offset (tag & 3 == 2: length 1-64 in bits 2-7, then the offset, LE).
// The match search is our own: greedy, a 4-byte hash with liblz4's skip rule and the generation-based table
// reuse of assembly/lz4.ts, offsets up to 65535; long matches are cut into copies of 64 (the last one 4-64).
import { matchLength, hash4, generationBase } from "./lib/lz4/seq";

// @ts-ignore: decorator
@inline const HASH_LOG: u32 = 13; // 32 KiB: 2^14 entries gained 0.6% of size for 5% of speed, 2^12 lost 1.1%
// @ts-ignore: decorator
@inline const MAX_OFFSET: u32 = 65535;
// @ts-ignore: decorator
@inline const TAIL: usize = 12;

const table: usize = memory.data(4 << HASH_LOG, 64);
let generation: u32 = 65536;

/** A literal element for `n` bytes at `src`; returns the new end, or 0 when past `oend`. */
function literal(op: usize, src: usize, n: usize, oend: usize): usize {
  if (n == 0) return op;
  let m = n - 1;
  let h: usize = m < 60 ? 1 : m < 0x100 ? 2 : m < 0x10000 ? 3 : m < 0x1000000 ? 4 : 5;
  if (op + h + n > oend) return 0;
  if (m < 60) {
    store<u8>(op, <u8>(m << 2));
  } else {
    store<u8>(op, <u8>((59 + h - 1) << 2));
    for (let i: usize = 1; i < h; i++) store<u8>(op + i, <u8>(m >> (8 * (i - 1))));
  }
  memory.copy(op + h, src, n);
  return op + h + n;
}

/** Copy elements for a match of `len` at `offset`; returns the new end, or 0 when past `oend`. */
function copies(op: usize, offset: usize, len: usize, oend: usize): usize {
  if (op + 3 * (len / 60 + 1) > oend) return 0;
  // Copies of 64 while at least 68 remain (so that the last one is at least 4 and may take the short form).
  while (len >= 68) {
    store<u8>(op, <u8>((63 << 2) | 2));
    store<u16>(op + 1, <u16>offset);
    op += 3;
    len -= 64;
  }
  if (len > 64) {
    store<u8>(op, <u8>((59 << 2) | 2)); // 60 bytes, leaving 5-7
    store<u16>(op + 1, <u16>offset);
    op += 3;
    len -= 60;
  }
  if (len <= 11 && offset < 2048 && len >= 4) {
    store<u8>(op, <u8>(((offset >> 8) << 5) | ((len - 4) << 2) | 1));
    store<u8>(op + 1, <u8>offset);
    return op + 2;
  }
  store<u8>(op, <u8>(((len - 1) << 2) | 2));
  store<u16>(op + 1, <u16>offset);
  return op + 3;
}

/**
 * Compress `len` bytes at `src` into a Snappy stream at `dst` (at most `cap` bytes). Returns its size, or 0
 * when it does not fit (Blosc then stores the stream raw).
 */
export function snappyCompress(src: usize, len: usize, dst: usize, cap: usize): i32 {
  let op = dst;
  let oend = dst + cap;
  // Preamble: the length as a varint.
  let v = len;
  while (true) {
    if (op >= oend) return 0;
    if (v < 0x80) {
      store<u8>(op, <u8>v);
      op++;
      break;
    }
    store<u8>(op, <u8>(v | 0x80));
    op++;
    v >>= 7;
  }
  let anchor = src;
  let iend = src + len;
  if (len >= TAIL + 4) {
    let base = generationBase(generation, table, 4 << HASH_LOG, 65536);
    generation = base + <u32>len + 65536;
    let srcBase = src - <usize>base;
    let limit = iend - TAIL;
    let matchEnd = iend - 4;
    let ip = src;
    let misses: u32 = 32;
    while (ip < limit) {
      let slot = table + hash4(load<u32>(ip), HASH_LOG);
      let cand = load<u32>(slot);
      let cur = <u32>(ip - srcBase);
      store<u32>(slot, cur);
      let dist = cur - cand;
      if (dist == 0 || dist > MAX_OFFSET || load<u32>(<usize>cand + srcBase) != load<u32>(ip)) {
        ip += <usize>(misses++ >> 5); // one more byte per step after every 32 misses
        continue;
      }
      misses = 32;
      let match = <usize>cand + srcBase;
      let mlen: usize = 4 + matchLength(ip + 4, match + 4, matchEnd);
      op = literal(op, anchor, ip - anchor, oend);
      if (op == 0) return 0;
      op = copies(op, ip - match, mlen, oend);
      if (op == 0) return 0;
      ip += mlen;
      anchor = ip;
      if (ip < limit) store<u32>(table + hash4(load<u32>(ip - 1), HASH_LOG), <u32>(ip - 1 - srcBase));
    }
  }
  op = literal(op, anchor, iend - anchor, oend);
  return op == 0 ? 0 : <i32>(op - dst);
}
