// Per-block sequence store filled by the match finders: literal bytes in `litBuf`, and per sequence its
// literal length, match length and "offBase" (1-3 = repeat codes, offset + 3 otherwise; FORMATS.md §7.7-7.8).
export const BLOCK_MAX: usize = 131072;
export const MAX_SEQ: usize = BLOCK_MAX / 3 + 16;

export const litBuf: usize = memory.data(<i32>BLOCK_MAX + 64, 64);
export const seqLL: usize = memory.data(<i32>MAX_SEQ * 4, 64);
export const seqML: usize = memory.data(<i32>MAX_SEQ * 4, 64);
export const seqOB: usize = memory.data(<i32>MAX_SEQ * 4, 64);

export let nbSeq: u32 = 0;
export let litEnd: usize = litBuf;

export function resetSeqStore(): void {
  nbSeq = 0;
  litEnd = litBuf;
}

/** Copy `n` literal bytes from `src` (reading at most up to `limit`) to the literal buffer. */
// @ts-ignore: decorator
@inline export function copyLiterals(src: usize, n: usize, limit: usize): void {
  let d = litEnd;
  if (src + n + 16 <= limit) {
    // Wild copy: 16 bytes at a time, may write past the end (litBuf has slack) and read below `limit`.
    let s = src;
    let e = d + n;
    do {
      v128.store(d, v128.load(s));
      d += 16;
      s += 16;
    } while (d < e);
  } else {
    memory.copy(d, src, n);
  }
  litEnd += n;
}

/** Record a sequence whose `ll` literals start at `anchor`. */
// @ts-ignore: decorator
@inline export function storeSeq(anchor: usize, ll: usize, offBase: u32, ml: usize, limit: usize): void {
  copyLiterals(anchor, ll, limit);
  let i = <usize>nbSeq << 2;
  store<u32>(seqLL + i, <u32>ll);
  store<u32>(seqML + i, <u32>ml);
  store<u32>(seqOB + i, offBase);
  nbSeq++;
}

/** Length of the common prefix of `a` and `b` (b < a), not reading at or past `end`. */
// @ts-ignore: decorator
@inline export function countMatch(a: usize, b: usize, end: usize): usize {
  let start = a;
  while (a + 8 <= end) {
    let diff = load<u64>(a) ^ load<u64>(b);
    if (diff) return a - start + <usize>(ctz<u64>(diff) >> 3);
    a += 8;
    b += 8;
  }
  while (a < end && load<u8>(a) == load<u8>(b)) {
    a++;
    b++;
  }
  return a - start;
}
