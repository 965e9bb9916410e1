// LZ4 high-compression block compressor (FORMATS.md §6; the block format is LZ4's, only the match search
// differs): hash chains over the 64 KiB window, as liblz4's LZ4HC levels 1-9 search them — up to 2^(level-1)
// candidates per position (at least 2) — with the longest match kept and one step of lazy evaluation (a match
// one byte later that is longer wins). Used inside Blosc for cname "lz4hc" (c-blosc passes clevel as the
// LZ4HC level). Tables are static and reused across calls without clearing: the head table holds `position +
// generation base` (as assembly/lz4.ts), and chain links are only followed to positions of the current input.
import { MINMATCH, LASTLITERALS, MFLIMIT, MAX_DISTANCE, LZ4_MAX_INPUT, matchLength, lastLiterals, writeLiteralRun, writeMatch, hash4, generationBase } from "./lib/lz4/seq";

// @ts-ignore: decorator
@inline const HASH_LOG: u32 = 15;
// @ts-ignore: decorator
@inline const CHAIN_SIZE: i32 = 65536;

/** Head of each hash chain: u32 `position + base` of the latest position with that hash. */
const heads: usize = memory.data(4 << HASH_LOG, 64);
/** Per position (mod 64 Ki): distance back to the previous position with the same hash (0xffff = none nearer). */
const chain: usize = memory.data(2 * CHAIN_SIZE, 64);
let generation: u32 = 65536;

let srcBase: usize = 0;
let nextToUpdate: usize = 0;

/** Insert every position from nextToUpdate up to (not including) `ip` into the chains. */
// @ts-ignore: decorator
@inline function insertUpTo(ip: usize): void {
  let p = nextToUpdate;
  while (p < ip) {
    let slot = heads + hash4(load<u32>(p), HASH_LOG);
    let cur = <u32>(p - srcBase);
    let delta = cur - load<u32>(slot);
    store<u16>(chain + ((<usize>cur & 0xffff) << 1), <u16>(delta > MAX_DISTANCE ? MAX_DISTANCE : delta));
    store<u32>(slot, cur);
    p++;
  }
  nextToUpdate = ip;
}

let bestMatch: usize = 0;

/**
 * The longest match for `ip` among up to `attempts` chain candidates at or after `low`, at least `minLen`
 * long to count; returns its length (0 when none) and leaves its position in bestMatch.
 */
function longestMatch(ip: usize, low: usize, matchlimit: usize, attempts: u32, minLen: usize): usize {
  insertUpTo(ip);
  let best: usize = minLen > <usize>MINMATCH - 1 ? minLen : <usize>MINMATCH - 1;
  let found: usize = 0;
  let cur = <u32>(ip - srcBase);
  let cand = load<u32>(heads + hash4(load<u32>(ip), HASH_LOG));
  // The head is ip itself only after insertUpTo(ip + 1); here it is the latest position before ip.
  let seq = load<u32>(ip);
  while (attempts-- > 0) {
    let dist = cur - cand;
    if (dist == 0 || dist > MAX_DISTANCE) break;
    let m = <usize>cand + srcBase;
    if (m < low) break;
    // Cheap reject: the byte that would extend the best match so far must match first.
    if (load<u8>(m + best) == load<u8>(ip + best) && load<u32>(m) == seq) {
      let len = <usize>MINMATCH + matchLength(ip + MINMATCH, m + MINMATCH, matchlimit);
      if (len > best) {
        best = len;
        found = m;
        if (ip + len >= matchlimit) break;
      }
    }
    let d = <u32>load<u16>(chain + ((<usize>cand & 0xffff) << 1));
    if (d == 0 || d >= MAX_DISTANCE) break;
    cand -= d;
  }
  bestMatch = found;
  return found == 0 ? 0 : best;
}

/**
 * Compress `srcLen` bytes at `src` into one raw LZ4 block at `dst` (at most `dstCap` bytes) with the LZ4HC
 * search of `level` (1-12 as liblz4's HC levels; Blosc passes 1-9). Returns the compressed size, or 0 when
 * the output does not fit in `dstCap` (or the input is larger than LZ4's limit).
 */
export function lz4hcCompress(src: usize, srcLen: usize, dst: usize, dstCap: usize, level: i32): i32 {
  if (srcLen > LZ4_MAX_INPUT) return 0;
  let lv = level < 3 ? 2 : level > 12 ? 12 : level;
  let attempts: u32 = lv < 3 ? 2 : <u32>1 << <u32>(lv - 1);
  let base = generationBase(generation, heads, 4 << HASH_LOG, 65536);
  generation = base + <u32>srcLen + 65536;
  srcBase = src - <usize>base;
  nextToUpdate = src;
  let op = dst;
  let oend = dst + dstCap;
  let anchor = src;
  let iend = src + srcLen;
  if (srcLen < MFLIMIT + 1) {
    return lastLiterals(dst, op, anchor, iend, oend);
  }
  let mflimit = iend - MFLIMIT;
  let matchlimit = iend - LASTLITERALS;
  let ip = src;
  while (ip <= mflimit) {
    let ml = longestMatch(ip, src, matchlimit, attempts, 0);
    if (ml == 0) {
      ip++;
      continue;
    }
    let match = bestMatch;
    // Lazy step: a longer match starting one byte later wins (this byte becomes a literal).
    while (ip + 1 <= mflimit) {
      let ml2 = longestMatch(ip + 1, src, matchlimit, attempts, ml);
      if (ml2 <= ml) break;
      ip++;
      ml = ml2;
      match = bestMatch;
    }
    // Extend backwards over equal bytes not yet emitted.
    while (ip > anchor && match > src && load<u8>(ip - 1) == load<u8>(match - 1)) {
      ip--;
      match--;
      ml++;
    }
    // Sequence: token, literals, offset, match length.
    let litLen = ip - anchor;
    if (op + litLen + (2 + 1 + LASTLITERALS) + litLen / 255 + (ml + 240) / 255 > oend) return 0;
    let token = op;
    op = writeLiteralRun(op, anchor, litLen, iend, oend);
    op = writeMatch(op, token, ip - match, ml - MINMATCH);
    ip += ml;
    anchor = ip;
  }
  return lastLiterals(dst, op, anchor, iend, oend);
}
