// Independent decoders for checking encoder output structurally (numcodecs.js and python decode it too).

/** A reference LZ4 block decoder, independent of the encoder; checks the end-of-block rules of FORMATS.md §6.2. */
export function lz4DecodeBlock(src: Uint8Array, n: number): Uint8Array {
  const out = new Uint8Array(n);
  let ip = 0;
  let op = 0;
  for (;;) {
    const token = src[ip++]!;
    let lit = token >> 4;
    if (lit === 15) for (let b = 255; b === 255; ) lit += b = src[ip++]!;
    out.set(src.subarray(ip, ip + lit), op);
    ip += lit;
    op += lit;
    if (ip === src.length) {
      if ((token & 15) !== 0) throw new Error("last sequence has a match");
      break;
    }
    const offset = src[ip]! | (src[ip + 1]! << 8);
    ip += 2;
    if (offset === 0 || offset > op) throw new Error(`bad offset ${offset} at ${op}`);
    let ml = token & 15;
    if (ml === 15) for (let b = 255; b === 255; ) ml += b = src[ip++]!;
    ml += 4;
    if (op > n - 12) throw new Error(`match starts at ${op} > n - 12 (MFLIMIT)`);
    if (op + ml > n - 5) throw new Error(`match ends at ${op + ml} > n - 5 (LASTLITERALS)`);
    for (let i = 0; i < ml; i++, op++) out[op] = out[op - offset]!;
  }
  if (op !== n) throw new Error(`decoded ${op} bytes, expected ${n}`);
  return out;
}

export interface BloscHeader {
  version: number;
  versionlz: number;
  flags: number;
  typesize: number;
  nbytes: number;
  blocksize: number;
  cbytes: number;
}

export function bloscHeader(c: Uint8Array): BloscHeader {
  const dv = new DataView(c.buffer, c.byteOffset, c.byteLength);
  return {
    version: c[0]!, versionlz: c[1]!, flags: c[2]!, typesize: c[3]!,
    nbytes: dv.getUint32(4, true), blocksize: dv.getUint32(8, true), cbytes: dv.getUint32(12, true),
  };
}

/** Byte unshuffle of one block (FORMATS.md §5.5). */
function unshuffle(src: Uint8Array, ts: number): Uint8Array {
  const out = src.slice();
  const n = Math.floor(src.length / ts);
  for (let j = 0; j < ts; j++) for (let i = 0; i < n; i++) out[i * ts + j] = src[j * n + i]!;
  return out;
}

/** Bit unshuffle of one block (FORMATS.md §5.5). */
function bitunshuffle(src: Uint8Array, ts: number): Uint8Array {
  const n = Math.floor(src.length / ts);
  if (src.length < ts || n % 8 !== 0) return src.slice();
  const out = src.slice();
  out.fill(0, 0, n * ts);
  for (let j = 0; j < ts; j++) {
    for (let k = 0; k < 8; k++) {
      const row = (8 * j + k) * (n / 8);
      for (let i = 0; i < n; i++) {
        const bit = (src[row + (i >> 3)]! >> (i & 7)) & 1;
        out[i * ts + j]! |= bit << k;
      }
    }
  }
  return out;
}

/**
 * Decode a Blosc1 container with LZ4 streams following the decoder rules of FORMATS.md §5.2 exactly
 * (absolute bstarts, nsplits rule, raw streams when csize == neblock).
 */
export function bloscDecodeLz4(c: Uint8Array): Uint8Array {
  return bloscDecode(c, 1, lz4DecodeBlock);
}

/** The same for any inner codec: `format` is the header's format code, `inner` decodes one stream. */
export function bloscDecode(c: Uint8Array, format: number, inner: (stream: Uint8Array, n: number) => Uint8Array): Uint8Array {
  const h = bloscHeader(c);
  if (h.version !== 2 || h.versionlz !== 1) throw new Error(`bad version ${h.version}/${h.versionlz}`);
  if (h.cbytes !== c.length) throw new Error(`cbytes ${h.cbytes} != length ${c.length}`);
  if (h.flags & 0x08) throw new Error("reserved flag set");
  if (h.nbytes === 0) return new Uint8Array(0);
  if (h.flags & 0x02) {
    if (h.cbytes !== h.nbytes + 16) throw new Error("memcpyed cbytes");
    return c.slice(16);
  }
  if (((h.flags >> 5) & 7) !== format) throw new Error(`format code ${(h.flags >> 5) & 7}, expected ${format}`);
  const dv = new DataView(c.buffer, c.byteOffset, c.byteLength);
  const out = new Uint8Array(h.nbytes);
  const nblocks = Math.ceil(h.nbytes / h.blocksize);
  const dontSplit = (h.flags & 0x10) !== 0;
  for (let j = 0; j < nblocks; j++) {
    let p = dv.getInt32(16 + 4 * j, true);
    if (j === 0 && p !== 16 + 4 * nblocks) throw new Error(`bstarts[0] = ${p}`);
    const leftover = j === nblocks - 1 && h.nbytes % h.blocksize !== 0;
    const bsize = leftover ? h.nbytes % h.blocksize : h.blocksize;
    const nsplits = !dontSplit && h.typesize <= 16 && Math.floor(h.blocksize / h.typesize) >= 128 && !leftover ? h.typesize : 1;
    const neblock = bsize / nsplits;
    const block = new Uint8Array(bsize);
    for (let s = 0; s < nsplits; s++) {
      const csize = dv.getInt32(p, true);
      p += 4;
      const stream = c.subarray(p, p + csize);
      if (csize > neblock) throw new Error(`stream ${s} of block ${j}: csize ${csize} > neblock ${neblock}`);
      block.set(csize === neblock ? stream : inner(stream, neblock), s * neblock);
      p += csize;
    }
    const plain = h.flags & 0x01 && h.typesize > 1 ? unshuffle(block, h.typesize) : h.flags & 0x04 ? bitunshuffle(block, h.typesize) : block;
    out.set(plain, j * h.blocksize);
  }
  return out;
}

/**
 * Decode a BloscLZ stream to `n` bytes, following the format c-blosc's blosclz_decompress reads (see
 * assembly/blosclz.ts): literal runs (ctrl < 32), matches with 3-bit lengths + 255-continuations, 13-bit
 * distances or far ones after the 31/255 escape; the first byte's bit 5 is the BloscLZ marker.
 */
export function blosclzDecode(src: Uint8Array, n: number, stats?: { far: number; matches: number }): Uint8Array {
  const out = new Uint8Array(n);
  let ip = 0, op = 0;
  let ctrl = src[ip++]! & 31;
  for (;;) {
    if (ctrl >= 32) {
      let len = (ctrl >> 5) - 1;
      let ofs = (ctrl & 31) << 8;
      if (len === 6) {
        let code;
        do {
          if (ip >= src.length) throw new Error("blosclz: truncated length");
          code = src[ip++]!;
          len += code;
        } while (code === 255);
      }
      if (ip >= src.length) throw new Error("blosclz: truncated distance");
      const code = src[ip++]!;
      let dist = ofs + code + 1;
      if (code === 255 && ofs === 31 << 8) {
        if (ip + 2 > src.length) throw new Error("blosclz: truncated far distance");
        ofs = (src[ip]! << 8) | src[ip + 1]!;
        ip += 2;
        dist = ofs + 8191 + 1;
        if (stats) stats.far++;
      }
      if (stats) stats.matches++;
      len += 3;
      if (dist > op) throw new Error(`blosclz: distance ${dist} before the start (at ${op})`);
      if (op + len > n) throw new Error("blosclz: output overrun");
      for (let i = 0; i < len; i++, op++) out[op] = out[op - dist]!;
    } else {
      const run = ctrl + 1;
      if (ip + run > src.length || op + run > n) throw new Error("blosclz: literal overrun");
      out.set(src.subarray(ip, ip + run), op);
      ip += run;
      op += run;
    }
    if (ip >= src.length) break;
    ctrl = src[ip++]!;
  }
  if (op !== n) throw new Error(`blosclz: ${op} bytes, expected ${n}`);
  return out;
}

/**
 * Decode a Snappy raw stream (Google's format description: a varint length, then literal and copy elements
 * with 1-, 2- or 4-byte offsets), checking it yields exactly `n` bytes. `stats` counts the element kinds.
 */
export function snappyDecode(src: Uint8Array, n: number, stats?: { short: number; long: number; literals: number }): Uint8Array {
  let ip = 0, len = 0, shift = 0;
  for (;;) {
    const b = src[ip++];
    if (b === undefined) throw new Error("snappy: truncated length");
    len |= (b & 0x7f) << shift;
    if (b < 0x80) break;
    shift += 7;
  }
  if (len !== n) throw new Error(`snappy: length ${len}, expected ${n}`);
  const out = new Uint8Array(n);
  let op = 0;
  while (ip < src.length) {
    const tag = src[ip++]!;
    const kind = tag & 3;
    if (kind === 0) {
      let m = tag >> 2;
      if (m >= 60) {
        const k = m - 59;
        m = 0;
        for (let i = 0; i < k; i++) m |= src[ip + i]! << (8 * i);
        ip += k;
      }
      const run = m + 1;
      if (ip + run > src.length || op + run > n) throw new Error("snappy: literal overrun");
      out.set(src.subarray(ip, ip + run), op);
      ip += run;
      op += run;
      if (stats) stats.literals++;
      continue;
    }
    let clen: number, off: number;
    if (kind === 1) {
      clen = ((tag >> 2) & 7) + 4;
      off = ((tag >> 5) << 8) | src[ip++]!;
      if (stats) stats.short++;
    } else if (kind === 2) {
      clen = (tag >> 2) + 1;
      off = src[ip]! | (src[ip + 1]! << 8);
      ip += 2;
      if (stats) stats.long++;
    } else {
      clen = (tag >> 2) + 1;
      off = (src[ip]! | (src[ip + 1]! << 8) | (src[ip + 2]! << 16) | (src[ip + 3]! << 24)) >>> 0;
      ip += 4;
    }
    if (off === 0 || off > op) throw new Error(`snappy: offset ${off} at ${op}`);
    if (op + clen > n) throw new Error("snappy: copy overrun");
    for (let i = 0; i < clen; i++, op++) out[op] = out[op - off]!;
  }
  if (op !== n) throw new Error(`snappy: ${op} bytes, expected ${n}`);
  return out;
}
