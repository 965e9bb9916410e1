// Chunk slicing: copy one chunk's region out of a C-order block into a contiguous buffer of the full chunk
// shape, filling what lies beyond the array edge with a fill pattern (any bit pattern: NaN payloads, -0.0).
// Trailing dims that are whole in the copied region, the block and the chunk merge into one run; runs go
// through memory.copy.
import { fillPattern, allEqualPattern } from "./memory";

const MAX_DIMS: i32 = 32;
// Parameters the TS wrapper writes (4 u32 arrays of MAX_DIMS), and the kernel's own odometer scratch.
const PARAMS: usize = memory.data(4 * MAX_DIMS * 4, 16);
const IDX: usize = memory.data(MAX_DIMS * 8, 16);
const SSTRIDE: usize = memory.data(MAX_DIMS * 8, 16);
const DSTRIDE: usize = memory.data(MAX_DIMS * 8, 16);

/** Static area for sliceChunk's shape arrays: u32[32] x 4 (srcShape, srcStart, dstShape, copyShape). */
export function sliceParams(): usize {
  return PARAMS;
}

@inline function u32at(p: usize, d: usize): usize {
  return <usize>load<u32>(p + (d << 2));
}

// Measured in Node 20: V8's memory.copy beats a v128 loop even for 512-byte runs (about 2x).
@inline function copyRun(d: usize, s: usize, n: usize): void {
  memory.copy(d, s, n);
}

/**
 * Copy the region `copyShape` starting at `srcStart` of the block at `src` (C order, `srcShape`) to the start
 * of the chunk buffer `dst` (C order, `dstShape`), and fill the rest of `dst` with the pattern `lo`/`hi` of
 * `esize` bytes. Shapes are u32 arrays of `ndim` (1..32) entries. Requires srcStart + copyShape <= srcShape
 * and copyShape <= dstShape per dim (the TS wrapper checks).
 */
export function sliceChunk(
  src: usize, srcShape: usize, srcStart: usize,
  dst: usize, dstShape: usize, copyShape: usize,
  ndim: u32, esize: u32, lo: u32, hi: u32,
): void {
  let nd = <usize>ndim;
  let es = <usize>esize;
  let total: usize = 1;
  let copyTotal: usize = 1;
  // Element strides (u64 slots so 32 dims never overflow the scratch).
  let ss: usize = 1;
  let ds: usize = 1;
  for (let d = nd; d-- > 0; ) {
    store<usize>(SSTRIDE + (d << 3), ss);
    store<usize>(DSTRIDE + (d << 3), ds);
    ss *= u32at(srcShape, d);
    ds *= u32at(dstShape, d);
    total *= u32at(dstShape, d);
    copyTotal *= u32at(copyShape, d);
  }
  if (copyTotal == 0) {
    fillPattern(dst, total, esize, lo, hi);
    return;
  }
  // Fill: nothing if the chunk is all inside; only the tail if only dim 0 is short (the copy is a prefix);
  // otherwise the whole buffer first (edge chunks only).
  let partial = false;
  let inner = true;
  for (let d: usize = 0; d < nd; d++) {
    if (u32at(copyShape, d) != u32at(dstShape, d)) {
      partial = true;
      if (d > 0) inner = false;
    }
  }
  if (partial) {
    if (inner) {
      fillPattern(dst + copyTotal * es, total - copyTotal, esize, lo, hi);
    } else {
      fillPattern(dst, total, esize, lo, hi);
    }
  }
  // Merge trailing dims: dims k..nd-1 form one run when every dim after k is whole in copy, src and dst.
  let k = nd - 1;
  let run = u32at(copyShape, k);
  while (k > 0) {
    let c = u32at(copyShape, k);
    if (c != u32at(srcShape, k) || c != u32at(dstShape, k)) break;
    k--;
    run *= u32at(copyShape, k);
  }
  let runBytes = run * es;
  // Base offsets (elements) of the region in src.
  let sbase: usize = 0;
  for (let d: usize = 0; d < nd; d++) sbase += u32at(srcStart, d) * load<usize>(SSTRIDE + (d << 3));
  let sp = src + sbase * es;
  let dp = dst;
  if (k == 0) {
    copyRun(dp, sp, runBytes);
    return;
  }
  // Odometer over dims 0..k-1 (innermost of them, k-1, in a tight loop).
  for (let d: usize = 0; d < k; d++) store<usize>(IDX + (d << 3), 0);
  let last = k - 1;
  let nLast = u32at(copyShape, last);
  let sStepLast = load<usize>(SSTRIDE + (last << 3)) * es;
  let dStepLast = load<usize>(DSTRIDE + (last << 3)) * es;
  while (true) {
    let s = sp;
    let t = dp;
    for (let i: usize = 0; i < nLast; i++) {
      copyRun(t, s, runBytes);
      s += sStepLast;
      t += dStepLast;
    }
    // Carry into dims last-1 .. 0.
    let d = last;
    while (true) {
      if (d == 0) return;
      d--;
      let slot = IDX + (d << 3);
      let v = load<usize>(slot) + 1;
      let sStep = load<usize>(SSTRIDE + (d << 3)) * es;
      let dStep = load<usize>(DSTRIDE + (d << 3)) * es;
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

/** True when all `n` elements of `esize` bytes at `ptr` equal the fill pattern (bitwise). */
export function sliceIsFill(ptr: usize, n: usize, esize: u32, lo: u32, hi: u32): bool {
  return allEqualPattern(ptr, n, esize, lo, hi);
}
