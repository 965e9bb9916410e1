// Blosc containers with zlib streams (cname "zlib"): no WASM kernel compresses zlib, so the container is
// assembled here around node:zlib (native zlib in Node and Deno), as c-blosc's zlib_wrap_compress calls
// compress2 at the clevel. Block and split rules and raw streams for streams that do not shrink are those of
// the kernel (assembly/blosc.ts, FORMATS.md §5); the shuffles are the kernels'. The caller falls back to the
// kernel's memcpyed container when this returns 0.
import { deflateSync } from "node:zlib";
import type { Kernels } from "../kernels/instance.js";
import { shufflePtr } from "../kernels/shuffle.js";
import type { Span } from "./types.js";

const HEADER = 16;
const MIN_BUFFERSIZE = 128;
const ZLIB_FORMAT = 3;

export interface BloscZlibParams {
  typesize: number;
  /** 0 none, 1 byte, 2 bit. */
  shuffle: 0 | 1 | 2;
  clevel: number;
  blocksize: number;
  split: boolean;
}

/**
 * Write the Blosc1 container of the bytes at `input` with zlib streams to `dst` (`cap` bytes, in `k`'s memory);
 * `scratch` holds a block when it is shuffled. Returns the container's size, or 0 when the container must be
 * memcpyed (clevel 0, a small input, or a result that does not fit).
 */
export function bloscZlibCompress(k: Kernels, input: Span, dst: number, cap: number, scratch: number, p: BloscZlibParams): number {
  const nbytes = input.len;
  if (p.clevel === 0 || nbytes < MIN_BUFFERSIZE) return 0;
  const bs = p.blocksize;
  const nblocks = Math.ceil(nbytes / bs);
  const leftover = nbytes % bs;
  let ntbytes = HEADER + nblocks * 4;
  if (ntbytes > cap) return 0;
  const shuffled = p.shuffle === 2 || (p.shuffle === 1 && p.typesize > 1);
  const u8 = k.u8; // nothing below allocates in WASM memory
  const dv = new DataView(u8.buffer, dst, cap);
  for (let j = 0; j < nblocks; j++) {
    dv.setUint32(HEADER + 4 * j, ntbytes, true);
    const isLeftover = j === nblocks - 1 && leftover !== 0;
    const bsize = isLeftover ? leftover : bs;
    let data = input.ptr + j * bs;
    if (shuffled) {
      shufflePtr(p.shuffle === 2 ? "bitshuffle" : "shuffle", data, scratch, bsize, p.typesize, k);
      data = scratch;
    }
    const nsplits = p.split && !isLeftover ? p.typesize : 1;
    const neblock = bsize / nsplits;
    for (let s = 0; s < nsplits; s++) {
      ntbytes += 4;
      let maxout = neblock;
      if (ntbytes + maxout > cap) {
        if (ntbytes >= cap) return 0;
        maxout = cap - ntbytes;
      }
      const stream = u8.subarray(data + s * neblock, data + (s + 1) * neblock);
      const z = deflateSync(stream, { level: p.clevel });
      // compress2 into `maxout` bytes fails when the stream does not fit: c-blosc then stores it raw.
      let cbytes = z.length > maxout ? 0 : z.length;
      if (cbytes === 0 || cbytes >= neblock) {
        if (ntbytes + neblock > cap) return 0;
        u8.copyWithin(dst + ntbytes, data + s * neblock, data + (s + 1) * neblock);
        cbytes = neblock;
      } else {
        u8.set(z, dst + ntbytes);
      }
      dv.setInt32(ntbytes - 4, cbytes, true);
      ntbytes += cbytes;
    }
  }
  u8[dst] = 2;
  u8[dst + 1] = 1;
  u8[dst + 2] = (p.shuffle === 1 ? 0x01 : p.shuffle === 2 ? 0x04 : 0) | (p.split ? 0 : 0x10) | (ZLIB_FORMAT << 5);
  u8[dst + 3] = p.typesize;
  dv.setUint32(4, nbytes, true);
  dv.setUint32(8, bs, true);
  dv.setUint32(12, ntbytes, true);
  return ntbytes;
}
