// Compressed-block encoder: match finding, then the literals section and the sequences section with each of
// the LL/OF/ML columns coded by the predefined table, RLE or a new FSE table, whichever costs least
// (FORMATS.md §7.6-7.10, §7.13-7.15).
import { resetSeqStore, copyLiterals, litBuf, litEnd, nbSeq, seqLL, seqML, seqOB, MAX_SEQ } from "./seqstore";
import { fastBlock, dfastBlock, strategy, rep0, rep1, rep2, setReps } from "./matchfinder";
import { writeLiterals, commitLiterals, resetLiterals } from "./literals";
import { buildCTable, normalizeCount, writeNCount, optimalTableLog, initState, highbit, CTABLE_SIZE, CT_STATES, CT_SYMTT } from "./fse";

export const BLOCK_SCRATCH_SIZE: usize = 3 * 131072 + 1024;

const llCodes: usize = memory.data(<i32>MAX_SEQ, 64);
const mlCodes: usize = memory.data(<i32>MAX_SEQ, 64);
const ofCodes: usize = memory.data(<i32>MAX_SEQ, 64);
const llCount: usize = memory.data(64 * 4, 64);
const mlCount: usize = memory.data(64 * 4, 64);
const ofCount: usize = memory.data(64 * 4, 64);
const norm: usize = memory.data(64 * 2, 64);
const llCT: usize = memory.data(<i32>CTABLE_SIZE, 64);
const mlCT: usize = memory.data(<i32>CTABLE_SIZE, 64);
const ofCT: usize = memory.data(<i32>CTABLE_SIZE, 64);
const llDefCT: usize = memory.data(<i32>CTABLE_SIZE, 64);
const mlDefCT: usize = memory.data(<i32>CTABLE_SIZE, 64);
const ofDefCT: usize = memory.data(<i32>CTABLE_SIZE, 64);
const log2Table: usize = memory.data(513 * 4, 64); // f32 log2(i), i = 0..512

// Code tables (FORMATS.md §7.7).
const LL_CODE: usize = memory.data<u8>([
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 16, 17, 17, 18, 18, 19, 19, 20, 20, 20, 20, 21, 21, 21, 21,
  22, 22, 22, 22, 22, 22, 22, 22, 23, 23, 23, 23, 23, 23, 23, 23, 24, 24, 24, 24, 24, 24, 24, 24, 24, 24, 24, 24, 24, 24, 24, 24,
]);
const ML_CODE: usize = memory.data<u8>([
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31,
  32, 32, 33, 33, 34, 34, 35, 35, 36, 36, 36, 36, 37, 37, 37, 37, 38, 38, 38, 38, 38, 38, 38, 38, 39, 39, 39, 39, 39, 39, 39, 39,
  40, 40, 40, 40, 40, 40, 40, 40, 40, 40, 40, 40, 40, 40, 40, 40, 41, 41, 41, 41, 41, 41, 41, 41, 41, 41, 41, 41, 41, 41, 41, 41,
  42, 42, 42, 42, 42, 42, 42, 42, 42, 42, 42, 42, 42, 42, 42, 42, 42, 42, 42, 42, 42, 42, 42, 42, 42, 42, 42, 42, 42, 42, 42, 42,
]);
const LL_BITS: usize = memory.data<u8>([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 3, 3, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
const LL_BASE: usize = memory.data<u32>([
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 18, 20, 22, 24, 28, 32, 40, 48, 64, 128, 256, 512, 1024, 2048, 4096,
  8192, 16384, 32768, 65536,
]);
const ML_BITS: usize = memory.data<u8>([
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  1, 1, 1, 1, 2, 2, 3, 3, 4, 4, 5, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
]);
const ML_BASE: usize = memory.data<u32>([
  3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34,
  35, 37, 39, 41, 43, 47, 51, 59, 67, 83, 99, 131, 259, 515, 1027, 2051, 4099, 8195, 16387, 32771, 65539,
]);
// Predefined distributions (FORMATS.md §7.9).
const LL_DEF: usize = memory.data<i16>([
  4, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 2, 1, 1, 1, 1, 1, -1, -1, -1, -1,
]);
const ML_DEF: usize = memory.data<i16>([
  1, 4, 3, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1, -1, -1,
]);
const OF_DEF: usize = memory.data<i16>([
  1, 1, 1, 1, 1, 1, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1,
]);

let initialized = false;
function init(): void {
  buildCTable(llDefCT, LL_DEF, 35, 6);
  buildCTable(mlDefCT, ML_DEF, 52, 6);
  buildCTable(ofDefCT, OF_DEF, 28, 5);
  store<f32>(log2Table, 0);
  for (let i = 1; i <= 512; i++) store<f32>(log2Table + (<usize>i << 2), <f32>Math.log2(<f64>i));
  initialized = true;
}

export function beginBlocks(): void {
  if (!initialized) init();
  resetLiterals();
}

// @ts-ignore: decorator
@inline function lg(i: u32): f32 {
  return load<f32>(log2Table + (<usize>i << 2));
}

/** Bits to code `count` (u32[maxSym+1], total n) with normalized table `nm` of log `tl`; -1 if a symbol is missing. */
function tableCost(count: usize, maxSym: u32, nm: usize, nmMax: u32, tl: u32): f32 {
  let bits: f32 = 0;
  for (let s: u32 = 0; s <= maxSym; s++) {
    let c = load<u32>(count + (<usize>s << 2));
    if (c == 0) continue;
    if (s > nmMax) return -1;
    let p = <i32>load<i16>(nm + (<usize>s << 1));
    if (p == 0) return -1;
    if (p < 0) p = 1;
    bits += <f32>c * (<f32>tl - lg(<u32>p));
  }
  return bits;
}

/**
 * Choose and write one column's table after the modes byte: returns (mode << 16 | bytes written). `ct` is
 * filled for FSE mode; the caller picks the predefined or RLE table for the other modes.
 */
function chooseTable(op: usize, count: usize, maxSym: u32, n: u32, lastCode: u32, ct: usize, defNorm: usize, defMax: u32, defLog: u32, maxLog: u32): u32 {
  let largest: u32 = 0;
  let big: u32 = 0;
  for (let s: u32 = 0; s <= maxSym; s++) {
    let c = load<u32>(count + (<usize>s << 2));
    if (c > largest) {
      largest = c;
      big = s;
    }
  }
  if (largest == n) {
    if (n <= 2 && maxSym <= defMax) return 0;
    store<u8>(op, <u8>big);
    return (1 << 16) | 1;
  }
  let defCost = tableCost(count, maxSym, defNorm, defMax, defLog);
  if (n < 16 && defCost >= 0) return 0;
  // A new table: libzstd's accuracy and normalization; the last sequence's code is coded by the free initial state.
  let total = n;
  let lc = count + (<usize>lastCode << 2);
  let adj = load<u32>(lc) > 1;
  if (adj) {
    store<u32>(lc, load<u32>(lc) - 1);
    total--;
  }
  let tl = optimalTableLog(maxLog, total, maxSym, 2);
  normalizeCount(norm, tl, count, total, maxSym, total >= 2048);
  if (adj) store<u32>(lc, load<u32>(lc) + 1);
  let size = writeNCount(op, norm, maxSym, tl);
  let newCost = tableCost(count, maxSym, norm, maxSym, tl) + <f32>(size * 8);
  if (defCost >= 0 && defCost <= newCost) return 0;
  buildCTable(ct, norm, maxSym, tl);
  return (2 << 16) | <u32>size;
}

/** Write a compressed block body for `n` bytes at `ip` into `op`; returns its size (0 = store raw instead). */
export function compressBlock(ip: usize, n: usize, op: usize): usize {
  if (n < 12) return 0;
  resetSeqStore();
  let iend = ip + n;
  let last = strategy == 1 ? fastBlock(ip, iend) : dfastBlock(ip, iend);
  copyLiterals(iend - last, last, iend);
  let p = op + writeLiterals(op, litBuf, litEnd - litBuf);
  let ns = nbSeq;
  // Number_of_Sequences.
  if (ns < 128) {
    store<u8>(p, <u8>ns);
    p++;
  } else if (ns < 0x7f00) {
    store<u8>(p, <u8>((ns >> 8) + 0x80));
    store<u8>(p, <u8>ns, 1);
    p += 2;
  } else {
    store<u8>(p, 0xff);
    store<u16>(p, <u16>(ns - 0x7f00), 1);
    p += 3;
  }
  if (ns == 0) {
    commitBlock(rep0, rep1, rep2);
    return p - op;
  }
  // Codes, histograms, and the repeat offsets the decoder will hold after this block.
  memory.fill(llCount, 0, 64 * 4);
  memory.fill(mlCount, 0, 64 * 4);
  memory.fill(ofCount, 0, 64 * 4);
  let r0 = rep0;
  let r1 = rep1;
  let r2 = rep2;
  let llMax: u32 = 0;
  let mlMax: u32 = 0;
  let ofMax: u32 = 0;
  for (let i: u32 = 0; i < ns; i++) {
    let o = <usize>i << 2;
    let ll = load<u32>(seqLL + o);
    let ml = load<u32>(seqML + o) - 3;
    let ob = load<u32>(seqOB + o);
    let lc = ll < 64 ? <u32>load<u8>(LL_CODE + ll) : highbit(ll) + 19;
    let mc = ml < 128 ? <u32>load<u8>(ML_CODE + ml) : highbit(ml) + 36;
    let oc = highbit(ob);
    store<u8>(llCodes + i, <u8>lc);
    store<u8>(mlCodes + i, <u8>mc);
    store<u8>(ofCodes + i, <u8>oc);
    let a = llCount + (<usize>lc << 2);
    store<u32>(a, load<u32>(a) + 1);
    let b = mlCount + (<usize>mc << 2);
    store<u32>(b, load<u32>(b) + 1);
    let c = ofCount + (<usize>oc << 2);
    store<u32>(c, load<u32>(c) + 1);
    if (lc > llMax) llMax = lc;
    if (mc > mlMax) mlMax = mc;
    if (oc > ofMax) ofMax = oc;
    if (ob > 3) {
      r2 = r1;
      r1 = r0;
      r0 = ob - 3;
    } else {
      let k = ob - 1 + (ll == 0 ? 1 : 0);
      if (k == 1) {
        let t = r1;
        r1 = r0;
        r0 = t;
      } else if (k == 2) {
        let t = r2;
        r2 = r1;
        r1 = r0;
        r0 = t;
      } else if (k == 3) {
        r2 = r1;
        r1 = r0;
        r0 = r1 - 1;
      }
    }
  }
  let modes = p;
  p++;
  let lastI = ns - 1;
  let m = chooseTable(p, llCount, llMax, ns, <u32>load<u8>(llCodes + lastI), llCT, LL_DEF, 35, 6, 9);
  let llMode = m >> 16;
  let llT = llMode == 0 ? llDefCT : llMode == 1 ? rleInto(llCT, <u32>load<u8>(llCodes)) : llCT;
  p += m & 0xffff;
  m = chooseTable(p, ofCount, ofMax, ns, <u32>load<u8>(ofCodes + lastI), ofCT, OF_DEF, 28, 5, 8);
  let ofMode = m >> 16;
  p += m & 0xffff;
  // (RLE tables of two columns would share rleCT: give OF its own copy in ofCT.)
  let ofT = ofMode == 0 ? ofDefCT : ofMode == 1 ? rleInto(ofCT, <u32>load<u8>(ofCodes)) : ofCT;
  m = chooseTable(p, mlCount, mlMax, ns, <u32>load<u8>(mlCodes + lastI), mlCT, ML_DEF, 52, 6, 9);
  let mlMode = m >> 16;
  p += m & 0xffff;
  let mlT = mlMode == 0 ? mlDefCT : mlMode == 1 ? rleInto(mlCT, <u32>load<u8>(mlCodes)) : mlCT;
  store<u8>(modes, <u8>((llMode << 6) | (ofMode << 4) | (mlMode << 2)));
  p += encodeSequences(p, ns, llT, ofT, mlT);
  commitBlock(r0, r1, r2);
  return p - op;
}

function rleInto(ct: usize, sym: u32): usize {
  store<u32>(ct, 0);
  store<u32>(ct + CT_STATES, 0);
  let e = ct + CT_SYMTT + (<usize>sym << 3);
  store<i32>(e, 0);
  store<u32>(e, 0, 4);
  return ct;
}

// Pending state until the caller decides whether the block is emitted compressed.
let pendR0: u32 = 1;
let pendR1: u32 = 4;
let pendR2: u32 = 8;
function commitBlock(a: u32, b: u32, c: u32): void {
  pendR0 = a;
  pendR1 = b;
  pendR2 = c;
}

/** The block was emitted compressed: the decoder now holds its repeat offsets and Huffman table. */
export function blockEmitted(): void {
  setReps(pendR0, pendR1, pendR2);
  commitLiterals();
}

/** The sequences bitstream (FORMATS.md §7.10), written backwards from the last sequence. */
function encodeSequences(op: usize, ns: u32, llT: usize, ofT: usize, mlT: usize): usize {
  let acc: u64 = 0;
  let bits: u64 = 0;
  let p = op;
  let i = ns - 1;
  let llc = <u32>load<u8>(llCodes + i);
  let mlc = <u32>load<u8>(mlCodes + i);
  let ofc = <u32>load<u8>(ofCodes + i);
  let sML = initState(mlT, mlc);
  let sOF = initState(ofT, ofc);
  let sLL = initState(llT, llc);
  let llSt = llT + CT_STATES;
  let mlSt = mlT + CT_STATES;
  let ofSt = ofT + CT_STATES;
  let llTT = llT + CT_SYMTT;
  let mlTT = mlT + CT_SYMTT;
  let ofTT = ofT + CT_SYMTT;
  while (true) {
    let o = <usize>i << 2;
    let ll = load<u32>(seqLL + o);
    let ml = load<u32>(seqML + o);
    let ob = load<u32>(seqOB + o);
    // Extras: LL, then ML and OF. Flushes keep the 64-bit accumulator from overflowing (<= 7 + 26 + 16 bits,
    // then <= 7 + 16 + 27).
    let llb = <u64>load<u8>(LL_BITS + llc);
    acc |= (<u64>(ll - load<u32>(LL_BASE + (<usize>llc << 2)))) << bits;
    bits += llb;
    store<u64>(p, acc);
    p += <usize>(bits >> 3);
    acc >>= bits & 56;
    bits &= 7;
    let mlb = <u64>load<u8>(ML_BITS + mlc);
    acc |= (<u64>(ml - load<u32>(ML_BASE + (<usize>mlc << 2)))) << bits;
    bits += mlb;
    acc |= (<u64>(ob - (1 << ofc))) << bits;
    bits += <u64>ofc;
    store<u64>(p, acc);
    p += <usize>(bits >> 3);
    acc >>= bits & 56;
    bits &= 7;
    if (i == 0) break;
    i--;
    llc = <u32>load<u8>(llCodes + i);
    mlc = <u32>load<u8>(mlCodes + i);
    ofc = <u32>load<u8>(ofCodes + i);
    // State transitions: OF, ML, LL.
    let e = ofTT + (<usize>ofc << 3);
    let nb = (sOF + load<u32>(e, 4)) >> 16;
    acc |= (<u64>(sOF & ((1 << nb) - 1))) << bits;
    bits += <u64>nb;
    sOF = <u32>load<u16>(ofSt + (<usize>(<i32>(sOF >> nb) + load<i32>(e)) << 1));
    e = mlTT + (<usize>mlc << 3);
    nb = (sML + load<u32>(e, 4)) >> 16;
    acc |= (<u64>(sML & ((1 << nb) - 1))) << bits;
    bits += <u64>nb;
    sML = <u32>load<u16>(mlSt + (<usize>(<i32>(sML >> nb) + load<i32>(e)) << 1));
    e = llTT + (<usize>llc << 3);
    nb = (sLL + load<u32>(e, 4)) >> 16;
    acc |= (<u64>(sLL & ((1 << nb) - 1))) << bits;
    bits += <u64>nb;
    sLL = <u32>load<u16>(llSt + (<usize>(<i32>(sLL >> nb) + load<i32>(e)) << 1));
  }
  // Final states: ML, OF, LL (read first by the decoder: LL, OF, ML).
  let ml = load<u32>(mlT);
  acc |= (<u64>(sML & ((1 << ml) - 1))) << bits;
  bits += <u64>ml;
  let oft = load<u32>(ofT);
  acc |= (<u64>(sOF & ((1 << oft) - 1))) << bits;
  bits += <u64>oft;
  store<u64>(p, acc);
  p += <usize>(bits >> 3);
  acc >>= bits & 56;
  bits &= 7;
  let lt = load<u32>(llT);
  acc |= (<u64>(sLL & ((1 << lt) - 1))) << bits;
  bits += <u64>lt;
  acc |= (<u64>1) << bits;
  bits++;
  store<u64>(p, acc);
  p += <usize>((bits + 7) >> 3);
  return p - op;
}
