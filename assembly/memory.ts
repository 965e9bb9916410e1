// Memory kernels: the first kernel the model uses (filling a typed buffer with a fill value of any bit
// pattern) and the heap base that the TypeScript arena starts from. v128 stores do 16 bytes a step.

/** First free byte after static data: src/kernels/arena.ts owns everything from here up. */
export function heapBase(): usize {
  return __heap_base;
}

/** Fill `n` elements of `size` bytes (1, 2, 4, 8) at `dst` with the pattern in the low `size` bytes of `lo`/`hi`. */
export function fillPattern(dst: usize, n: usize, size: u32, lo: u32, hi: u32): void {
  let bytes = n * <usize>size;
  if (bytes == 0) return;
  let pat: v128;
  if (size == 1) pat = i8x16.splat(<i8>lo);
  else if (size == 2) pat = i16x8.splat(<i16>lo);
  else if (size == 4) pat = i32x4.splat(<i32>lo);
  else pat = i64x2.splat((<i64>hi << 32) | <i64>lo);
  let p = dst;
  let end = dst + bytes;
  while (p + 16 <= end) {
    v128.store(p, pat);
    p += 16;
  }
  // Tail: the pattern repeats every `size` bytes and 16 is a multiple of size, so byte k of the tail is byte k of pat.
  let k: usize = 0;
  while (p < end) {
    store<u8>(p, <u8>(k < 8 ? (i64x2.extract_lane(pat, 0) >>> (<i64>k * 8)) : (i64x2.extract_lane(pat, 1) >>> (<i64>(k - 8) * 8))));
    p++;
    k++;
  }
}

/** True when all `n` elements of `size` bytes at `src` equal the pattern (bitwise, so NaN payloads and -0.0 count exactly). */
export function allEqualPattern(src: usize, n: usize, size: u32, lo: u32, hi: u32): bool {
  let bytes = n * <usize>size;
  let pat: v128;
  if (size == 1) pat = i8x16.splat(<i8>lo);
  else if (size == 2) pat = i16x8.splat(<i16>lo);
  else if (size == 4) pat = i32x4.splat(<i32>lo);
  else pat = i64x2.splat((<i64>hi << 32) | <i64>lo);
  let p = src;
  let end = src + bytes;
  while (p + 64 <= end) {
    let d = v128.or(
      v128.or(v128.xor(v128.load(p), pat), v128.xor(v128.load(p, 16), pat)),
      v128.or(v128.xor(v128.load(p, 32), pat), v128.xor(v128.load(p, 48), pat)),
    );
    if (v128.any_true(d)) return false;
    p += 64;
  }
  while (p + 16 <= end) {
    if (v128.any_true(v128.xor(v128.load(p), pat))) return false;
    p += 16;
  }
  let k: usize = 0;
  while (p < end) {
    let b = <u8>(k < 8 ? (i64x2.extract_lane(pat, 0) >>> (<i64>k * 8)) : (i64x2.extract_lane(pat, 1) >>> (<i64>(k - 8) * 8)));
    if (load<u8>(p) != b) return false;
    p++;
    k++;
  }
  return true;
}
