// Blosc1 container writer (FORMATS.md §5), laid out as c-blosc 1.21's single-threaded `blosc_compress_ctx`:
// header, bstarts table, then per block (shuffled into caller scratch) one stream per byte plane when split,
// each stream compressed by the inner codec or stored raw when it does not shrink; whole-buffer memcpyed
// fallback when the result would not fit. Block size and the split decision come from the caller
// (src/codecs/blosc.ts computes them as c-blosc's compute_blocksize / split_block do).
import { lz4Compress } from "./lz4";
import { lz4hcCompress } from "./lz4hc";
import { blosclzCompress } from "./blosclz";
import { snappyCompress } from "./snappy";
import { zstdCompress } from "./zstd";
import { shuffleBytes, bitshuffle } from "./shuffle";

// c-blosc API compressor codes (not the header format codes).
// @ts-ignore: decorator
@inline const BLOSC_BLOSCLZ: u32 = 0;
// @ts-ignore: decorator
@inline const BLOSC_LZ4: u32 = 1;
// @ts-ignore: decorator
@inline const BLOSC_LZ4HC: u32 = 2;
// @ts-ignore: decorator
@inline const BLOSC_SNAPPY: u32 = 3;
// @ts-ignore: decorator
@inline const BLOSC_ZLIB: u32 = 4;
// @ts-ignore: decorator
@inline const BLOSC_ZSTD: u32 = 5;

// @ts-ignore: decorator
@inline const DOSHUFFLE: u8 = 0x01;
// @ts-ignore: decorator
@inline const MEMCPYED: u8 = 0x02;
// @ts-ignore: decorator
@inline const DOBITSHUFFLE: u8 = 0x04;
// @ts-ignore: decorator
@inline const DONT_SPLIT: u8 = 0x10;
// @ts-ignore: decorator
@inline const HEADER: usize = 16;
// @ts-ignore: decorator
@inline const MIN_BUFFERSIZE: usize = 128;

/** Error codes (negative returns). */
// @ts-ignore: decorator
@inline const ERR_CODEC: i32 = -1;

/** Header format code (flags bits 5-7) of a c-blosc compressor code. */
function formatCode(compcode: u32): u8 {
  if (compcode == BLOSC_BLOSCLZ) return 0;
  if (compcode == BLOSC_LZ4 || compcode == BLOSC_LZ4HC) return 1;
  if (compcode == BLOSC_SNAPPY) return 2;
  if (compcode == BLOSC_ZLIB) return 3;
  return 4;
}

/**
 * Compress one stream with the inner codec, as c-blosc's blosc_c maps clevel (§5.7). Returns the compressed
 * size, 0 when it does not fit in `cap`, or ERR_CODEC when the codec is not built in. New kernels (zstd) add
 * a case here.
 */
function bloscInnerCompress(compcode: u32, src: usize, len: usize, dst: usize, cap: usize, clevel: i32): i32 {
  if (compcode == BLOSC_LZ4) return lz4Compress(src, len, dst, cap, 10 - clevel);
  if (compcode == BLOSC_BLOSCLZ) return blosclzCompress(src, len, dst, cap, clevel);
  if (compcode == BLOSC_SNAPPY) return snappyCompress(src, len, dst, cap);
  // lz4hc: c-blosc's lz4hc_wrap_compress passes clevel as the LZ4HC level.
  if (compcode == BLOSC_LZ4HC) return lz4hcCompress(src, len, dst, cap, clevel);
  // zstd: c-blosc's zstd_wrap_compress level 2*clevel-1 (clevel 9 = 22), no checksum; a frame that does
  // not fit in `cap` (-1) becomes 0 = store raw.
  if (compcode == BLOSC_ZSTD) {
    let n = zstdCompress(src, len, dst, cap, clevel < 9 ? 2 * clevel - 1 : 22, 0);
    return n < 0 ? 0 : n;
  }
  return ERR_CODEC;
}

/** True when the kernel compresses streams of `compcode` (zlib streams are written in src/codecs/blosc-zlib.ts). */
function bloscHasCodec(compcode: u32): bool {
  return compcode == BLOSC_BLOSCLZ || compcode == BLOSC_LZ4 || compcode == BLOSC_LZ4HC || compcode == BLOSC_SNAPPY || compcode == BLOSC_ZSTD;
}

/** Apply the block's shuffle into `tmp` as c-blosc's blosc_c does; returns the pointer to compress from. */
// @ts-ignore: decorator
@inline function shuffleBlock(shuffle: u32, typesize: u32, src: usize, tmp: usize, bsize: usize): usize {
  if (shuffle == 1 && typesize > 1) {
    shuffleBytes(src, tmp, bsize, typesize);
    return tmp;
  }
  if (shuffle == 2) {
    bitshuffle(src, tmp, bsize, typesize);
    return tmp;
  }
  return src;
}

function writeHeader(dst: usize, flags: u8, typesize: u32, nbytes: usize, blocksize: usize, cbytes: usize): void {
  store<u8>(dst, 2);
  store<u8>(dst, 1, 1);
  store<u8>(dst, flags, 2);
  store<u8>(dst, <u8>typesize, 3);
  store<u32>(dst, <u32>nbytes, 4);
  store<u32>(dst, <u32>blocksize, 8);
  store<u32>(dst, <u32>cbytes, 12);
}

/**
 * Write a Blosc1 container of `nbytes` at `src` into `dst` (capacity `dstCap`; c-blosc callers give nbytes + 16).
 * `shuffle` 0 none, 1 byte, 2 bit; `compcode` c-blosc's compressor code; `blocksize` and `dontSplit` as
 * computed by the caller; `scratch` holds `blocksize` bytes (the shuffled block). Returns the container size,
 * 0 when it does not fit in `dstCap`, or a negative error code.
 */
export function bloscCompress(
  src: usize, nbytes: usize, dst: usize, dstCap: usize, typesize: u32, clevel: i32, shuffle: u32,
  compcode: u32, blocksize: usize, dontSplit: bool, scratch: usize,
): i32 {
  if (dstCap < HEADER || blocksize == 0 || typesize == 0 || typesize > 255) return 0;
  let flags: u8 = (shuffle == 1 ? DOSHUFFLE : shuffle == 2 ? DOBITSHUFFLE : 0) | (dontSplit ? DONT_SPLIT : 0) | (formatCode(compcode) << 5);
  if (clevel == 0 || nbytes < MIN_BUFFERSIZE) return memcpyed(src, nbytes, dst, dstCap, flags, typesize, blocksize);
  if (!bloscHasCodec(compcode)) return ERR_CODEC;
  let nblocks = (nbytes + blocksize - 1) / blocksize;
  let leftover = nbytes % blocksize;
  let ntbytes = HEADER + nblocks * 4;
  if (ntbytes > dstCap) return memcpyed(src, nbytes, dst, dstCap, flags, typesize, blocksize);
  for (let j: usize = 0; j < nblocks; j++) {
    store<u32>(dst + HEADER + j * 4, <u32>ntbytes);
    let isLeftover = j == nblocks - 1 && leftover != 0;
    let bsize = isLeftover ? leftover : blocksize;
    let data = shuffleBlock(shuffle, typesize, src + j * blocksize, scratch, bsize);
    let nsplits: usize = !dontSplit && !isLeftover ? <usize>typesize : 1;
    let neblock = bsize / nsplits;
    for (let s: usize = 0; s < nsplits; s++) {
      ntbytes += 4;
      let maxout = neblock;
      if (ntbytes + maxout > dstCap) {
        if (ntbytes >= dstCap) return memcpyed(src, nbytes, dst, dstCap, flags, typesize, blocksize);
        maxout = dstCap - ntbytes;
      }
      let cbytes = bloscInnerCompress(compcode, data + s * neblock, neblock, dst + ntbytes, maxout, clevel);
      if (cbytes < 0) return cbytes;
      if (cbytes == 0 || <usize>cbytes >= neblock) {
        // The codec could not shrink this stream: store it raw (csize == neblock marks it).
        if (ntbytes + neblock > dstCap) return memcpyed(src, nbytes, dst, dstCap, flags, typesize, blocksize);
        memory.copy(dst + ntbytes, data + s * neblock, neblock);
        cbytes = <i32>neblock;
      }
      store<i32>(dst + ntbytes - 4, cbytes);
      ntbytes += <usize>cbytes;
    }
  }
  writeHeader(dst, flags, typesize, nbytes, blocksize, ntbytes);
  return <i32>ntbytes;
}

/** Memcpyed container: header (flags | MEMCPYED) and the raw, unshuffled input. 0 when it does not fit. */
function memcpyed(src: usize, nbytes: usize, dst: usize, dstCap: usize, flags: u8, typesize: u32, blocksize: usize): i32 {
  if (nbytes + HEADER > dstCap) return 0;
  memory.copy(dst + HEADER, src, nbytes);
  writeHeader(dst, flags | MEMCPYED, typesize, nbytes, blocksize, nbytes + HEADER);
  return <i32>(nbytes + HEADER);
}
