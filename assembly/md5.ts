// MD5 of up to four messages at once, one per i32x4 lane (RFC 1321). MD5 is a serial chain of dependent
// steps, so a scalar implementation is latency-bound; four independent messages fill the SIMD lanes with no
// more latency per step. S3 wants Content-MD5 on every PUT, and the writer has up to four encoded chunks of a
// block in memory at a time. Lanes of different lengths each run their own block count: a lane that has
// finished keeps its state (masked), its padding and length blocks are built per lane in static scratch.

// Per call: lane pointers (4 x u32), lengths (4 x u32), digests out (4 x 16 bytes, lane order).
const PARAMS: usize = memory.data(96, 16);
// Each lane's last one or two blocks: its remaining bytes, 0x80, zeros, bit length (u64 LE).
const TAIL: usize = memory.data(4 * 128, 64);

/** The static parameter area of `md5x4`: ptr[4] u32 at +0, len[4] u32 at +16, digest[4] 16 bytes each at +32. */
export function md5x4Params(): usize {
  return PARAMS;
}

// The 64 round constants, each splatted to four lanes: a load folds into the add (a v128.const is rebuilt).
const KT: usize = memory.data<u32>([
  0xd76aa478, 0xd76aa478, 0xd76aa478, 0xd76aa478, 0xe8c7b756, 0xe8c7b756, 0xe8c7b756, 0xe8c7b756, 0x242070db, 0x242070db, 0x242070db, 0x242070db, 0xc1bdceee, 0xc1bdceee, 0xc1bdceee, 0xc1bdceee,
  0xf57c0faf, 0xf57c0faf, 0xf57c0faf, 0xf57c0faf, 0x4787c62a, 0x4787c62a, 0x4787c62a, 0x4787c62a, 0xa8304613, 0xa8304613, 0xa8304613, 0xa8304613, 0xfd469501, 0xfd469501, 0xfd469501, 0xfd469501,
  0x698098d8, 0x698098d8, 0x698098d8, 0x698098d8, 0x8b44f7af, 0x8b44f7af, 0x8b44f7af, 0x8b44f7af, 0xffff5bb1, 0xffff5bb1, 0xffff5bb1, 0xffff5bb1, 0x895cd7be, 0x895cd7be, 0x895cd7be, 0x895cd7be,
  0x6b901122, 0x6b901122, 0x6b901122, 0x6b901122, 0xfd987193, 0xfd987193, 0xfd987193, 0xfd987193, 0xa679438e, 0xa679438e, 0xa679438e, 0xa679438e, 0x49b40821, 0x49b40821, 0x49b40821, 0x49b40821,
  0xf61e2562, 0xf61e2562, 0xf61e2562, 0xf61e2562, 0xc040b340, 0xc040b340, 0xc040b340, 0xc040b340, 0x265e5a51, 0x265e5a51, 0x265e5a51, 0x265e5a51, 0xe9b6c7aa, 0xe9b6c7aa, 0xe9b6c7aa, 0xe9b6c7aa,
  0xd62f105d, 0xd62f105d, 0xd62f105d, 0xd62f105d, 0x02441453, 0x02441453, 0x02441453, 0x02441453, 0xd8a1e681, 0xd8a1e681, 0xd8a1e681, 0xd8a1e681, 0xe7d3fbc8, 0xe7d3fbc8, 0xe7d3fbc8, 0xe7d3fbc8,
  0x21e1cde6, 0x21e1cde6, 0x21e1cde6, 0x21e1cde6, 0xc33707d6, 0xc33707d6, 0xc33707d6, 0xc33707d6, 0xf4d50d87, 0xf4d50d87, 0xf4d50d87, 0xf4d50d87, 0x455a14ed, 0x455a14ed, 0x455a14ed, 0x455a14ed,
  0xa9e3e905, 0xa9e3e905, 0xa9e3e905, 0xa9e3e905, 0xfcefa3f8, 0xfcefa3f8, 0xfcefa3f8, 0xfcefa3f8, 0x676f02d9, 0x676f02d9, 0x676f02d9, 0x676f02d9, 0x8d2a4c8a, 0x8d2a4c8a, 0x8d2a4c8a, 0x8d2a4c8a,
  0xfffa3942, 0xfffa3942, 0xfffa3942, 0xfffa3942, 0x8771f681, 0x8771f681, 0x8771f681, 0x8771f681, 0x6d9d6122, 0x6d9d6122, 0x6d9d6122, 0x6d9d6122, 0xfde5380c, 0xfde5380c, 0xfde5380c, 0xfde5380c,
  0xa4beea44, 0xa4beea44, 0xa4beea44, 0xa4beea44, 0x4bdecfa9, 0x4bdecfa9, 0x4bdecfa9, 0x4bdecfa9, 0xf6bb4b60, 0xf6bb4b60, 0xf6bb4b60, 0xf6bb4b60, 0xbebfbc70, 0xbebfbc70, 0xbebfbc70, 0xbebfbc70,
  0x289b7ec6, 0x289b7ec6, 0x289b7ec6, 0x289b7ec6, 0xeaa127fa, 0xeaa127fa, 0xeaa127fa, 0xeaa127fa, 0xd4ef3085, 0xd4ef3085, 0xd4ef3085, 0xd4ef3085, 0x04881d05, 0x04881d05, 0x04881d05, 0x04881d05,
  0xd9d4d039, 0xd9d4d039, 0xd9d4d039, 0xd9d4d039, 0xe6db99e5, 0xe6db99e5, 0xe6db99e5, 0xe6db99e5, 0x1fa27cf8, 0x1fa27cf8, 0x1fa27cf8, 0x1fa27cf8, 0xc4ac5665, 0xc4ac5665, 0xc4ac5665, 0xc4ac5665,
  0xf4292244, 0xf4292244, 0xf4292244, 0xf4292244, 0x432aff97, 0x432aff97, 0x432aff97, 0x432aff97, 0xab9423a7, 0xab9423a7, 0xab9423a7, 0xab9423a7, 0xfc93a039, 0xfc93a039, 0xfc93a039, 0xfc93a039,
  0x655b59c3, 0x655b59c3, 0x655b59c3, 0x655b59c3, 0x8f0ccc92, 0x8f0ccc92, 0x8f0ccc92, 0x8f0ccc92, 0xffeff47d, 0xffeff47d, 0xffeff47d, 0xffeff47d, 0x85845dd1, 0x85845dd1, 0x85845dd1, 0x85845dd1,
  0x6fa87e4f, 0x6fa87e4f, 0x6fa87e4f, 0x6fa87e4f, 0xfe2ce6e0, 0xfe2ce6e0, 0xfe2ce6e0, 0xfe2ce6e0, 0xa3014314, 0xa3014314, 0xa3014314, 0xa3014314, 0x4e0811a1, 0x4e0811a1, 0x4e0811a1, 0x4e0811a1,
  0xf7537e82, 0xf7537e82, 0xf7537e82, 0xf7537e82, 0xbd3af235, 0xbd3af235, 0xbd3af235, 0xbd3af235, 0x2ad7d2bb, 0x2ad7d2bb, 0x2ad7d2bb, 0x2ad7d2bb, 0xeb86d391, 0xeb86d391, 0xeb86d391, 0xeb86d391,
], 16);

@inline function rotl(x: v128, s: i32): v128 {
  return v128.or(i32x4.shl(x, s), i32x4.shr_u(x, 32 - s));
}
// Only what depends on b (the previous step's result) is on the serial chain: a + m + k and the parts of the
// round function in c and d alone are computed beside it.
@inline function pre(a: v128, m: v128, k: i32): v128 {
  return i32x4.add(a, i32x4.add(m, v128.load(KT + (<usize>k << 4))));
}
// F = (b & c) | (~b & d) = d ^ (b & (c ^ d))
@inline function stepF(a: v128, b: v128, c: v128, d: v128, m: v128, k: i32, s: i32): v128 {
  return i32x4.add(b, rotl(i32x4.add(pre(a, m, k), v128.xor(d, v128.and(b, v128.xor(c, d)))), s));
}
// G = (b & d) | (c & ~d), the two terms disjoint so their sum: (c & ~d) beside the chain.
@inline function stepG(a: v128, b: v128, c: v128, d: v128, m: v128, k: i32, s: i32): v128 {
  return i32x4.add(b, rotl(i32x4.add(i32x4.add(pre(a, m, k), v128.andnot(c, d)), v128.and(b, d)), s));
}
@inline function stepH(a: v128, b: v128, c: v128, d: v128, m: v128, k: i32, s: i32): v128 {
  return i32x4.add(b, rotl(i32x4.add(pre(a, m, k), v128.xor(b, v128.xor(c, d))), s));
}
// I = c ^ (b | ~d)
@inline function stepI(a: v128, b: v128, c: v128, d: v128, m: v128, k: i32, s: i32): v128 {
  return i32x4.add(b, rotl(i32x4.add(pre(a, m, k), v128.xor(c, v128.or(b, v128.not(d)))), s));
}

/** Block `b` of lane `l`: in place while whole, then its tail blocks; past its end any readable block (masked). */
@inline function blockPtr(l: usize, b: u32): usize {
  let ptr = <usize>load<u32>(PARAMS + (l << 2));
  let nfull = load<u32>(PARAMS + 16 + (l << 2)) >>> 6;
  if (b < nfull) return ptr + (<usize>b << 6);
  let t = b - nfull;
  return TAIL + (l << 7) + (t < 2 ? <usize>t << 6 : 0);
}

@inline function blocks(l: usize): u32 {
  let len = load<u32>(PARAMS + 16 + (l << 2));
  return (len >>> 6) + ((len & 63) < 56 ? 1 : 2);
}

/** MD5 of the four (ptr, len) lanes in the params area; digests written there (unused lanes: len 0). */
export function md5x4(): void {
  for (let l: usize = 0; l < 4; l++) {
    let ptr = <usize>load<u32>(PARAMS + (l << 2));
    let len = load<u32>(PARAMS + 16 + (l << 2));
    let rem = <usize>(len & 63);
    let tail = TAIL + (l << 7);
    memory.copy(tail, ptr + (<usize>len - rem), rem);
    store<u8>(tail + rem, 0x80);
    memory.fill(tail + rem + 1, 0, 127 - rem);
    store<u64>(tail + (rem < 56 ? 56 : 120), <u64>len << 3);
  }
  let n0 = blocks(0), n1 = blocks(1), n2 = blocks(2), n3 = blocks(3);
  let nmax = max(max(n0, n1), max(n2, n3));
  let a = i32x4.splat(<i32>0x67452301);
  let b = i32x4.splat(<i32>0xefcdab89);
  let c = i32x4.splat(<i32>0x98badcfe);
  let d = i32x4.splat(<i32>0x10325476);
  for (let i: u32 = 0; i < nmax; i++) {
    let p0 = blockPtr(0, i), p1 = blockPtr(1, i), p2 = blockPtr(2, i), p3 = blockPtr(3, i);
    // Lanes still running: all ones.
    let live = i32x4.replace_lane(i32x4.replace_lane(i32x4.replace_lane(i32x4.splat(i < n0 ? -1 : 0),
      1, i < n1 ? -1 : 0), 2, i < n2 ? -1 : 0), 3, i < n3 ? -1 : 0);
    // 4x4 transposes: m{k} = word k of the block of each lane.
    let r0 = v128.load(p0), r1 = v128.load(p1), r2 = v128.load(p2), r3 = v128.load(p3);
    let t0 = i32x4.shuffle(r0, r1, 0, 4, 1, 5), t1 = i32x4.shuffle(r0, r1, 2, 6, 3, 7);
    let t2 = i32x4.shuffle(r2, r3, 0, 4, 1, 5), t3 = i32x4.shuffle(r2, r3, 2, 6, 3, 7);
    let m0 = i64x2.shuffle(t0, t2, 0, 2), m1 = i64x2.shuffle(t0, t2, 1, 3);
    let m2 = i64x2.shuffle(t1, t3, 0, 2), m3 = i64x2.shuffle(t1, t3, 1, 3);
    r0 = v128.load(p0, 16); r1 = v128.load(p1, 16); r2 = v128.load(p2, 16); r3 = v128.load(p3, 16);
    t0 = i32x4.shuffle(r0, r1, 0, 4, 1, 5); t1 = i32x4.shuffle(r0, r1, 2, 6, 3, 7);
    t2 = i32x4.shuffle(r2, r3, 0, 4, 1, 5); t3 = i32x4.shuffle(r2, r3, 2, 6, 3, 7);
    let m4 = i64x2.shuffle(t0, t2, 0, 2), m5 = i64x2.shuffle(t0, t2, 1, 3);
    let m6 = i64x2.shuffle(t1, t3, 0, 2), m7 = i64x2.shuffle(t1, t3, 1, 3);
    r0 = v128.load(p0, 32); r1 = v128.load(p1, 32); r2 = v128.load(p2, 32); r3 = v128.load(p3, 32);
    t0 = i32x4.shuffle(r0, r1, 0, 4, 1, 5); t1 = i32x4.shuffle(r0, r1, 2, 6, 3, 7);
    t2 = i32x4.shuffle(r2, r3, 0, 4, 1, 5); t3 = i32x4.shuffle(r2, r3, 2, 6, 3, 7);
    let m8 = i64x2.shuffle(t0, t2, 0, 2), m9 = i64x2.shuffle(t0, t2, 1, 3);
    let m10 = i64x2.shuffle(t1, t3, 0, 2), m11 = i64x2.shuffle(t1, t3, 1, 3);
    r0 = v128.load(p0, 48); r1 = v128.load(p1, 48); r2 = v128.load(p2, 48); r3 = v128.load(p3, 48);
    t0 = i32x4.shuffle(r0, r1, 0, 4, 1, 5); t1 = i32x4.shuffle(r0, r1, 2, 6, 3, 7);
    t2 = i32x4.shuffle(r2, r3, 0, 4, 1, 5); t3 = i32x4.shuffle(r2, r3, 2, 6, 3, 7);
    let m12 = i64x2.shuffle(t0, t2, 0, 2), m13 = i64x2.shuffle(t0, t2, 1, 3);
    let m14 = i64x2.shuffle(t1, t3, 0, 2), m15 = i64x2.shuffle(t1, t3, 1, 3);
    let aa = a, bb = b, cc = c, dd = d;
    a = stepF(a, b, c, d, m0, 0, 7);
    d = stepF(d, a, b, c, m1, 1, 12);
    c = stepF(c, d, a, b, m2, 2, 17);
    b = stepF(b, c, d, a, m3, 3, 22);
    a = stepF(a, b, c, d, m4, 4, 7);
    d = stepF(d, a, b, c, m5, 5, 12);
    c = stepF(c, d, a, b, m6, 6, 17);
    b = stepF(b, c, d, a, m7, 7, 22);
    a = stepF(a, b, c, d, m8, 8, 7);
    d = stepF(d, a, b, c, m9, 9, 12);
    c = stepF(c, d, a, b, m10, 10, 17);
    b = stepF(b, c, d, a, m11, 11, 22);
    a = stepF(a, b, c, d, m12, 12, 7);
    d = stepF(d, a, b, c, m13, 13, 12);
    c = stepF(c, d, a, b, m14, 14, 17);
    b = stepF(b, c, d, a, m15, 15, 22);
    a = stepG(a, b, c, d, m1, 16, 5);
    d = stepG(d, a, b, c, m6, 17, 9);
    c = stepG(c, d, a, b, m11, 18, 14);
    b = stepG(b, c, d, a, m0, 19, 20);
    a = stepG(a, b, c, d, m5, 20, 5);
    d = stepG(d, a, b, c, m10, 21, 9);
    c = stepG(c, d, a, b, m15, 22, 14);
    b = stepG(b, c, d, a, m4, 23, 20);
    a = stepG(a, b, c, d, m9, 24, 5);
    d = stepG(d, a, b, c, m14, 25, 9);
    c = stepG(c, d, a, b, m3, 26, 14);
    b = stepG(b, c, d, a, m8, 27, 20);
    a = stepG(a, b, c, d, m13, 28, 5);
    d = stepG(d, a, b, c, m2, 29, 9);
    c = stepG(c, d, a, b, m7, 30, 14);
    b = stepG(b, c, d, a, m12, 31, 20);
    a = stepH(a, b, c, d, m5, 32, 4);
    d = stepH(d, a, b, c, m8, 33, 11);
    c = stepH(c, d, a, b, m11, 34, 16);
    b = stepH(b, c, d, a, m14, 35, 23);
    a = stepH(a, b, c, d, m1, 36, 4);
    d = stepH(d, a, b, c, m4, 37, 11);
    c = stepH(c, d, a, b, m7, 38, 16);
    b = stepH(b, c, d, a, m10, 39, 23);
    a = stepH(a, b, c, d, m13, 40, 4);
    d = stepH(d, a, b, c, m0, 41, 11);
    c = stepH(c, d, a, b, m3, 42, 16);
    b = stepH(b, c, d, a, m6, 43, 23);
    a = stepH(a, b, c, d, m9, 44, 4);
    d = stepH(d, a, b, c, m12, 45, 11);
    c = stepH(c, d, a, b, m15, 46, 16);
    b = stepH(b, c, d, a, m2, 47, 23);
    a = stepI(a, b, c, d, m0, 48, 6);
    d = stepI(d, a, b, c, m7, 49, 10);
    c = stepI(c, d, a, b, m14, 50, 15);
    b = stepI(b, c, d, a, m5, 51, 21);
    a = stepI(a, b, c, d, m12, 52, 6);
    d = stepI(d, a, b, c, m3, 53, 10);
    c = stepI(c, d, a, b, m10, 54, 15);
    b = stepI(b, c, d, a, m1, 55, 21);
    a = stepI(a, b, c, d, m8, 56, 6);
    d = stepI(d, a, b, c, m15, 57, 10);
    c = stepI(c, d, a, b, m6, 58, 15);
    b = stepI(b, c, d, a, m13, 59, 21);
    a = stepI(a, b, c, d, m4, 60, 6);
    d = stepI(d, a, b, c, m11, 61, 10);
    c = stepI(c, d, a, b, m2, 62, 15);
    b = stepI(b, c, d, a, m9, 63, 21);
    a = v128.bitselect(i32x4.add(a, aa), aa, live);
    b = v128.bitselect(i32x4.add(b, bb), bb, live);
    c = v128.bitselect(i32x4.add(c, cc), cc, live);
    d = v128.bitselect(i32x4.add(d, dd), dd, live);
  }
  // Back to lane order: lane l's digest is (a, b, c, d) lane l, little-endian.
  let t0 = i32x4.shuffle(a, b, 0, 4, 1, 5), t1 = i32x4.shuffle(a, b, 2, 6, 3, 7);
  let t2 = i32x4.shuffle(c, d, 0, 4, 1, 5), t3 = i32x4.shuffle(c, d, 2, 6, 3, 7);
  v128.store(PARAMS + 32, i64x2.shuffle(t0, t2, 0, 2));
  v128.store(PARAMS + 48, i64x2.shuffle(t0, t2, 1, 3));
  v128.store(PARAMS + 64, i64x2.shuffle(t1, t3, 0, 2));
  v128.store(PARAMS + 80, i64x2.shuffle(t1, t3, 1, 3));
}
