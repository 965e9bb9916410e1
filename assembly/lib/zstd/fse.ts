// FSE (tANS) tables for the encoder: normalizing counts, writing a table description ("NCount"), and building
// the compression table in libzstd's compact form (FORMATS.md §7.9, §7.13-7.15). All memory is caller-provided
// or static; a CTable is laid out as [u32 tableLog][u16 stateTable[512]][{i32 deltaFindState, u32 deltaNbBits}[64]].

export const CT_STATES: usize = 4;
export const CT_SYMTT: usize = 4 + 1024;
export const CTABLE_SIZE: usize = 4 + 1024 + 8 * 64;

const tableSymbol: usize = memory.data(512 + 16, 16);
const cumul: usize = memory.data(2 * 80, 16);

// @ts-ignore: decorator
@inline export function highbit(v: u32): u32 {
  return 31 - clz<u32>(v);
}

/** libzstd's FSE_optimalTableLog_internal. */
export function optimalTableLog(maxTableLog: u32, srcSize: u32, maxSym: u32, minus: u32): u32 {
  let maxBitsSrc = highbit(srcSize - 1) - minus;
  let tl = maxTableLog;
  let a = highbit(srcSize) + 1;
  let b = highbit(maxSym) + 2;
  let minBits = a < b ? a : b;
  if (maxBitsSrc < tl) tl = maxBitsSrc;
  if (minBits > tl) tl = minBits;
  if (tl < 5) tl = 5;
  if (tl > 12) tl = 12;
  return tl;
}

/**
 * Normalize `count` (u32[maxSym+1], summing to `total`) to i16 `norm` summing to 2^tableLog; every present
 * symbol gets at least one state (-1 when `lowProb` and it earns less than one, else 1). libzstd's primary
 * method (with its small-probability rounding table); the rare overflow case takes states from the largest.
 */
export function normalizeCount(norm: usize, tableLog: u32, count: usize, total: u32, maxSym: u32, lowProb: bool): void {
  let scale: u64 = 62 - <u64>tableLog;
  let step: u64 = ((<u64>1) << 62) / <u64>total;
  let vStep: u64 = (<u64>1) << (scale - 20);
  let still: i32 = 1 << tableLog;
  let largest: u32 = 0;
  let largestP: i32 = 0;
  let lowThreshold = total >> tableLog;
  let low: i16 = lowProb ? -1 : 1;
  for (let s: u32 = 0; s <= maxSym; s++) {
    let c = load<u32>(count + (<usize>s << 2));
    if (c == 0) {
      store<i16>(norm + (<usize>s << 1), 0);
      continue;
    }
    if (c <= lowThreshold) {
      store<i16>(norm + (<usize>s << 1), low);
      still--;
    } else {
      let x = <u64>c * step;
      let p = <i32>(x >> scale);
      if (p < 8) {
        let rtb: u64 = p == 0 ? 0 : p == 1 ? 473195 : p == 2 ? 504333 : p == 3 ? 520860 : p == 4 ? 550000 : p == 5 ? 700000 : p == 6 ? 750000 : 830000;
        if (x - ((<u64>p) << scale) > vStep * rtb) p++;
      }
      if (p > largestP) {
        largestP = p;
        largest = s;
      }
      store<i16>(norm + (<usize>s << 1), <i16>p);
      still -= p;
    }
  }
  if (-still < (largestP >> 1)) {
    store<i16>(norm + (<usize>largest << 1), <i16>(largestP + still));
    return;
  }
  // Too many states handed out: take them back one by one from whichever symbol currently has the most.
  while (still < 0) {
    let best: u32 = 0;
    let bestP: i32 = 0;
    for (let s: u32 = 0; s <= maxSym; s++) {
      let p = <i32>load<i16>(norm + (<usize>s << 1));
      if (p > bestP) {
        bestP = p;
        best = s;
      }
    }
    store<i16>(norm + (<usize>best << 1), <i16>(bestP - 1));
    still++;
  }
}

/** Write the table description of `norm` (FORMATS.md §7.13) at `op`; returns its byte length. */
export function writeNCount(op: usize, norm: usize, maxSym: u32, tableLog: u32): usize {
  let acc: u64 = <u64>(tableLog - 5);
  let bits: u32 = 4;
  let out = op;
  let remaining: i32 = (1 << tableLog) + 1;
  let threshold: i32 = 1 << tableLog;
  let nb: u32 = tableLog + 1;
  let s: u32 = 0;
  // Last symbol with a non-zero probability: trailing zeros are never written.
  let last = maxSym;
  while (load<i16>(norm + (<usize>last << 1)) == 0) last--;
  while (remaining > 1 && s <= last) {
    let n = <i32>load<i16>(norm + (<usize>s << 1));
    let v = n + 1;
    let max = 2 * threshold - 1 - remaining;
    if (v < max) {
      acc |= (<u64>v) << bits;
      bits += nb - 1;
    } else {
      let w = v < threshold ? v : v + max;
      acc |= (<u64>w) << bits;
      bits += nb;
    }
    remaining -= n < 0 ? -n : n;
    while (remaining < threshold) {
      threshold >>= 1;
      nb--;
    }
    s++;
    if (bits >= 32) {
      store<u32>(out, <u32>acc);
      out += 4;
      acc >>= 32;
      bits -= 32;
    }
    if (n == 0) {
      let z: u32 = 0;
      while (load<i16>(norm + (<usize>(s + z) << 1)) == 0) z++;
      s += z;
      while (z >= 3) {
        acc |= (<u64>3) << bits;
        bits += 2;
        z -= 3;
        if (bits >= 32) {
          store<u32>(out, <u32>acc);
          out += 4;
          acc >>= 32;
          bits -= 32;
        }
      }
      acc |= (<u64>z) << bits;
      bits += 2;
    }
  }
  while (bits > 0) {
    store<u8>(out, <u8>acc);
    out++;
    acc >>= 8;
    bits = bits > 8 ? bits - 8 : 0;
  }
  return out - op;
}

/** Build the compression table `ct` for `norm` (i16[maxSym+1], sum 2^tableLog). */
export function buildCTable(ct: usize, norm: usize, maxSym: u32, tableLog: u32): void {
  let size: u32 = 1 << tableLog;
  let mask = size - 1;
  let step = (size >> 1) + (size >> 3) + 3;
  let high = size - 1;
  store<u32>(ct, tableLog);
  let stateTable = ct + CT_STATES;
  let symTT = ct + CT_SYMTT;
  store<u16>(cumul, 0);
  for (let u: u32 = 1; u <= maxSym + 1; u++) {
    let n = <i32>load<i16>(norm + (<usize>(u - 1) << 1));
    let prev = <u32>load<u16>(cumul + (<usize>(u - 1) << 1));
    if (n == -1) {
      store<u16>(cumul + (<usize>u << 1), <u16>(prev + 1));
      store<u8>(tableSymbol + high, <u8>(u - 1));
      high--;
    } else {
      store<u16>(cumul + (<usize>u << 1), <u16>(prev + <u32>n));
    }
  }
  let pos: u32 = 0;
  for (let s: u32 = 0; s <= maxSym; s++) {
    let n = <i32>load<i16>(norm + (<usize>s << 1));
    for (let k = 0; k < n; k++) {
      store<u8>(tableSymbol + pos, <u8>s);
      pos = (pos + step) & mask;
      while (pos > high) pos = (pos + step) & mask;
    }
  }
  for (let u: u32 = 0; u < size; u++) {
    let s = <u32>load<u8>(tableSymbol + u);
    let cp = cumul + (<usize>s << 1);
    let c = <u32>load<u16>(cp);
    store<u16>(stateTable + (<usize>c << 1), <u16>(size + u));
    store<u16>(cp, <u16>(c + 1));
  }
  let total: i32 = 0;
  for (let s: u32 = 0; s <= maxSym; s++) {
    let n = <i32>load<i16>(norm + (<usize>s << 1));
    let e = symTT + (<usize>s << 3);
    if (n == 0) {
      store<u32>(e, ((tableLog + 1) << 16) - size, 4);
    } else if (n == -1 || n == 1) {
      store<u32>(e, (tableLog << 16) - size, 4);
      store<i32>(e, total - 1);
      total++;
    } else {
      let maxBitsOut = tableLog - highbit(<u32>n - 1);
      let minStatePlus = <u32>n << maxBitsOut;
      store<u32>(e, (maxBitsOut << 16) - minStatePlus, 4);
      store<i32>(e, total - n);
      total += n;
    }
  }
}

/** Initial encoder state for the first-encoded symbol `s` (libzstd FSE_initCState2). */
// @ts-ignore: decorator
@inline export function initState(ct: usize, s: u32): u32 {
  let e = ct + CT_SYMTT + (<usize>s << 3);
  let dnb = load<u32>(e, 4);
  let dfs = load<i32>(e);
  let nbOut = (dnb + (1 << 15)) >> 16;
  let v = (nbOut << 16) - dnb;
  return <u32>load<u16>(ct + CT_STATES + (<usize>(<i32>(v >> nbOut) + dfs) << 1));
}
