// The LZ4 block format's pieces shared by the fast compressor (assembly/lz4.ts) and the high-compression one
// (assembly/lz4hc.ts): constants of FORMATS.md §6, match extension and sequence writing. The match extension,
// the 4-byte hash, the table reuse rule and the 255-continued lengths serve the BloscLZ and Snappy
// compressors too (assembly/blosclz.ts, assembly/snappy.ts).

// @ts-ignore: decorator
@inline export const MINMATCH: u32 = 4;
// @ts-ignore: decorator
@inline export const LASTLITERALS: usize = 5;
// @ts-ignore: decorator
@inline export const MFLIMIT: usize = 12;
// @ts-ignore: decorator
@inline export const MAX_DISTANCE: u32 = 65535;
/** Largest input liblz4 (and numcodecs) accept. */
// @ts-ignore: decorator
@inline export const LZ4_MAX_INPUT: usize = 0x7e000000;

/** Worst-case compressed size of `n` bytes (LZ4_COMPRESSBOUND); 0 when `n` is too large for LZ4. */
export function lz4CompressBound(n: usize): usize {
  return n > LZ4_MAX_INPUT ? 0 : n + n / 255 + 16;
}

/** Length of the common prefix of `a` and `b`, comparing up to `limit - a` bytes. */
// @ts-ignore: decorator
@inline export function matchLength(a: usize, b: usize, limit: usize): usize {
  let start = a;
  while (a + 16 <= limit) {
    let m = i8x16.bitmask(i8x16.eq(v128.load(a), v128.load(b)));
    if (m != 0xffff) return a - start + <usize>ctz(~m);
    a += 16;
    b += 16;
  }
  if (a + 8 <= limit) {
    let d = load<u64>(a) ^ load<u64>(b);
    if (d != 0) return a - start + <usize>(ctz(d) >> 3);
    a += 8;
    b += 8;
  }
  while (a < limit && load<u8>(a) == load<u8>(b)) {
    a++;
    b++;
  }
  return a - start;
}

/** Copy `n` literal bytes; 16-byte wild copies while both sides have 16 bytes of room. */
// @ts-ignore: decorator
@inline export function copyLiterals(op: usize, ip: usize, n: usize, iend: usize, oend: usize): void {
  if (n <= 16 && ip + 16 <= iend && op + 16 <= oend) {
    v128.store(op, v128.load(ip));
  } else if (n <= 32 && ip + 32 <= iend && op + 32 <= oend) {
    v128.store(op, v128.load(ip));
    v128.store(op, v128.load(ip, 16), 16);
  } else {
    memory.copy(op, ip, n);
  }
}

/** Write a length extension (the part of a length beyond its 4-bit token field). */
// @ts-ignore: decorator
@inline export function writeLengthExt(op: usize, rest: usize): usize {
  while (rest >= 255) {
    store<u8>(op, 255);
    op++;
    rest -= 255;
  }
  store<u8>(op, <u8>rest);
  return op + 1;
}

/**
 * End a block with its literal-only last sequence (the bytes from `anchor` to `iend`); returns the block's size
 * from `dst`, or 0 when it does not fit before `oend`.
 */
export function lastLiterals(dst: usize, op: usize, anchor: usize, iend: usize, oend: usize): i32 {
  let n = iend - anchor;
  if (op + 1 + n + (n + 255 - 15) / 255 > oend) return 0;
  if (n >= 15) {
    store<u8>(op, 0xf0);
    op = writeLengthExt(op + 1, n - 15);
  } else {
    store<u8>(op, <u8>(n << 4));
    op++;
  }
  memory.copy(op, anchor, n);
  return <i32>(op + n - dst);
}

/** A sequence's token and literals: the token at `op`, then `litLen` literals from `anchor`; returns the end. */
// @ts-ignore: decorator
@inline export function writeLiteralRun(op: usize, anchor: usize, litLen: usize, iend: usize, oend: usize): usize {
  let p = op + 1;
  if (litLen >= 15) {
    store<u8>(op, 0xf0);
    p = writeLengthExt(p, litLen - 15);
  } else {
    store<u8>(op, <u8>(litLen << 4));
  }
  copyLiterals(p, anchor, litLen, iend, oend);
  return p + litLen;
}

/** A sequence's match: the offset, then `rest` = match length - MINMATCH into the token and its extension. */
// @ts-ignore: decorator
@inline export function writeMatch(op: usize, token: usize, offset: usize, rest: usize): usize {
  store<u16>(op, <u16>offset);
  op += 2;
  if (rest >= 15) {
    store<u8>(token, load<u8>(token) | 15);
    return writeLengthExt(op, rest - 15);
  }
  store<u8>(token, load<u8>(token) | <u8>rest);
  return op;
}

/** Byte offset of the slot for the 4 bytes `seq` in a u32 table of 2^`log` entries (multiplicative hash). */
// @ts-ignore: decorator
@inline export function hash4(seq: u32, log: u32): usize {
  return <usize>((seq * 2654435761) >>> (32 - log)) << 2;
}

/**
 * Tables of positions reused across calls without clearing hold `position + base`, and each call's base lies
 * beyond every earlier entry by more than the match window, so stale entries always look too far. Returns the
 * base for the next input: `generation`, or `window` after clearing the table when bases near the top of u32.
 * The caller then sets generation = base + input length + window.
 */
export function generationBase(generation: u32, table: usize, tableBytes: i32, window: u32): u32 {
  if (generation <= 0x80000000) return generation;
  memory.fill(table, 0, tableBytes);
  return window;
}
