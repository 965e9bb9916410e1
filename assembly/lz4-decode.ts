// LZ4 block decompressor (FORMATS.md §6), bounds-checked: every read stays inside [src, src + srcLen) and every
// write inside [dst, dst + dstLen), whatever the input (a corrupt stream returns LZ4D_CORRUPT). Literal and
// match copies move 16 bytes a step with v128 when the output has room for the over-copy; overlapping matches
// (offset < length, the repeat-pattern case) replicate the pattern first and then copy from a distance that is
// a multiple of the offset and >= 16, so every 16-byte step reads bytes already written.

/** Returned for a stream that is not a valid LZ4 block of the expected size. */
// @ts-ignore: decorator
@inline const LZ4D_CORRUPT: i32 = -1;

/** Copy `len` bytes from `s` to `d` (no overlap, or `d - s >= 16`) 16 at a time; writes up to `d + len + 15`. */
// @ts-ignore: decorator
@inline function wildCopy16(d: usize, s: usize, len: usize): void {
  let end = d + len;
  do {
    v128.store(d, v128.load(s));
    d += 16;
    s += 16;
  } while (d < end);
}

/** Copy a match of `len` bytes from `op - offset` to `op`, writing nothing at or past `oend`. */
// @ts-ignore: decorator
@inline function copyMatch(op: usize, offset: usize, len: usize, oend: usize): void {
  let m = op - offset;
  if (offset >= 16) {
    if (op + len + 16 <= oend) {
      wildCopy16(op, m, len);
      return;
    }
    if (offset >= len) {
      memory.copy(op, m, len);
      return;
    }
    let end = op + len;
    while (op + 16 <= end) {
      v128.store(op, v128.load(m));
      op += 16;
      m += 16;
    }
    while (op < end) store<u8>(op++, load<u8>(m++));
    return;
  }
  if (offset == 1) {
    memory.fill(op, load<u8>(m), len);
    return;
  }
  // Small offset: write one period-aligned stretch of >= 16 bytes byte by byte, then copy from that distance.
  let dist = offset * ((16 + offset - 1) / offset);
  let end = op + len;
  let first = len < dist ? len : dist;
  for (let i: usize = 0; i < first; i++) store<u8>(op + i, load<u8>(m + i));
  op += first;
  if (op >= end) return;
  m = op - dist;
  if (end + 16 <= oend) {
    wildCopy16(op, m, end - op);
    return;
  }
  while (op + 16 <= end) {
    v128.store(op, v128.load(m));
    op += 16;
    m += 16;
  }
  while (op < end) store<u8>(op++, load<u8>(m++));
}

/**
 * Decompress the raw LZ4 block at `src` (`srcLen` bytes) into `dst`, which must come out exactly `dstLen` bytes.
 * Returns `dstLen`, or LZ4D_CORRUPT when the block is malformed, truncated, refers before the start of the output,
 * would write past `dstLen`, or ends short of it.
 */
export function lz4DecompressBlock(src: usize, srcLen: usize, dst: usize, dstLen: usize): i32 {
  let ip = src;
  let iend = src + srcLen;
  let op = dst;
  let oend = dst + dstLen;
  if (srcLen == 0) return LZ4D_CORRUPT;
  while (true) {
    if (ip >= iend) return LZ4D_CORRUPT;
    let token = <usize>load<u8>(ip++);
    // Literals.
    let lit = token >> 4;
    if (lit == 15) {
      let b: usize;
      do {
        if (ip >= iend) return LZ4D_CORRUPT;
        b = <usize>load<u8>(ip++);
        lit += b;
      } while (b == 255 && lit < 0x7f000000);
    }
    if (lit > iend - ip || lit > oend - op) return LZ4D_CORRUPT;
    if (lit <= 16 && ip + 16 <= iend && op + 16 <= oend) {
      v128.store(op, v128.load(ip));
    } else if (ip + lit + 16 <= iend && op + lit + 16 <= oend) {
      wildCopy16(op, ip, lit);
    } else {
      memory.copy(op, ip, lit);
    }
    ip += lit;
    op += lit;
    // The last sequence has literals only: the block ends right after them.
    if (ip == iend) return op == oend ? <i32>dstLen : LZ4D_CORRUPT;
    // Match.
    if (iend - ip < 2) return LZ4D_CORRUPT;
    let offset = <usize>load<u16>(ip);
    ip += 2;
    if (offset == 0 || offset > op - dst) return LZ4D_CORRUPT;
    let ml = token & 15;
    if (ml == 15) {
      let b: usize;
      do {
        if (ip >= iend) return LZ4D_CORRUPT;
        b = <usize>load<u8>(ip++);
        ml += b;
      } while (b == 255 && ml < 0x7f000000);
    }
    ml += 4;
    if (ml > oend - op) return LZ4D_CORRUPT;
    copyMatch(op, offset, ml, oend);
    op += ml;
  }
  return LZ4D_CORRUPT;
}
