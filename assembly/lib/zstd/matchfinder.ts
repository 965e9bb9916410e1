// Match finders, after libzstd's "fast" (one hash table, levels 1-2) and "dfast" (a long 8-byte and a short
// hash table, levels 3+) strategies. Tables hold u32 positions in a frame-spanning index space: position p of
// the current frame has index idxBase + (p - frameSrc), and every frame starts above all earlier indices, so
// entries left by earlier calls are simply < idxBase and ignored — the tables are never cleared per call.
import { storeSeq, countMatch } from "./seqstore";

const HASH_MAX_LOG: u32 = 18;
export const hashTable: usize = memory.data(4 << HASH_MAX_LOG, 64);
export const shortTable: usize = memory.data(4 << HASH_MAX_LOG, 64);

/** Offsets stay below 2^27 (the predefined offset table's reach, and a window every decoder accepts). */
const MAX_DIST: u32 = (1 << 27) - 16;

export let frameSrc: usize = 0;
export let idxBase: u32 = 1;
let nextBase: u32 = 1;
export let rep0: u32 = 1;
export let rep1: u32 = 4;
export let rep2: u32 = 8;
export function setReps(a: u32, b: u32, c: u32): void {
  rep0 = a;
  rep1 = b;
  rep2 = c;
}

export let strategy: u32 = 1; // 1 fast, 2 dfast
export let hashLog: u32 = 14;
export let shortLog: u32 = 14;
export let mls: u32 = 6;
let hashShift: u64 = 16;
let hashPrime: u64 = 0;

const PRIME4: u64 = 0x9e3779b185ebca87;
const PRIME5: u64 = 889523592379;
const PRIME6: u64 = 227718039650203;
const PRIME7: u64 = 58295818150454627;
const PRIME8: u64 = 0xcf1bbcdcb7a56463;

/** Start a frame of `len` bytes at `src`: choose parameters as libzstd does for this level and size. */
export function beginFrame(src: usize, len: usize, level: i32): void {
  if (<u64>nextBase + <u64>len + 64 >= 0xffffffff) {
    memory.fill(hashTable, 0, 4 << HASH_MAX_LOG);
    memory.fill(shortTable, 0, 4 << HASH_MAX_LOG);
    nextBase = 1;
  }
  frameSrc = src;
  idxBase = nextBase;
  nextBase += <u32>len + 1;
  rep0 = 1;
  rep1 = 4;
  rep2 = 8;
  if (level < 1) level = 1;
  if (level > 4) level = 4;
  // libzstd's parameter rows for levels 1-4 (clevels.h), by source size class: hashLog, chainLog, minMatch.
  // One deviation: level 3 above 256 KiB uses tables of 2^16/2^15 entries instead of 2^17/2^16 — in WASM the
  // smaller tables stay in cache (about 30% faster on D1) for about 0.5% larger output.
  let h: u32, c: u32, m: u32, s: u32;
  if (len > 256 * 1024) {
    h = level == 1 ? 14 : level == 2 ? 16 : level == 3 ? 16 : 18;
    c = level == 1 ? 13 : level == 2 ? 15 : level == 3 ? 15 : 18;
    m = level == 1 ? 7 : level == 2 ? 6 : 5;
    s = level >= 3 ? 2 : 1;
  } else if (len > 128 * 1024) {
    h = level == 1 ? 14 : level == 2 ? 14 : level == 3 ? 16 : 17;
    c = level == 1 ? 13 : level == 2 ? 14 : 16;
    m = level == 1 ? 6 : level == 2 ? 5 : level == 3 ? 4 : 5;
    s = level >= 2 ? 2 : 1;
  } else if (len > 16 * 1024) {
    h = level == 1 ? 13 : level == 2 ? 15 : level == 3 ? 16 : 17;
    c = level == 1 ? 12 : level == 2 ? 13 : level == 3 ? 15 : 17;
    m = level == 1 ? 6 : level == 2 ? 5 : level == 3 ? 5 : 4;
    s = level >= 3 ? 2 : 1;
  } else {
    h = level == 4 ? 14 : 15;
    c = 14;
    m = level == 1 ? 5 : 4;
    s = level >= 3 ? 2 : 1;
  }
  // Small inputs: tables no larger than the input warrants (libzstd's adjustment to the window).
  let wlog: u32 = len <= 1 ? 10 : 32 - clz<u32>(<u32>len - 1);
  if (wlog < 10) wlog = 10;
  if (h > wlog + 1) h = wlog + 1;
  if (c > wlog) c = wlog;
  strategy = s;
  hashLog = h;
  shortLog = c;
  mls = m;
  setHash(s == 1 ? m : 8);
}

function setHash(bytes: u32): void {
  hashShift = <u64>(64 - 8 * bytes);
  hashPrime = bytes == 4 ? PRIME4 : bytes == 5 ? PRIME5 : bytes == 6 ? PRIME6 : bytes == 7 ? PRIME7 : PRIME8;
}

// @ts-ignore: decorator
@inline function hashAt(p: usize, shift: u64, prime: u64, hbits: u64): usize {
  return <usize>(((load<u64>(p) << shift) * prime) >> hbits);
}

/**
 * The "fast" strategy over the block [istart, iend): positions are probed in adjacent pairs with a step that
 * grows by one every 128 bytes without a match; the repeat offset is tried two positions ahead. Returns the
 * number of trailing literals (iend - last anchor).
 */
export function fastBlock(istart: usize, iend: usize): usize {
  let shift = hashShift;
  let prime = hashPrime;
  let hbits = <u64>(64 - hashLog);
  let table = hashTable;
  let fsrc = frameSrc;
  // Index of pointer q is q - base (u32 arithmetic wraps as wasm32 pointers do); position of index i is base + i.
  let base = fsrc - <usize>idxBase;
  let ilimit = iend - 8;
  let anchor = istart;
  let ip0 = istart;
  if (ip0 == fsrc) ip0++;
  // Candidates below lowIdx are outside the frame or farther than MAX_DIST from some position of this block.
  let lowIdx = idxBase;
  if (<u32>(iend - fsrc) > MAX_DIST) lowIdx = <u32>(iend - base) - MAX_DIST;
  // Repeat offsets usable from this block's start (a larger one would reach before the frame).
  let maxRep = <u32>(ip0 - fsrc);
  if (maxRep > MAX_DIST) maxRep = MAX_DIST;
  let r1 = rep0 <= maxRep ? rep0 : 0;
  let r2 = rep1 <= maxRep ? rep1 : 0;
  let stepSize: usize = 2;

  while (true) {
    // _start
    let step = stepSize;
    let nextStep = ip0 + 128;
    let ip1 = ip0 + 1;
    let ip2 = ip0 + step;
    let ip3 = ip2 + 1;
    if (ip3 >= ilimit) break;
    let h0 = hashAt(ip0, shift, prime, hbits);
    let h1 = hashAt(ip1, shift, prime, hbits);
    let mIdx = load<u32>(table + (h0 << 2));
    let matchPos: usize = 0;
    let mLen: usize = 0;
    let offBase: u32 = 0;
    let found = 0; // 1 = new offset at ip0 (mIdx), 2 = repeat at ip0
    let cur0: u32 = 0;
    do {
      let rval = load<u32>(ip2 - r1);
      cur0 = <u32>(ip0 - base);
      store<u32>(table + (h0 << 2), cur0);
      if ((load<u32>(ip2) == rval) & (r1 > 0)) {
        ip0 = ip2;
        matchPos = ip0 - r1;
        let back: usize = load<u8>(ip0 - 1) == load<u8>(matchPos - 1) ? 1 : 0;
        ip0 -= back;
        matchPos -= back;
        mLen = back + 4;
        offBase = 1;
        store<u32>(table + (h1 << 2), <u32>(ip1 - base));
        found = 2;
        break;
      }
      if (mIdx >= lowIdx && load<u32>(base + <usize>mIdx) == load<u32>(ip0)) {
        store<u32>(table + (h1 << 2), <u32>(ip1 - base));
        found = 1;
        break;
      }
      mIdx = load<u32>(table + (h1 << 2));
      h0 = h1;
      h1 = hashAt(ip2, shift, prime, hbits);
      ip0 = ip1;
      ip1 = ip2;
      ip2 = ip3;
      cur0 = <u32>(ip0 - base);
      store<u32>(table + (h0 << 2), cur0);
      if (mIdx >= lowIdx && load<u32>(base + <usize>mIdx) == load<u32>(ip0)) {
        if (step <= 4) store<u32>(table + (h1 << 2), <u32>(ip1 - base));
        found = 1;
        break;
      }
      mIdx = load<u32>(table + (h1 << 2));
      h0 = h1;
      h1 = hashAt(ip2, shift, prime, hbits);
      ip0 = ip1;
      ip1 = ip2;
      ip2 = ip0 + step;
      ip3 = ip1 + step;
      if (ip2 >= nextStep) {
        step++;
        nextStep += 128;
      }
    } while (ip3 < ilimit);
    if (found == 0) break;
    if (found == 1) {
      matchPos = base + <usize>mIdx;
      r2 = r1;
      r1 = <u32>(ip0 - matchPos);
      offBase = r1 + 3;
      mLen = 4;
      while (ip0 > anchor && matchPos > fsrc && load<u8>(ip0 - 1) == load<u8>(matchPos - 1)) {
        ip0--;
        matchPos--;
        mLen++;
      }
    }
    mLen += countMatch(ip0 + mLen, matchPos + mLen, iend);
    storeSeq(anchor, ip0 - anchor, offBase, mLen, iend);
    ip0 += mLen;
    anchor = ip0;
    if (ip0 <= ilimit) {
      store<u32>(table + (hashAt(base + <usize>(cur0 + 2), shift, prime, hbits) << 2), cur0 + 2);
      store<u32>(table + (hashAt(ip0 - 2, shift, prime, hbits) << 2), <u32>(ip0 - 2 - base));
      if (r2 > 0) {
        while (ip0 <= ilimit && load<u32>(ip0) == load<u32>(ip0 - r2)) {
          let rl = countMatch(ip0 + 4, ip0 + 4 - r2, iend) + 4;
          let t = r2;
          r2 = r1;
          r1 = t;
          store<u32>(table + (hashAt(ip0, shift, prime, hbits) << 2), <u32>(ip0 - base));
          storeSeq(anchor, 0, 1, rl, iend);
          ip0 += rl;
          anchor = ip0;
        }
      }
    }
  }
  return iend - anchor;
}

/**
 * The "dfast" strategy over [istart, iend): an 8-byte hash (hashTable) and an `mls`-byte hash (shortTable) per
 * position; a short match is extended and compared with the long candidate one position ahead. Step grows by
 * one every 256 bytes without a match. Returns the number of trailing literals.
 */
export function dfastBlock(istart: usize, iend: usize): usize {
  let lt = hashTable;
  let st = shortTable;
  let hbL = <u64>(64 - hashLog);
  let hbS = <u64>(64 - shortLog);
  let sShift = <u64>(64 - 8 * mls);
  let sPrime = mls == 4 ? PRIME4 : mls == 5 ? PRIME5 : mls == 6 ? PRIME6 : mls == 7 ? PRIME7 : PRIME8;
  let baseIdx = idxBase;
  let fsrc = frameSrc;
  let ilimit = iend - 8;
  let anchor = istart;
  let ip = istart;
  if (ip == fsrc) ip++;
  let maxRep = <u32>(ip - fsrc);
  if (maxRep > MAX_DIST) maxRep = MAX_DIST;
  let r1 = rep0 <= maxRep ? rep0 : 0;
  let r2 = rep1 <= maxRep ? rep1 : 0;

  while (true) {
    let step: usize = 1;
    let nextStep = ip + 256;
    let ip1 = ip + step;
    if (ip1 > ilimit) break;
    let hl0 = hashAt(ip, 0, PRIME8, hbL);
    let idxl0 = load<u32>(lt + (hl0 << 2));
    let hl1: usize = 0;
    let idxl1: u32 = 0;
    let cur: u32 = 0;
    let mLen: usize = 0;
    let offset: u32 = 0;
    let kind = 0; // 1 = repeat stored, 2 = long match at ip, 3 = short match at ip
    let idxs0: u32 = 0;
    do {
      let lowIdx = <u32>(ip - fsrc) > MAX_DIST ? baseIdx + <u32>(ip - fsrc) - MAX_DIST : baseIdx;
      let hs0 = hashAt(ip, sShift, sPrime, hbS);
      idxs0 = load<u32>(st + (hs0 << 2));
      cur = baseIdx + <u32>(ip - fsrc);
      store<u32>(lt + (hl0 << 2), cur);
      store<u32>(st + (hs0 << 2), cur);
      if ((r1 > 0) & (load<u32>(ip + 1 - r1) == load<u32>(ip + 1))) {
        mLen = countMatch(ip + 5, ip + 5 - r1, iend) + 4;
        ip++;
        storeSeq(anchor, ip - anchor, 1, mLen, iend);
        kind = 1;
        break;
      }
      hl1 = hashAt(ip1, 0, PRIME8, hbL);
      if (idxl0 >= lowIdx) {
        let ml0 = fsrc + <usize>(idxl0 - baseIdx);
        if (load<u64>(ml0) == load<u64>(ip)) {
          mLen = countMatch(ip + 8, ml0 + 8, iend) + 8;
          offset = <u32>(ip - ml0);
          while (ip > anchor && ml0 > fsrc && load<u8>(ip - 1) == load<u8>(ml0 - 1)) {
            ip--;
            ml0--;
            mLen++;
          }
          kind = 2;
          break;
        }
      }
      idxl1 = load<u32>(lt + (hl1 << 2));
      if (idxs0 >= lowIdx && load<u32>(fsrc + <usize>(idxs0 - baseIdx)) == load<u32>(ip)) {
        kind = 3;
        break;
      }
      if (ip1 >= nextStep) {
        step++;
        nextStep += 256;
      }
      ip = ip1;
      ip1 += step;
      hl0 = hl1;
      idxl0 = idxl1;
    } while (ip1 <= ilimit);
    if (kind == 0) break;
    if (kind >= 2) {
      if (kind == 3) {
        let ms0 = fsrc + <usize>(idxs0 - baseIdx);
        mLen = countMatch(ip + 4, ms0 + 4, iend) + 4;
        offset = <u32>(ip - ms0);
        let lowIdx1 = <u32>(ip1 - fsrc) > MAX_DIST ? baseIdx + <u32>(ip1 - fsrc) - MAX_DIST : baseIdx;
        if (idxl1 > lowIdx1) {
          let ml1 = fsrc + <usize>(idxl1 - baseIdx);
          if (load<u64>(ml1) == load<u64>(ip1)) {
            let l1 = countMatch(ip1 + 8, ml1 + 8, iend) + 8;
            if (l1 > mLen) {
              ip = ip1;
              mLen = l1;
              offset = <u32>(ip - ml1);
              ms0 = ml1;
            }
          }
        }
        while (ip > anchor && ms0 > fsrc && load<u8>(ip - 1) == load<u8>(ms0 - 1)) {
          ip--;
          ms0--;
          mLen++;
        }
      }
      r2 = r1;
      r1 = offset;
      if (step < 4) store<u32>(lt + (hl1 << 2), baseIdx + <u32>(ip1 - fsrc));
      storeSeq(anchor, ip - anchor, offset + 3, mLen, iend);
    }
    ip += mLen;
    anchor = ip;
    if (ip <= ilimit) {
      let ins = cur + 2;
      let pIns = fsrc + <usize>(ins - baseIdx);
      store<u32>(lt + (hashAt(pIns, 0, PRIME8, hbL) << 2), ins);
      store<u32>(lt + (hashAt(ip - 2, 0, PRIME8, hbL) << 2), baseIdx + <u32>(ip - 2 - fsrc));
      store<u32>(st + (hashAt(pIns, sShift, sPrime, hbS) << 2), ins);
      store<u32>(st + (hashAt(ip - 1, sShift, sPrime, hbS) << 2), baseIdx + <u32>(ip - 1 - fsrc));
      while (ip <= ilimit && (r2 > 0) & (load<u32>(ip) == load<u32>(ip - r2))) {
        let rl = countMatch(ip + 4, ip + 4 - r2, iend) + 4;
        let t = r2;
        r2 = r1;
        r1 = t;
        let ci = baseIdx + <u32>(ip - fsrc);
        store<u32>(st + (hashAt(ip, sShift, sPrime, hbS) << 2), ci);
        store<u32>(lt + (hashAt(ip, 0, PRIME8, hbL) << 2), ci);
        storeSeq(anchor, 0, 1, rl, iend);
        ip += rl;
        anchor = ip;
      }
    }
  }
  return iend - anchor;
}
