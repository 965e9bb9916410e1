// Blosc containers with zlib streams (cname "zlib"): no WASM kernel compresses zlib, so the container is
// assembled here around node:zlib (native zlib in Node and Deno), as c-blosc's zlib_wrap_compress calls
// compress2 at the clevel. Block and split rules, raw streams for streams that do not shrink, and the memcpyed
// fallback are those of the kernel (assembly/blosc.ts, FORMATS.md §5); the shuffles are the kernels'.
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

/** A Blosc1 container of the bytes at `input` with zlib streams, in `k.arena` (at most nbytes + 16 bytes). */
export function bloscZlibSpan(k: Kernels, input: Span, p: BloscZlibParams): Span {
  const nbytes = input.len;
  const cap = nbytes + HEADER;
  const flags = (p.shuffle === 1 ? 0x01 : p.shuffle === 2 ? 0x04 : 0) | (p.split ? 0 : 0x10) | (ZLIB_FORMAT << 5);
  const out = new Uint8Array(cap);
  const dv = new DataView(out.buffer);
  const header = (f: number, cbytes: number) => {
    out[0] = 2;
    out[1] = 1;
    out[2] = f;
    out[3] = p.typesize;
    dv.setUint32(4, nbytes, true);
    dv.setUint32(8, p.blocksize, true);
    dv.setUint32(12, cbytes, true);
  };
  const done = (len: number): Span => {
    const dst = k.arena.alloc(len);
    k.u8.set(out.subarray(0, len), dst);
    return { ptr: dst, len };
  };
  const memcpyed = (): Span => {
    header(flags | 0x02, cap);
    out.set(k.u8.subarray(input.ptr, input.ptr + nbytes), HEADER);
    return done(cap);
  };
  if (p.clevel === 0 || nbytes < MIN_BUFFERSIZE) return memcpyed();
  const bs = p.blocksize;
  const nblocks = Math.ceil(nbytes / bs);
  const leftover = nbytes % bs;
  let ntbytes = HEADER + nblocks * 4;
  if (ntbytes > cap) return memcpyed();
  const shuffled = p.shuffle === 2 || (p.shuffle === 1 && p.typesize > 1);
  const scratch = shuffled ? k.arena.alloc(bs) : 0;
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
        if (ntbytes >= cap) return memcpyed();
        maxout = cap - ntbytes;
      }
      const stream = k.u8.subarray(data + s * neblock, data + (s + 1) * neblock);
      const z = deflateSync(stream, { level: p.clevel });
      // compress2 into `maxout` bytes fails when the stream does not fit: c-blosc then stores it raw.
      let cbytes = z.length > maxout ? 0 : z.length;
      if (cbytes === 0 || cbytes >= neblock) {
        if (ntbytes + neblock > cap) return memcpyed();
        out.set(stream, ntbytes);
        cbytes = neblock;
      } else {
        out.set(z, ntbytes);
      }
      dv.setInt32(ntbytes - 4, cbytes, true);
      ntbytes += cbytes;
    }
  }
  header(flags, ntbytes);
  return done(ntbytes);
}
