// Blosc1 container reader (FORMATS.md §5) for the containers c-blosc writes with LZ4/LZ4HC streams (format code 1)
// and memcpyed ones, as c-blosc 1.21's blosc_d: per block, each stream is LZ4-decompressed (or copied when
// stored raw) straight into the output, or into `scratch` when the block is byte- or bit-shuffled, then
// unshuffled into place. Everything is bounds-checked against the container's and the output's sizes. Anything
// else (zstd, zlib, blosclz, snappy streams, other versions) returns BLOSCD_UNSUPPORTED so that the caller
// can hand the container to another decoder.
import { lz4DecompressBlock } from "./lz4-decode";
import { unshuffleBytes, bitunshuffle } from "./shuffle";

/** Not malformed, but not decoded here: the caller falls back to another decoder. */
// @ts-ignore: decorator
@inline const BLOSCD_UNSUPPORTED: i32 = -1;
/** Header malformed, or sizes that do not fit the container. */
// @ts-ignore: decorator
@inline const BLOSCD_BAD_HEADER: i32 = -2;
/** Output buffer smaller than the header's nbytes. */
// @ts-ignore: decorator
@inline const BLOSCD_SMALL_OUTPUT: i32 = -3;
/** A block start or a stream size points outside the container. */
// @ts-ignore: decorator
@inline const BLOSCD_BAD_OFFSET: i32 = -4;
/** An LZ4 stream is corrupt or does not decompress to its stream size. */
// @ts-ignore: decorator
@inline const BLOSCD_BAD_STREAM: i32 = -5;

// @ts-ignore: decorator
@inline const HEADER: usize = 16;

/** The header's nbytes (uncompressed size), or -1 when `srcLen` is shorter than a header. */
export function bloscDecodedSize(src: usize, srcLen: usize): i64 {
  if (srcLen < HEADER) return -1;
  return <i64>load<u32>(src, 4);
}

/**
 * Decode the Blosc1 container at `src` (`srcLen` bytes) into `dst` (capacity `dstCap`). `scratch` holds at
 * least the header's blocksize (used only for shuffled blocks). Returns nbytes, or a negative code above.
 */
export function bloscDecompress(src: usize, srcLen: usize, dst: usize, dstCap: usize, scratch: usize): i32 {
  if (srcLen < HEADER) return BLOSCD_BAD_HEADER;
  let version = load<u8>(src);
  let versionlz = load<u8>(src, 1);
  let flags = load<u8>(src, 2);
  let typesize = <usize>load<u8>(src, 3);
  let nbytes = <usize>load<u32>(src, 4);
  let blocksize = <usize>load<u32>(src, 8);
  let cbytes = <usize>load<u32>(src, 12);
  if (version != 2 || versionlz != 1 || (flags & 0x08) != 0) return BLOSCD_UNSUPPORTED;
  if (cbytes > srcLen || cbytes < HEADER || nbytes > 0x7fffffef) return BLOSCD_BAD_HEADER;
  if (nbytes > dstCap) return BLOSCD_SMALL_OUTPUT;
  if (nbytes == 0) return 0;
  if (flags & 0x02) {
    // Memcpyed: the raw input follows the header, never shuffled.
    if (cbytes - HEADER < nbytes) return BLOSCD_BAD_HEADER;
    memory.copy(dst, src + HEADER, nbytes);
    return <i32>nbytes;
  }
  if ((flags >> 5) != 1) return BLOSCD_UNSUPPORTED;
  let shuffle = flags & 0x05;
  if (shuffle == 0x05 || typesize == 0 || blocksize == 0) return BLOSCD_UNSUPPORTED;
  let byteShuffled = shuffle == 0x01 && typesize > 1;
  let bitShuffled = shuffle == 0x04;
  let dontSplit = (flags & 0x10) != 0;
  let nblocks = (nbytes + blocksize - 1) / blocksize;
  let leftover = nbytes % blocksize;
  if (<u64>HEADER + <u64>nblocks * 4 > <u64>cbytes) return BLOSCD_BAD_OFFSET;
  let end = src + cbytes;
  for (let j: usize = 0; j < nblocks; j++) {
    let isLeftover = j == nblocks - 1 && leftover != 0;
    let bsize = isLeftover ? leftover : blocksize;
    let nsplits: usize = !dontSplit && !isLeftover && typesize <= 16 && blocksize / typesize >= 128 ? typesize : 1;
    let neblock = bsize / nsplits;
    if (neblock * nsplits != bsize) return BLOSCD_UNSUPPORTED;
    let out = dst + j * blocksize;
    let target = byteShuffled || bitShuffled ? scratch : out;
    let pos = <usize>load<u32>(src + HEADER + j * 4);
    if (pos < HEADER + nblocks * 4 || pos > cbytes) return BLOSCD_BAD_OFFSET;
    let p = src + pos;
    for (let s: usize = 0; s < nsplits; s++) {
      if (end - p < 4) return BLOSCD_BAD_OFFSET;
      let csize = load<i32>(p);
      p += 4;
      if (csize < 0 || <usize>csize > end - p) return BLOSCD_BAD_OFFSET;
      let d = target + s * neblock;
      if (<usize>csize == neblock) {
        memory.copy(d, p, neblock);
      } else if (lz4DecompressBlock(p, <usize>csize, d, neblock) < 0) {
        return BLOSCD_BAD_STREAM;
      }
      p += <usize>csize;
    }
    if (byteShuffled) unshuffleBytes(scratch, out, bsize, <u32>typesize);
    else if (bitShuffled) bitunshuffle(scratch, out, bsize, <u32>typesize);
  }
  return <i32>nbytes;
}
