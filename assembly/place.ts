// Chunk placing, the inverse of slice.ts: copy a sub-box of a decoded source chunk into a sub-box of a C-order
// output block. Strides are given per dim (in elements) for both sides, so a chunk stored in Fortran order
// (zarr v2 order "F") is placed without a transpose first. Trailing dims that are whole and contiguous on both
// sides merge into one run. Runs of 64 bytes or more go through memory.copy (V8's memmove; measured faster than
// a v128 loop for long runs, see slice.ts); shorter runs use v128 and scalar copies, avoiding the call.

const MAX_DIMS: i32 = 32;
// Parameters the TS wrapper writes: 5 u32 arrays of MAX_DIMS (srcStride, srcStart, dstStride, dstStart, copyShape).
const PARAMS: usize = memory.data(5 * MAX_DIMS * 4, 16);
const IDX: usize = memory.data(MAX_DIMS * 8, 16);

/** Static area for placeBox's arrays: u32[32] x 5 (srcStride, srcStart, dstStride, dstStart, copyShape). */
export function placeParams(): usize {
  return PARAMS;
}

@inline function u32at(p: usize, d: usize): usize {
  return <usize>load<u32>(p + (d << 2));
}

@inline function copyRun(d: usize, s: usize, n: usize): void {
  if (n >= 64) {
    memory.copy(d, s, n);
    return;
  }
  while (n >= 16) {
    v128.store(d, v128.load(s));
    d += 16;
    s += 16;
    n -= 16;
  }
  if (n >= 8) {
    store<u64>(d, load<u64>(s));
    d += 8;
    s += 8;
    n -= 8;
  }
  while (n > 0) {
    store<u8>(d, load<u8>(s));
    d++;
    s++;
    n--;
  }
}

/** Copy `n` elements of `es` bytes, `ss` / `ds` bytes apart (a run along a dim that is strided in the source). */
@inline function copyStrided(d: usize, s: usize, n: usize, es: usize, ss: usize, ds: usize): void {
  if (es == 8) for (let i: usize = 0; i < n; i++, s += ss, d += ds) store<u64>(d, load<u64>(s));
  else if (es == 4) for (let i: usize = 0; i < n; i++, s += ss, d += ds) store<u32>(d, load<u32>(s));
  else if (es == 2) for (let i: usize = 0; i < n; i++, s += ss, d += ds) store<u16>(d, load<u16>(s));
  else for (let i: usize = 0; i < n; i++, s += ss, d += ds) store<u8>(d, load<u8>(s));
}

/**
 * Copy the box `copyShape` starting at `srcStart` of the chunk at `src` (element strides `srcStride`) to the box
 * starting at `dstStart` of the block at `dst` (element strides `dstStride`). Arrays are u32 of `ndim` (1..32)
 * entries; `esize` is 1, 2, 4 or 8. The TS wrapper checks that both boxes lie inside their buffers.
 */
export function placeBox(
  src: usize, srcStride: usize, srcStart: usize,
  dst: usize, dstStride: usize, dstStart: usize,
  copyShape: usize, ndim: u32, esize: u32,
): void {
  let nd = <usize>ndim;
  let es = <usize>esize;
  let sp = src;
  let dp = dst;
  for (let d: usize = 0; d < nd; d++) {
    if (u32at(copyShape, d) == 0) return;
    sp += u32at(srcStart, d) * u32at(srcStride, d) * es;
    dp += u32at(dstStart, d) * u32at(dstStride, d) * es;
  }
  // Innermost dim contiguous on both sides: merge outer dims while the run stays contiguous on both.
  let k = nd - 1;
  let run = u32at(copyShape, k);
  let contiguous = u32at(srcStride, k) == 1 && u32at(dstStride, k) == 1;
  if (contiguous) {
    while (k > 0 && u32at(srcStride, k - 1) == run && u32at(dstStride, k - 1) == run) {
      k--;
      run *= u32at(copyShape, k);
    }
  }
  let runBytes = run * es;
  let sInner = u32at(srcStride, k) * es;
  let dInner = u32at(dstStride, k) * es;
  if (k == 0) {
    if (contiguous) copyRun(dp, sp, runBytes);
    else copyStrided(dp, sp, run, es, sInner, dInner);
    return;
  }
  // Odometer over dims 0..k-1; dim k is the run (contiguous) or the strided element loop.
  for (let d: usize = 0; d < k; d++) store<usize>(IDX + (d << 3), 0);
  while (true) {
    if (contiguous) copyRun(dp, sp, runBytes);
    else copyStrided(dp, sp, run, es, sInner, dInner);
    let d = k;
    while (true) {
      if (d == 0) return;
      d--;
      let slot = IDX + (d << 3);
      let v = load<usize>(slot) + 1;
      let sStep = u32at(srcStride, d) * es;
      let dStep = u32at(dstStride, d) * es;
      if (v < u32at(copyShape, d)) {
        store<usize>(slot, v);
        sp += sStep;
        dp += dStep;
        break;
      }
      store<usize>(slot, 0);
      sp -= (v - 1) * sStep;
      dp -= (v - 1) * dStep;
    }
  }
}
