// LZ4 block compressor (FORMATS.md §6): greedy single-probe hash matching as liblz4's LZ4_compress_fast, with
// its acceleration rule (after 64·acceleration misses the step grows by one). The hash table is static and
// reused across calls without clearing: entries hold `position + generation base`, and the base advances by
// the input length + 64 KiB per call, so stale entries always look farther than the 65535-byte window.

// @ts-ignore: decorator
@inline const MINMATCH: u32 = 4;
// @ts-ignore: decorator
@inline const LASTLITERALS: usize = 5;
// @ts-ignore: decorator
@inline const MFLIMIT: usize = 12;
// @ts-ignore: decorator
@inline const MAX_DISTANCE: u32 = 65535;
/** 4096 u32 entries = 16 KiB, liblz4's default (LZ4_MEMORY_USAGE 14): stays in L1; a 64 KiB table found
 *  2 % more matches on shuffled floats but ran measurably slower. */
// @ts-ignore: decorator
@inline const HASH_LOG: u32 = 12;
// @ts-ignore: decorator
@inline const SKIP_TRIGGER: u32 = 6;
/** Largest input liblz4 (and numcodecs) accept. */
// @ts-ignore: decorator
@inline const LZ4_MAX_INPUT: usize = 0x7e000000;

const table: usize = memory.data(4 << HASH_LOG, 64);
let generation: u32 = 65536;

// @ts-ignore: decorator
@inline function hashOf(seq: u32): usize {
  return <usize>((seq * 2654435761) >>> (32 - HASH_LOG)) << 2;
}

/** Worst-case compressed size of `n` bytes (LZ4_COMPRESSBOUND); 0 when `n` is too large for LZ4. */
export function lz4CompressBound(n: usize): usize {
  return n > LZ4_MAX_INPUT ? 0 : n + n / 255 + 16;
}

/** Length of the common prefix of `a` and `b`, comparing up to `limit - a` bytes. */
// @ts-ignore: decorator
@inline function matchLength(a: usize, b: usize, limit: usize): usize {
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
@inline function copyLiterals(op: usize, ip: usize, n: usize, iend: usize, oend: usize): void {
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
@inline function writeLengthExt(op: usize, rest: usize): usize {
  while (rest >= 255) {
    store<u8>(op, 255);
    op++;
    rest -= 255;
  }
  store<u8>(op, <u8>rest);
  return op + 1;
}

/** Final literal-only sequence; returns the end of output or 0 when it does not fit. */
function lastLiterals(op: usize, anchor: usize, iend: usize, oend: usize): usize {
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
  return op + n;
}

/**
 * Compress `srcLen` bytes at `src` into one raw LZ4 block at `dst` (at most `dstCap` bytes). `acceleration` as
 * liblz4 (< 1 means 1; larger is faster, fewer matches). Returns the compressed size, or 0 when the output
 * does not fit in `dstCap` (or the input is larger than LZ4's limit).
 */
export function lz4Compress(src: usize, srcLen: usize, dst: usize, dstCap: usize, acceleration: i32): i32 {
  if (srcLen > LZ4_MAX_INPUT) return 0;
  let accel: u32 = acceleration < 1 ? 1 : acceleration > 65537 ? 65537 : <u32>acceleration;
  let base = generation;
  if (base > 0x80000000) {
    memory.fill(table, 0, 4 << HASH_LOG);
    base = 65536;
  }
  generation = base + <u32>srcLen + 65536;
  // Positions are stored as `p - srcBase` = offset + base (wrapping arithmetic: usize is 32-bit).
  let srcBase = src - <usize>base;
  let op = dst;
  let oend = dst + dstCap;
  let anchor = src;
  let iend = src + srcLen;
  if (srcLen < MFLIMIT + 1) {
    let r = lastLiterals(op, anchor, iend, oend);
    return r == 0 ? 0 : <i32>(r - dst);
  }
  let mflimit = iend - MFLIMIT;
  let matchlimit = iend - LASTLITERALS;
  let ip = src;
  store<u32>(table + hashOf(load<u32>(ip)), <u32>(ip - srcBase));
  ip++;
  let forwardH = hashOf(load<u32>(ip));

  while (true) {
    // Find a match: probe, then skip faster and faster through incompressible runs.
    let match: usize = 0;
    {
      let forwardIp = ip;
      let step: usize = 1;
      let searchMatchNb: u32 = accel << SKIP_TRIGGER;
      while (true) {
        let h = forwardH;
        ip = forwardIp;
        forwardIp += step;
        step = <usize>(searchMatchNb++ >> SKIP_TRIGGER);
        if (forwardIp > mflimit) {
          let r = lastLiterals(op, anchor, iend, oend);
          return r == 0 ? 0 : <i32>(r - dst);
        }
        let slot = table + h;
        let cand = load<u32>(slot);
        let cur = <u32>(ip - srcBase);
        forwardH = hashOf(load<u32>(forwardIp));
        store<u32>(slot, cur);
        if (cur - cand <= MAX_DISTANCE) {
          match = <usize>cand + srcBase;
          if (load<u32>(match) == load<u32>(ip)) break;
        }
      }
    }
    // Extend backwards over equal bytes not yet emitted.
    while (ip > anchor && match > src && load<u8>(ip - 1) == load<u8>(match - 1)) {
      ip--;
      match--;
    }
    // Literals.
    let litLen = ip - anchor;
    if (op + litLen + (2 + 1 + LASTLITERALS) + litLen / 255 > oend) return 0;
    let token = op;
    op++;
    if (litLen >= 15) {
      store<u8>(token, 0xf0);
      op = writeLengthExt(op, litLen - 15);
    } else {
      store<u8>(token, <u8>(litLen << 4));
    }
    copyLiterals(op, anchor, litLen, iend, oend);
    op += litLen;

    while (true) {
      // Match: offset, then its length.
      store<u16>(op, <u16>(ip - match));
      op += 2;
      let ml = matchLength(ip + MINMATCH, match + MINMATCH, matchlimit);
      ip += ml + MINMATCH;
      if (op + (1 + LASTLITERALS) + (ml + 240) / 255 > oend) return 0;
      if (ml >= 15) {
        store<u8>(token, load<u8>(token) | 15);
        op = writeLengthExt(op, ml - 15);
      } else {
        store<u8>(token, load<u8>(token) | <u8>ml);
      }
      anchor = ip;
      if (ip > mflimit) {
        let r = lastLiterals(op, anchor, iend, oend);
        return r == 0 ? 0 : <i32>(r - dst);
      }
      // Index a position inside the match, then try an immediate next match (no literals).
      store<u32>(table + hashOf(load<u32>(ip - 2)), <u32>(ip - 2 - srcBase));
      let slot = table + hashOf(load<u32>(ip));
      let cand = load<u32>(slot);
      let cur = <u32>(ip - srcBase);
      store<u32>(slot, cur);
      if (cur - cand <= MAX_DISTANCE) {
        match = <usize>cand + srcBase;
        if (load<u32>(match) == load<u32>(ip)) {
          token = op;
          store<u8>(token, 0);
          op++;
          continue;
        }
      }
      break;
    }
    ip++;
    forwardH = hashOf(load<u32>(ip));
  }
  return 0;
}

/** numcodecs' LZ4 framing (§6.3): u32le uncompressed size, then the raw block. Returns total bytes or 0. */
export function lz4CompressFramed(src: usize, srcLen: usize, dst: usize, dstCap: usize, acceleration: i32): i32 {
  if (dstCap < 4 || srcLen > LZ4_MAX_INPUT) return 0;
  store<u32>(dst, <u32>srcLen);
  let n = lz4Compress(src, srcLen, dst + 4, dstCap - 4, acceleration);
  return n <= 0 ? 0 : n + 4;
}
