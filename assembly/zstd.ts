// Zstandard frame encoder (RFC 8878; FORMATS.md §7). One single-segment frame per call with the content size
// always written and an optional XXH64 content checksum. The input is cut into 128 KiB blocks; each block is
// written as RLE (one repeated byte), compressed (when that is smaller) or raw.
import { xxh64 } from "./lib/zstd/xxh64";
import { compressBlock, BLOCK_SCRATCH_SIZE, beginBlocks, blockEmitted } from "./lib/zstd/block";
import { beginFrame } from "./lib/zstd/matchfinder";

const MAGIC: u32 = 0xfd2fb528;
const BLOCK_MAX: usize = 131072;

// Compressed block bodies are written straight into `dst` when it has room for the worst case, otherwise here.
const scratch: usize = memory.data(<i32>BLOCK_SCRATCH_SIZE, 64);

/** Worst-case frame size for `len` input bytes (all blocks raw, plus header and checksum). */
export function zstdCompressBound(len: usize): usize {
  return len + (len >> 8) + 64;
}

/** True when all `n` bytes at `p` equal p[0] (n >= 1). */
function allSame(p: usize, n: usize): bool {
  let v = i8x16.splat(load<i8>(p));
  let end = p + n;
  let q = p;
  while (q + 64 <= end) {
    let d = v128.or(
      v128.or(v128.xor(v128.load(q), v), v128.xor(v128.load(q, 16), v)),
      v128.or(v128.xor(v128.load(q, 32), v), v128.xor(v128.load(q, 48), v)),
    );
    if (v128.any_true(d)) return false;
    q += 64;
  }
  let b = load<u8>(p);
  while (q < end) {
    if (load<u8>(q) != b) return false;
    q++;
  }
  return true;
}

// @ts-ignore: decorator
@inline function writeBlockHeader(p: usize, size: u32, type: u32, last: u32): void {
  let h = (size << 3) | (type << 1) | last;
  store<u16>(p, <u16>h);
  store<u8>(p, <u8>(h >> 16), 2);
}

/**
 * Compress `len` bytes at `src` into one zstd frame at `dst` (capacity `cap`). `level` 0 = default (3); levels
 * above the strongest implemented strategy use it; negative levels use level 1. `checksum` != 0 appends the
 * XXH64 content checksum. Returns the frame size, or -1 when `cap` is too small (use zstdCompressBound).
 */
export function zstdCompress(src: usize, len: usize, dst: usize, cap: usize, level: i32, checksum: i32): i32 {
  if (cap < 18) return -1;
  let op = dst;
  let end = dst + cap;
  store<u32>(op, MAGIC);
  // Frame header: single segment (no window descriptor), FCS field as small as the size allows.
  let fhd: u32 = checksum ? 0x04 : 0;
  if (len < 256) {
    store<u8>(op, <u8>(0x20 | fhd), 4);
    store<u8>(op, <u8>len, 5);
    op += 6;
  } else if (len < 65792) {
    store<u8>(op, <u8>(0x60 | fhd), 4);
    store<u16>(op, <u16>(len - 256), 5);
    op += 7;
  } else {
    store<u8>(op, <u8>(0xa0 | fhd), 4);
    store<u32>(op, <u32>len, 5);
    op += 9;
  }
  if (len == 0) {
    writeBlockHeader(op, 0, 0, 1);
    op += 3;
  } else {
    if (level == 0) level = 3;
    beginFrame(src, len, level);
    beginBlocks();
    let pos: usize = 0;
    while (pos < len) {
      let bsz = len - pos < BLOCK_MAX ? len - pos : BLOCK_MAX;
      let last: u32 = pos + bsz == len ? 1 : 0;
      let ip = src + pos;
      if (end - op < 4) return -1;
      if (allSame(ip, bsz)) {
        writeBlockHeader(op, <u32>bsz, 1, last);
        store<u8>(op, load<u8>(ip), 3);
        op += 4;
        // The match finder must still see these bytes as history (its tables skip them).
      } else {
        let direct = end - op >= 3 * bsz + 1024;
        let target = direct ? op + 3 : scratch;
        let csize = compressBlock(ip, bsz, target);
        if (csize > 0 && csize < bsz) {
          if (end - op < csize + 3) return -1;
          if (!direct) memory.copy(op + 3, scratch, csize);
          writeBlockHeader(op, <u32>csize, 2, last);
          blockEmitted();
          op += 3 + csize;
        } else {
          if (end - op < bsz + 3) return -1;
          writeBlockHeader(op, <u32>bsz, 0, last);
          memory.copy(op + 3, ip, bsz);
          op += 3 + bsz;
        }
      }
      pos += bsz;
    }
  }
  if (checksum) {
    if (end - op < 4) return -1;
    store<u32>(op, <u32>xxh64(src, len));
    op += 4;
  }
  return <i32>(op - dst);
}

/** XXH64 (seed 0) of `len` bytes at `src`, as two u32 halves in a static slot: returns the low half, see zstdXxh64High. */
let xxhHigh: u32 = 0;
export function zstdXxh64(src: usize, len: usize): u32 {
  let h = xxh64(src, len);
  xxhHigh = <u32>(h >> 32);
  return <u32>h;
}
export function zstdXxh64High(): u32 {
  return xxhHigh;
}
