// Byte shuffle and bit shuffle exactly as Blosc1 applies them to one block (FORMATS.md §5.5, c-blosc
// shuffle.c / shuffle-generic.h / bitshuffle-generic.c):
//   byte shuffle: out[j*n + i] = in[i*ts + j] for n = floor(len/ts) elements, trailing len % ts bytes copied.
//   bit shuffle:  n % 8 != 0 -> whole block copied; else bit k of byte j of element i goes to bit i%8 of byte
//                 i/8 of row 8j+k (rows of n/8 bytes), trailing bytes copied.
// SIMD: typesizes 2, 4, 8, 16 move 16 elements per step as a byte-matrix transpose built from interleaves
// ("zip" stages, each a rotation of the bit string (row|col) by one: they lower to punpck on x86).
// No heap allocation; bitshuffle uses one static 64 KiB tile (a byte-shuffled slice of the block).

// ---- interleave helpers --------------------------------------------------------------------------------

@inline function zipLo(a: v128, b: v128): v128 {
  return i8x16.shuffle(a, b, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
}
@inline function zipHi(a: v128, b: v128): v128 {
  return i8x16.shuffle(a, b, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
}

// ---- byte shuffle of n elements, plane stride `stride` (the tile routines shared with bitshuffle) -------

/** out[j*stride + i] = in[i*ts + j], i < n. */
function shuffleTile(src: usize, dst: usize, n: usize, ts: usize, stride: usize): void {
  let i: usize = 0;
  let n16 = n & ~(<usize>15);
  if (ts == 2) {
    for (; i < n16; i += 16) {
      let s = src + (i << 1);
      let a = v128.load(s);
      let b = v128.load(s, 16);
      v128.store(dst + i, i8x16.shuffle(a, b, 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30));
      v128.store(dst + stride + i, i8x16.shuffle(a, b, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31));
    }
  } else if (ts == 4) {
    // (i3 i2 | i1 i0 j1 j0) -> (j1 j0 | i3 i2 i1 i0): first gather bytes by j inside each vector, then 4x4
    // transpose of 32-bit lanes.
    for (; i < n16; i += 16) {
      let s = src + (i << 2);
      let a = v128.load(s);
      let b = v128.load(s, 16);
      let c = v128.load(s, 32);
      let d = v128.load(s, 48);
      a = i8x16.swizzle(a, v128(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15));
      b = i8x16.swizzle(b, v128(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15));
      c = i8x16.swizzle(c, v128(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15));
      d = i8x16.swizzle(d, v128(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15));
      // 32-bit lanes: a = [a0 a1 a2 a3] (a_j = byte j of a's 4 elements)
      let ab0 = i8x16.shuffle(a, b, 0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23); // a0 b0 a1 b1
      let ab1 = i8x16.shuffle(a, b, 8, 9, 10, 11, 24, 25, 26, 27, 12, 13, 14, 15, 28, 29, 30, 31); // a2 b2 a3 b3
      let cd0 = i8x16.shuffle(c, d, 0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23);
      let cd1 = i8x16.shuffle(c, d, 8, 9, 10, 11, 24, 25, 26, 27, 12, 13, 14, 15, 28, 29, 30, 31);
      let o = dst + i;
      v128.store(o, i8x16.shuffle(ab0, cd0, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23));
      o += stride;
      v128.store(o, i8x16.shuffle(ab0, cd0, 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31));
      o += stride;
      v128.store(o, i8x16.shuffle(ab1, cd1, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23));
      o += stride;
      v128.store(o, i8x16.shuffle(ab1, cd1, 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31));
    }
  } else if (ts == 8) {
    // Gather each vector's two elements by byte (16-bit lane j = byte j of both), then an 8x8 transpose of
    // 16-bit lanes in three interleave stages (16-, 32-, 64-bit): measured ~15% faster than four byte-zip stages.
    for (; i < n16; i += 16) {
      let s = src + (i << 3);
      let x0 = i8x16.swizzle(v128.load(s), v128(0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15));
      let x1 = i8x16.swizzle(v128.load(s, 16), v128(0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15));
      let x2 = i8x16.swizzle(v128.load(s, 32), v128(0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15));
      let x3 = i8x16.swizzle(v128.load(s, 48), v128(0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15));
      let x4 = i8x16.swizzle(v128.load(s, 64), v128(0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15));
      let x5 = i8x16.swizzle(v128.load(s, 80), v128(0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15));
      let x6 = i8x16.swizzle(v128.load(s, 96), v128(0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15));
      let x7 = i8x16.swizzle(v128.load(s, 112), v128(0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15));
      // x_v: 16-bit lane j = byte j of elements 2v, 2v+1. Transpose 8x8 of 16-bit lanes.
      let a0 = i16x8.shuffle(x0, x1, 0, 8, 1, 9, 2, 10, 3, 11), a1 = i16x8.shuffle(x0, x1, 4, 12, 5, 13, 6, 14, 7, 15);
      let a2 = i16x8.shuffle(x2, x3, 0, 8, 1, 9, 2, 10, 3, 11), a3 = i16x8.shuffle(x2, x3, 4, 12, 5, 13, 6, 14, 7, 15);
      let a4 = i16x8.shuffle(x4, x5, 0, 8, 1, 9, 2, 10, 3, 11), a5 = i16x8.shuffle(x4, x5, 4, 12, 5, 13, 6, 14, 7, 15);
      let a6 = i16x8.shuffle(x6, x7, 0, 8, 1, 9, 2, 10, 3, 11), a7 = i16x8.shuffle(x6, x7, 4, 12, 5, 13, 6, 14, 7, 15);
      // a0: 32-bit units (v0v1) for j=0..3; a1 for j=4..7
      let b0 = i32x4.shuffle(a0, a2, 0, 4, 1, 5), b1 = i32x4.shuffle(a0, a2, 2, 6, 3, 7);
      let b2 = i32x4.shuffle(a1, a3, 0, 4, 1, 5), b3 = i32x4.shuffle(a1, a3, 2, 6, 3, 7);
      let b4 = i32x4.shuffle(a4, a6, 0, 4, 1, 5), b5 = i32x4.shuffle(a4, a6, 2, 6, 3, 7);
      let b6 = i32x4.shuffle(a5, a7, 0, 4, 1, 5), b7 = i32x4.shuffle(a5, a7, 2, 6, 3, 7);
      // b0: 64-bit units (v0..v3) for j = 0, 1; b1: j = 2, 3; b2: j = 4, 5; b3: j = 6, 7 (b4.. for v4..v7)
      let o = dst + i;
      v128.store(o, i64x2.shuffle(b0, b4, 0, 2)); o += stride;
      v128.store(o, i64x2.shuffle(b0, b4, 1, 3)); o += stride;
      v128.store(o, i64x2.shuffle(b1, b5, 0, 2)); o += stride;
      v128.store(o, i64x2.shuffle(b1, b5, 1, 3)); o += stride;
      v128.store(o, i64x2.shuffle(b2, b6, 0, 2)); o += stride;
      v128.store(o, i64x2.shuffle(b2, b6, 1, 3)); o += stride;
      v128.store(o, i64x2.shuffle(b3, b7, 0, 2)); o += stride;
      v128.store(o, i64x2.shuffle(b3, b7, 1, 3));
    }
  } else if (ts == 16) {
    for (; i < n16; i += 16) {
      let s = src + (i << 4);
      transpose16(s, 16, 16, dst + i, stride, 16);
    }
  } else if (ts > 2) {
    // Any other typesize: 16 elements at a time, 16-byte column groups through the 16x16 transpose; the last,
    // partial group (ts % 16 columns) loads 16 bytes per element anyway (reading into the next element, never
    // past the buffer: the loop bound) and stores only its planes.
    let G = ts >> 4;
    let r = ts & 15;
    let need = r ? (G << 4) + 16 : ts;
    let total = n * ts;
    for (; i + 16 <= n && (i + 15) * ts + need <= total; i += 16) {
      let s = src + i * ts;
      for (let g: usize = 0; g < G; g++) transpose16(s + (g << 4), ts, 16, dst + (g << 4) * stride + i, stride, 16);
      if (r) transpose16(s + (G << 4), ts, 16, dst + (G << 4) * stride + i, stride, r);
    }
  }
  // Scalar: the remainder of the SIMD paths.
  if (i < n) {
    for (let j: usize = 0; j < ts; j++) {
      let o = dst + j * stride;
      let p = src + i * ts + j;
      for (let e = i; e < n; e++) {
        store<u8>(o + e, load<u8>(p));
        p += ts;
      }
    }
  }
}

/**
 * 16x16 byte transpose: rows of 16 bytes at s + r*sstride -> rows at d + r*dstride. Only the first `sRows`
 * input rows are loaded (the rest read as zero) and only the first `dRows` output rows stored. Four interleave
 * stages of growing unit size (8, 16, 32, 64 bits): measured ~20% faster than four byte-zip stages.
 */
@inline function transpose16(s: usize, sstride: usize, sRows: usize, d: usize, dstride: usize, dRows: usize): void {
  let z = i32x4.splat(0);
  let x0 = <usize>0 < sRows ? v128.load(s + 0 * sstride) : z;
  let x1 = <usize>1 < sRows ? v128.load(s + 1 * sstride) : z;
  let x2 = <usize>2 < sRows ? v128.load(s + 2 * sstride) : z;
  let x3 = <usize>3 < sRows ? v128.load(s + 3 * sstride) : z;
  let x4 = <usize>4 < sRows ? v128.load(s + 4 * sstride) : z;
  let x5 = <usize>5 < sRows ? v128.load(s + 5 * sstride) : z;
  let x6 = <usize>6 < sRows ? v128.load(s + 6 * sstride) : z;
  let x7 = <usize>7 < sRows ? v128.load(s + 7 * sstride) : z;
  let x8 = <usize>8 < sRows ? v128.load(s + 8 * sstride) : z;
  let x9 = <usize>9 < sRows ? v128.load(s + 9 * sstride) : z;
  let x10 = <usize>10 < sRows ? v128.load(s + 10 * sstride) : z;
  let x11 = <usize>11 < sRows ? v128.load(s + 11 * sstride) : z;
  let x12 = <usize>12 < sRows ? v128.load(s + 12 * sstride) : z;
  let x13 = <usize>13 < sRows ? v128.load(s + 13 * sstride) : z;
  let x14 = <usize>14 < sRows ? v128.load(s + 14 * sstride) : z;
  let x15 = <usize>15 < sRows ? v128.load(s + 15 * sstride) : z;
  let a0_0 = zipLo(x0, x1), a0_1 = zipHi(x0, x1);
  let a1_0 = zipLo(x2, x3), a1_1 = zipHi(x2, x3);
  let a2_0 = zipLo(x4, x5), a2_1 = zipHi(x4, x5);
  let a3_0 = zipLo(x6, x7), a3_1 = zipHi(x6, x7);
  let a4_0 = zipLo(x8, x9), a4_1 = zipHi(x8, x9);
  let a5_0 = zipLo(x10, x11), a5_1 = zipHi(x10, x11);
  let a6_0 = zipLo(x12, x13), a6_1 = zipHi(x12, x13);
  let a7_0 = zipLo(x14, x15), a7_1 = zipHi(x14, x15);
  let b0_0 = i16x8.shuffle(a0_0, a1_0, 0, 8, 1, 9, 2, 10, 3, 11);
  let b0_1 = i16x8.shuffle(a0_0, a1_0, 4, 12, 5, 13, 6, 14, 7, 15);
  let b0_2 = i16x8.shuffle(a0_1, a1_1, 0, 8, 1, 9, 2, 10, 3, 11);
  let b0_3 = i16x8.shuffle(a0_1, a1_1, 4, 12, 5, 13, 6, 14, 7, 15);
  let b1_0 = i16x8.shuffle(a2_0, a3_0, 0, 8, 1, 9, 2, 10, 3, 11);
  let b1_1 = i16x8.shuffle(a2_0, a3_0, 4, 12, 5, 13, 6, 14, 7, 15);
  let b1_2 = i16x8.shuffle(a2_1, a3_1, 0, 8, 1, 9, 2, 10, 3, 11);
  let b1_3 = i16x8.shuffle(a2_1, a3_1, 4, 12, 5, 13, 6, 14, 7, 15);
  let b2_0 = i16x8.shuffle(a4_0, a5_0, 0, 8, 1, 9, 2, 10, 3, 11);
  let b2_1 = i16x8.shuffle(a4_0, a5_0, 4, 12, 5, 13, 6, 14, 7, 15);
  let b2_2 = i16x8.shuffle(a4_1, a5_1, 0, 8, 1, 9, 2, 10, 3, 11);
  let b2_3 = i16x8.shuffle(a4_1, a5_1, 4, 12, 5, 13, 6, 14, 7, 15);
  let b3_0 = i16x8.shuffle(a6_0, a7_0, 0, 8, 1, 9, 2, 10, 3, 11);
  let b3_1 = i16x8.shuffle(a6_0, a7_0, 4, 12, 5, 13, 6, 14, 7, 15);
  let b3_2 = i16x8.shuffle(a6_1, a7_1, 0, 8, 1, 9, 2, 10, 3, 11);
  let b3_3 = i16x8.shuffle(a6_1, a7_1, 4, 12, 5, 13, 6, 14, 7, 15);
  let c0_0 = i32x4.shuffle(b0_0, b1_0, 0, 4, 1, 5);
  let c0_1 = i32x4.shuffle(b0_0, b1_0, 2, 6, 3, 7);
  let c0_2 = i32x4.shuffle(b0_1, b1_1, 0, 4, 1, 5);
  let c0_3 = i32x4.shuffle(b0_1, b1_1, 2, 6, 3, 7);
  let c0_4 = i32x4.shuffle(b0_2, b1_2, 0, 4, 1, 5);
  let c0_5 = i32x4.shuffle(b0_2, b1_2, 2, 6, 3, 7);
  let c0_6 = i32x4.shuffle(b0_3, b1_3, 0, 4, 1, 5);
  let c0_7 = i32x4.shuffle(b0_3, b1_3, 2, 6, 3, 7);
  let c1_0 = i32x4.shuffle(b2_0, b3_0, 0, 4, 1, 5);
  let c1_1 = i32x4.shuffle(b2_0, b3_0, 2, 6, 3, 7);
  let c1_2 = i32x4.shuffle(b2_1, b3_1, 0, 4, 1, 5);
  let c1_3 = i32x4.shuffle(b2_1, b3_1, 2, 6, 3, 7);
  let c1_4 = i32x4.shuffle(b2_2, b3_2, 0, 4, 1, 5);
  let c1_5 = i32x4.shuffle(b2_2, b3_2, 2, 6, 3, 7);
  let c1_6 = i32x4.shuffle(b2_3, b3_3, 0, 4, 1, 5);
  let c1_7 = i32x4.shuffle(b2_3, b3_3, 2, 6, 3, 7);
  if (<usize>0 < dRows) v128.store(d + 0 * dstride, i64x2.shuffle(c0_0, c1_0, 0, 2));
  if (<usize>1 < dRows) v128.store(d + 1 * dstride, i64x2.shuffle(c0_0, c1_0, 1, 3));
  if (<usize>2 < dRows) v128.store(d + 2 * dstride, i64x2.shuffle(c0_1, c1_1, 0, 2));
  if (<usize>3 < dRows) v128.store(d + 3 * dstride, i64x2.shuffle(c0_1, c1_1, 1, 3));
  if (<usize>4 < dRows) v128.store(d + 4 * dstride, i64x2.shuffle(c0_2, c1_2, 0, 2));
  if (<usize>5 < dRows) v128.store(d + 5 * dstride, i64x2.shuffle(c0_2, c1_2, 1, 3));
  if (<usize>6 < dRows) v128.store(d + 6 * dstride, i64x2.shuffle(c0_3, c1_3, 0, 2));
  if (<usize>7 < dRows) v128.store(d + 7 * dstride, i64x2.shuffle(c0_3, c1_3, 1, 3));
  if (<usize>8 < dRows) v128.store(d + 8 * dstride, i64x2.shuffle(c0_4, c1_4, 0, 2));
  if (<usize>9 < dRows) v128.store(d + 9 * dstride, i64x2.shuffle(c0_4, c1_4, 1, 3));
  if (<usize>10 < dRows) v128.store(d + 10 * dstride, i64x2.shuffle(c0_5, c1_5, 0, 2));
  if (<usize>11 < dRows) v128.store(d + 11 * dstride, i64x2.shuffle(c0_5, c1_5, 1, 3));
  if (<usize>12 < dRows) v128.store(d + 12 * dstride, i64x2.shuffle(c0_6, c1_6, 0, 2));
  if (<usize>13 < dRows) v128.store(d + 13 * dstride, i64x2.shuffle(c0_6, c1_6, 1, 3));
  if (<usize>14 < dRows) v128.store(d + 14 * dstride, i64x2.shuffle(c0_7, c1_7, 0, 2));
  if (<usize>15 < dRows) v128.store(d + 15 * dstride, i64x2.shuffle(c0_7, c1_7, 1, 3));
}

/** out[i*ts + j] = in[j*stride + i], i < n. */
function unshuffleTile(src: usize, dst: usize, n: usize, ts: usize, stride: usize): void {
  let i: usize = 0;
  let n16 = n & ~(<usize>15);
  if (ts == 2) {
    for (; i < n16; i += 16) {
      let a = v128.load(src + i);
      let b = v128.load(src + stride + i);
      let o = dst + (i << 1);
      v128.store(o, zipLo(a, b));
      v128.store(o, zipHi(a, b), 16);
    }
  } else if (ts == 4) {
    // (j1 j0 | i3 i2 i1 i0) -> (i3 i2 | i1 i0 j1 j0): rotate left by 2 = two zip stages.
    for (; i < n16; i += 16) {
      let s = src + i;
      let x0 = v128.load(s), x1 = v128.load(s + stride), x2 = v128.load(s + 2 * stride), x3 = v128.load(s + 3 * stride);
      let y0 = zipLo(x0, x2), y1 = zipHi(x0, x2), y2 = zipLo(x1, x3), y3 = zipHi(x1, x3);
      let o = dst + (i << 2);
      v128.store(o, zipLo(y0, y2));
      v128.store(o, zipHi(y0, y2), 16);
      v128.store(o, zipLo(y1, y3), 32);
      v128.store(o, zipHi(y1, y3), 48);
    }
  } else if (ts == 8) {
    // (j2 j1 j0 | i3 i2 i1 i0) -> (i3 i2 i1 | i0 j2 j1 j0): rotate left by 3 = three zip stages.
    for (; i < n16; i += 16) {
      let s = src + i;
      let x0 = v128.load(s), x1 = v128.load(s + stride), x2 = v128.load(s + 2 * stride), x3 = v128.load(s + 3 * stride);
      s += 4 * stride;
      let x4 = v128.load(s), x5 = v128.load(s + stride), x6 = v128.load(s + 2 * stride), x7 = v128.load(s + 3 * stride);
      for (let r = 0; r < 3; r++) {
        let y0 = zipLo(x0, x4), y1 = zipHi(x0, x4), y2 = zipLo(x1, x5), y3 = zipHi(x1, x5);
        let y4 = zipLo(x2, x6), y5 = zipHi(x2, x6), y6 = zipLo(x3, x7), y7 = zipHi(x3, x7);
        x0 = y0; x1 = y1; x2 = y2; x3 = y3; x4 = y4; x5 = y5; x6 = y6; x7 = y7;
      }
      let o = dst + (i << 3);
      v128.store(o, x0); v128.store(o, x1, 16); v128.store(o, x2, 32); v128.store(o, x3, 48);
      v128.store(o, x4, 64); v128.store(o, x5, 80); v128.store(o, x6, 96); v128.store(o, x7, 112);
    }
  } else if (ts == 16) {
    for (; i < n16; i += 16) {
      transpose16(src + i, stride, 16, dst + (i << 4), 16, 16);
    }
  } else if (ts > 2) {
    // Any other typesize: the inverse of shuffleTile's generic path. The partial group goes first: each of its
    // 16-byte element stores spills into the next element(s), which the full groups, and the next element's
    // own store, then overwrite; the loop bound keeps the spill inside the buffer.
    let G = ts >> 4;
    let r = ts & 15;
    let need = r ? (G << 4) + 16 : ts;
    let total = n * ts;
    for (; i + 16 <= n && (i + 15) * ts + need <= total; i += 16) {
      let d = dst + i * ts;
      if (r) transpose16(src + (G << 4) * stride + i, stride, r, d + (G << 4), ts, 16);
      for (let g: usize = 0; g < G; g++) transpose16(src + (g << 4) * stride + i, stride, 16, d + (g << 4), ts, 16);
    }
  }
  if (i < n) {
    for (let j: usize = 0; j < ts; j++) {
      let s = src + j * stride;
      let p = dst + i * ts + j;
      for (let e = i; e < n; e++) {
        store<u8>(p, load<u8>(s + e));
        p += ts;
      }
    }
  }
}

// ---- public byte shuffle ---------------------------------------------------------------------------------

/** Blosc byte shuffle of `len` bytes of `typesize`-byte elements from src to dst (no overlap). */
export function shuffleBytes(src: usize, dst: usize, len: usize, typesize: u32): void {
  let ts = <usize>typesize;
  if (ts <= 1 || len < ts) {
    memory.copy(dst, src, len);
    return;
  }
  let n = len / ts;
  shuffleTile(src, dst, n, ts, n);
  let done = n * ts;
  if (done < len) memory.copy(dst + done, src + done, len - done);
}

/** Inverse of shuffleBytes. */
export function unshuffleBytes(src: usize, dst: usize, len: usize, typesize: u32): void {
  let ts = <usize>typesize;
  if (ts <= 1 || len < ts) {
    memory.copy(dst, src, len);
    return;
  }
  let n = len / ts;
  unshuffleTile(src, dst, n, ts, n);
  let done = n * ts;
  if (done < len) memory.copy(dst + done, src + done, len - done);
}

// ---- bit shuffle -----------------------------------------------------------------------------------------

const TILE_BYTES: usize = 65536;
const tile: usize = memory.data(<i32>TILE_BYTES, 16);

/** Elements per tile: a multiple of 16 whose byte-shuffled copy fits the static tile. */
@inline function tileElems(ts: usize): usize {
  return (TILE_BYTES / ts) & ~(<usize>15);
}

/** Bit-transpose one byte plane of m elements (m % 8 == 0) into 8 rows of `rowLen` bytes at dst + byteOff. */
function bitRowsFromPlane(plane: usize, m: usize, dst: usize, rowLen: usize, byteOff: usize): void {
  let i: usize = 0;
  let m16 = m & ~(<usize>15);
  let d = dst + byteOff;
  for (; i < m16; i += 16) {
    // bitmask takes each byte's top bit; doubling the bytes moves the next bit up.
    let v = v128.load(plane + i);
    let o = d + (i >> 3);
    let r: usize = 7 * rowLen;
    store<u16>(o + r, <u16>i8x16.bitmask(v)); v = i8x16.add(v, v); r -= rowLen;
    store<u16>(o + r, <u16>i8x16.bitmask(v)); v = i8x16.add(v, v); r -= rowLen;
    store<u16>(o + r, <u16>i8x16.bitmask(v)); v = i8x16.add(v, v); r -= rowLen;
    store<u16>(o + r, <u16>i8x16.bitmask(v)); v = i8x16.add(v, v); r -= rowLen;
    store<u16>(o + r, <u16>i8x16.bitmask(v)); v = i8x16.add(v, v); r -= rowLen;
    store<u16>(o + r, <u16>i8x16.bitmask(v)); v = i8x16.add(v, v); r -= rowLen;
    store<u16>(o + r, <u16>i8x16.bitmask(v)); v = i8x16.add(v, v);
    store<u16>(o, <u16>i8x16.bitmask(v));
  }
  if (i < m) {
    // 8 leftover elements.
    let v = v128.load64_zero(plane + i);
    let o = d + (i >> 3);
    for (let k: i32 = 7; k >= 0; k--) {
      store<u8>(o + <usize>k * rowLen, <u8>i8x16.bitmask(v));
      v = i8x16.add(v, v);
    }
  }
}

/** Inverse of bitRowsFromPlane: 8 rows (bits of m elements, m % 8 == 0) -> m bytes of the plane. */
function planeFromBitRows(src: usize, rowLen: usize, byteOff: usize, m: usize, plane: usize): void {
  let s = src + byteOff;
  let i: usize = 0;
  let m16 = m & ~(<usize>15);
  for (; i < m16; i += 16) {
    let o = s + (i >> 3);
    // u: byte k = row k, elements i..i+7; byte 8+k = row k, elements i+8..i+15.
    let w = i16x8.splat(0);
    w = i16x8.replace_lane(w, 0, load<u16>(o));
    w = i16x8.replace_lane(w, 1, load<u16>(o + rowLen));
    w = i16x8.replace_lane(w, 2, load<u16>(o + 2 * rowLen));
    w = i16x8.replace_lane(w, 3, load<u16>(o + 3 * rowLen));
    w = i16x8.replace_lane(w, 4, load<u16>(o + 4 * rowLen));
    w = i16x8.replace_lane(w, 5, load<u16>(o + 5 * rowLen));
    w = i16x8.replace_lane(w, 6, load<u16>(o + 6 * rowLen));
    w = i16x8.replace_lane(w, 7, load<u16>(o + 7 * rowLen));
    // Lane 0 = group i..i+7 (byte k = row k), lane 1 = group i+8..i+15: one 8x8 bit transpose per lane.
    let x = i8x16.shuffle(w, w, 0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15);
    let t = v128.and(v128.xor(x, i64x2.shr_u(x, 7)), i64x2.splat(0x00AA00AA00AA00AA));
    x = v128.xor(v128.xor(x, t), i64x2.shl(t, 7));
    t = v128.and(v128.xor(x, i64x2.shr_u(x, 14)), i64x2.splat(0x0000CCCC0000CCCC));
    x = v128.xor(v128.xor(x, t), i64x2.shl(t, 14));
    t = v128.and(v128.xor(x, i64x2.shr_u(x, 28)), i64x2.splat(0x00000000F0F0F0F0));
    x = v128.xor(v128.xor(x, t), i64x2.shl(t, 28));
    v128.store(plane + i, x);
  }
  if (i < m) {
    let o = s + (i >> 3);
    let x: u64 = 0;
    for (let k: usize = 0; k < 8; k++) x |= <u64>load<u8>(o + k * rowLen) << (<u64>k << 3);
    // x: byte k = row k's bits of elements i..i+7; the 8x8 bit transpose gives byte e = element i+e.
    store<u64>(plane + i, transpose8(x));
  }
}

/** 8x8 bit-matrix transpose (Hacker's Delight): bit (8r + c) -> bit (8c + r). */
@inline function transpose8(x: u64): u64 {
  let t = (x ^ (x >> 7)) & 0x00AA00AA00AA00AA;
  x = x ^ t ^ (t << 7);
  t = (x ^ (x >> 14)) & 0x0000CCCC0000CCCC;
  x = x ^ t ^ (t << 14);
  t = (x ^ (x >> 28)) & 0x00000000F0F0F0F0;
  x = x ^ t ^ (t << 28);
  return x;
}

/** Blosc bit shuffle of `len` bytes of `typesize`-byte elements (c-blosc 1.x `bitshuffle`). */
export function bitshuffle(src: usize, dst: usize, len: usize, typesize: u32): void {
  let ts = <usize>typesize;
  if (ts == 0) ts = 1;
  let n = len / ts;
  if (n & 7) {
    memory.copy(dst, src, len);
    return;
  }
  let rowLen = n >> 3;
  if (ts == 1) {
    // One byte plane: the block itself.
    bitRowsFromPlane(src, n, dst, rowLen, 0);
    return;
  }
  let T = tileElems(ts);
  for (let t0: usize = 0; t0 < n; t0 += T) {
    let m = n - t0 < T ? n - t0 : T;
    shuffleTile(src + t0 * ts, tile, m, ts, m);
    for (let j: usize = 0; j < ts; j++) {
      bitRowsFromPlane(tile + j * m, m, dst + (j << 3) * rowLen, rowLen, t0 >> 3);
    }
  }
  let done = n * ts;
  if (done < len) memory.copy(dst + done, src + done, len - done);
}

/** Inverse of bitshuffle. */
export function bitunshuffle(src: usize, dst: usize, len: usize, typesize: u32): void {
  let ts = <usize>typesize;
  if (ts == 0) ts = 1;
  let n = len / ts;
  if (n & 7) {
    memory.copy(dst, src, len);
    return;
  }
  let rowLen = n >> 3;
  if (ts == 1) {
    planeFromBitRows(src, rowLen, 0, n, dst);
    return;
  }
  let T = tileElems(ts);
  for (let t0: usize = 0; t0 < n; t0 += T) {
    let m = n - t0 < T ? n - t0 : T;
    for (let j: usize = 0; j < ts; j++) {
      planeFromBitRows(src + (j << 3) * rowLen, rowLen, t0 >> 3, m, tile + j * m);
    }
    unshuffleTile(tile, dst + t0 * ts, m, ts, m);
  }
  let done = n * ts;
  if (done < len) memory.copy(dst + done, src + done, len - done);
}
