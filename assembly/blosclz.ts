// BloscLZ streams (Blosc cname "blosclz", format code 0), written to the format c-blosc's blosclz_decompress
// reads (FastLZ-derived):
//   - the first byte starts a literal run; its bit 5 marks BloscLZ and is masked off by the decoder;
//   - ctrl < 32: a literal run of ctrl + 1 bytes (at most 32) follows;
//   - ctrl >= 32: a match of length M >= 3 at distance D >= 1, d = D - 1. The top 3 bits hold min(M - 2, 7).
//     When they are 7, bytes of M - 9 follow (255 while more, then the rest). The low 5 bits hold d >> 8, and
//     a byte d & 255 follows, when d < 8191. Otherwise the low 5 bits are 31, the byte is 255, and two bytes
//     (big-endian) hold d - 8191, which reaches 65535 + 8191.
// The match search is our own: greedy, a 4-byte hash with the same generation-based table reuse as
// assembly/lz4.ts, runs (distance 1) checked first as c-blosc does. The clevel means what it means to c-blosc's
// BloscLZ: the stream is given up (and Blosc stores it raw) when the output passes a fraction of the input
// (0.1 at clevel 1 up to 1.0 at 8-9), or when too many bytes go by without a match (32 at clevel 1, 2 KiB at
// 9). Incompressible streams are thus left quickly.
import { matchLength, hash4, generationBase, writeLengthExt } from "./lib/lz4/seq";

// @ts-ignore: decorator
@inline const HASH_LOG: u32 = 12; // 16 KiB: stays in L1 (2^14 entries ran 35% slower for the same output)
// @ts-ignore: decorator
@inline const MAX_COPY: usize = 32;
// @ts-ignore: decorator
@inline const MAX_DISTANCE: usize = 8191;
/** Largest encodable d (= distance - 1): 65535 + 8191. */
// @ts-ignore: decorator
@inline const MAX_FAR: usize = 65535 + 8191;
/** Matches end this many bytes before the end of the input; the last bytes are literals. */
// @ts-ignore: decorator
@inline const TAIL: usize = 12;

const table: usize = memory.data(4 << HASH_LOG, 64);
/** Per clevel 0-9: output limit as a fraction of the input, and full literal runs allowed without a match. */
const MAXLEN: StaticArray<f64> = [0, 0.1, 0.2, 0.3, 0.4, 0.6, 0.9, 0.95, 1.0, 1.0];
const MAXRUNS: StaticArray<u32> = [255, 0, 8, 8, 16, 32, 32, 32, 32, 64];
let generation: u32 = 1 << 17;

/** Literal runs for `n` bytes at `src`; returns the new output end, or 0 when past `oend`. */
// @ts-ignore: decorator
@inline function literals(op: usize, src: usize, n: usize, oend: usize): usize {
  while (n > 0) {
    let run = n < MAX_COPY ? n : MAX_COPY;
    if (op + 1 + run > oend) return 0;
    store<u8>(op, <u8>(run - 1));
    memory.copy(op + 1, src, run);
    op += 1 + run;
    src += run;
    n -= run;
  }
  return op;
}

/**
 * Compress `len` bytes at `src` into a BloscLZ stream at `dst` (at most `cap` bytes) at Blosc's `clevel`.
 * Returns its size, or 0 when it does not fit or is given up (Blosc then stores the stream raw), or when the
 * input is shorter than 4 bytes.
 */
export function blosclzCompress(src: usize, len: usize, dst: usize, cap: usize, clevel: i32): i32 {
  if (len < 4 || cap < 66) return 0;
  let cl = clevel < 1 ? 1 : clevel > 9 ? 9 : clevel;
  let maxOut = <usize>(<f64>len * MAXLEN[cl]);
  if (maxOut < cap) cap = maxOut;
  let giveUp = MAX_COPY * (<usize>MAXRUNS[cl] + 1);
  let base = generationBase(generation, table, 4 << HASH_LOG, 1 << 17);
  generation = base + <u32>len + (1 << 17);
  let srcBase = src - <usize>base;
  let op = dst;
  let oend = dst + cap;
  let iend = src + len;
  let limit = iend - TAIL;
  let matchEnd = iend - 5;
  // The first instruction must be a literal run: take at least one literal before searching.
  let anchor = src;
  let ip = src + 1;
  while (ip < limit) {
    if (ip - anchor > giveUp) return 0;
    let match: usize = 0;
    if (load<u8>(ip) == load<u8>(ip - 1) && load<u16>(ip - 1) == load<u16>(ip + 1)) {
      match = ip - 1; // a run: distance 1
    } else {
      let slot = table + hash4(load<u32>(ip), HASH_LOG);
      let cand = load<u32>(slot);
      let cur = <u32>(ip - srcBase);
      store<u32>(slot, cur);
      let dist = <usize>(cur - cand);
      if (dist == 0 || dist - 1 > MAX_FAR || load<u32>(<usize>cand + srcBase) != load<u32>(ip)) {
        // Step faster the longer no match is found (liblz4's rule: one more byte per 64 misses).
        ip += 1 + ((ip - anchor) >> 6);
        continue;
      }
      match = <usize>cand + srcBase;
    }
    let mlen: usize = 3 + matchLength(ip + 3, match + 3, matchEnd);
    // Literals up to the match, then the match.
    op = literals(op, anchor, ip - anchor, oend);
    if (op == 0 || op + 6 + mlen / 255 > oend) return 0;
    let d = ip - match - 1;
    let lenField = mlen - 2;
    let far = d >= MAX_DISTANCE;
    let dcode = far ? d - MAX_DISTANCE : d;
    let hi: usize = far ? 31 : d >> 8;
    if (lenField < 7) {
      store<u8>(op, <u8>((lenField << 5) | hi));
      op++;
    } else {
      store<u8>(op, <u8>((7 << 5) | hi));
      op = writeLengthExt(op + 1, mlen - 9);
    }
    if (far) {
      store<u8>(op, 255);
      store<u8>(op, <u8>(dcode >> 8), 1);
      store<u8>(op, <u8>dcode, 2);
      op += 3;
    } else {
      store<u8>(op, <u8>dcode);
      op++;
    }
    ip += mlen;
    anchor = ip;
    // Index the match's last position, so a repeat right after it can be found.
    if (ip < limit) store<u32>(table + hash4(load<u32>(ip - 1), HASH_LOG), <u32>(ip - 1 - srcBase));
  }
  op = literals(op, anchor, iend - anchor, oend);
  if (op == 0) return 0;
  // The BloscLZ marker on the first instruction (a literal run, so bit 5 is otherwise clear).
  store<u8>(dst, load<u8>(dst) | 32);
  return <i32>(op - dst);
}
