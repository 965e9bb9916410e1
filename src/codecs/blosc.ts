// Blosc1 (v2 `{id: "blosc", cname, clevel, shuffle, blocksize}`, v3 `blosc`): the container of FORMATS.md §5
// written by the WASM kernel (assembly/blosc.ts; zlib streams: ./blosc-zlib.ts) with c-blosc 1.21's automatic
// block size and split rules, so block boundaries, streams and header bytes 0-11 match what c-blosc writes for
// the same input and settings.
import type { Kernels } from "../kernels/instance.js";
import { encodeViaSpan, intSetting, onlyKeys } from "./common.js";
import { bloscZlibCompress } from "./blosc-zlib.js";
import { CodecError, type Codec, type NumcodecsConfig, type Span, type V3CodecConfig } from "./types.js";

export type BloscCname = "blosclz" | "lz4" | "lz4hc" | "snappy" | "zlib" | "zstd";
/** numcodecs shuffle: 0 none, 1 byte, 2 bit, -1 auto (bit for 1-byte elements, else byte). */
export type BloscShuffle = -1 | 0 | 1 | 2;

/** c-blosc API compressor codes (what the kernel's inner-codec switch takes). */
const COMPCODE: Record<BloscCname, number> = { blosclz: 0, lz4: 1, lz4hc: 2, snappy: 3, zlib: 4, zstd: 5 };
const CNAMES = Object.keys(COMPCODE) as BloscCname[];
const V3_SHUFFLE = ["noshuffle", "shuffle", "bitshuffle"] as const;

const L1 = 32768;
const MIN_BUFFERSIZE = 128;
const MAX_SPLITS = 16;
const MAX_TYPESIZE = 255;
/** c-blosc 1.21 BLOSC_MAX_BLOCKSIZE = (INT_MAX - 255·4) / 3. */
const MAX_BLOCKSIZE = Math.floor((2147483647 - MAX_TYPESIZE * 4) / 3);
/** c-blosc BLOSC_MAX_BUFFERSIZE = INT_MAX - 16. */
export const BLOSC_MAX_BUFFERSIZE = 2147483647 - 16;
const CLEVEL_SCALE = [0.25, 0.5, 1, 2, 4, 4, 8, 8, 8, 8];

const isHcr = (cname: BloscCname) => cname === "lz4hc" || cname === "zlib" || cname === "zstd";

/** c-blosc's split_block in the default forward-compat mode: one stream per byte plane? */
export function bloscSplit(cname: BloscCname, typesize: number, blocksize: number): boolean {
  return cname !== "zstd" && typesize <= MAX_SPLITS && Math.floor(blocksize / typesize) >= MIN_BUFFERSIZE;
}

/** c-blosc 1.21's compute_blocksize (FORMATS.md §5.3): the block size c-blosc writes for these settings. */
export function bloscBlocksize(cname: BloscCname, clevel: number, typesize: number, nbytes: number, forced = 0): number {
  if (nbytes < typesize) return 1;
  let bs = nbytes;
  if (forced !== 0) {
    bs = Math.min(Math.max(forced, MIN_BUFFERSIZE), MAX_BLOCKSIZE);
  } else if (nbytes >= L1) {
    bs = L1 * (isHcr(cname) ? 2 : 1) * CLEVEL_SCALE[clevel]!;
    if (clevel === 9 && isHcr(cname)) bs *= 2;
  }
  if (clevel > 0 && bloscSplit(cname, typesize, bs)) {
    bs = Math.min(bs, 262144) * typesize;
    bs = Math.min(Math.max(bs, 65536), 1048576);
  }
  bs = Math.min(bs, nbytes);
  if (bs > typesize) bs = Math.floor(bs / typesize) * typesize;
  return bs;
}

interface BloscExports {
  bloscCompress(
    src: number, nbytes: number, dst: number, dstCap: number, typesize: number, clevel: number, shuffle: number,
    compcode: number, blocksize: number, dontSplit: number, scratch: number,
  ): number;
}

const bloscExports = (k: Kernels): BloscExports => k.exports as unknown as BloscExports;

export interface BloscOptions {
  cname?: BloscCname;
  clevel?: number;
  shuffle?: BloscShuffle;
  blocksize?: number;
  /** Element size for the header and the shuffle; by default the input's element size. */
  typesize?: number;
}

export class BloscCodec implements Codec {
  readonly id = "blosc";
  readonly kind = "bytes-bytes" as const;
  readonly cname: BloscCname;
  readonly clevel: number;
  readonly shuffle: BloscShuffle;
  readonly blocksize: number;
  readonly typesize: number | undefined;

  constructor(o: BloscOptions = {}) {
    this.cname = o.cname ?? "lz4";
    this.clevel = o.clevel ?? 5;
    this.shuffle = o.shuffle ?? 1;
    this.blocksize = o.blocksize ?? 0;
    this.typesize = o.typesize;
    if (!CNAMES.includes(this.cname)) {
      throw new CodecError("blosc", "cname", `blosc: cname ${JSON.stringify(this.cname)} is not one of ${CNAMES.join(", ")}`);
    }
    if (!Number.isInteger(this.clevel) || this.clevel < 0 || this.clevel > 9) {
      throw new CodecError("blosc", "clevel", `blosc: clevel must be an integer in 0..9, got ${JSON.stringify(this.clevel)}`);
    }
    if (![-1, 0, 1, 2].includes(this.shuffle)) {
      throw new CodecError("blosc", "shuffle", `blosc: shuffle must be -1 (auto), 0, 1 or 2, got ${JSON.stringify(this.shuffle)}`);
    }
    if (!Number.isInteger(this.blocksize) || this.blocksize < 0 || this.blocksize > BLOSC_MAX_BUFFERSIZE) {
      throw new CodecError("blosc", "blocksize", `blosc: blocksize must be 0 (automatic) or a positive integer, got ${JSON.stringify(this.blocksize)}`);
    }
    if (this.typesize !== undefined && (!Number.isInteger(this.typesize) || this.typesize < 1)) {
      throw new CodecError("blosc", "typesize", `blosc: typesize must be a positive integer, got ${JSON.stringify(this.typesize)}`);
    }
  }

  static fromV2(s: Record<string, unknown>): BloscCodec {
    onlyKeys("blosc", s, ["cname", "clevel", "shuffle", "blocksize", "typesize"]);
    return new BloscCodec({
      cname: cnameSetting(s.cname),
      clevel: intSetting("blosc", s, "clevel", 5, 0, 9),
      shuffle: intSetting("blosc", s, "shuffle", 1, -1, 2) as BloscShuffle,
      blocksize: intSetting("blosc", s, "blocksize", 0, 0, BLOSC_MAX_BUFFERSIZE),
      typesize: s.typesize == null ? undefined : intSetting("blosc", s, "typesize", 1, 1, 2 ** 31 - 1),
    });
  }

  static fromV3(s: Record<string, unknown>): BloscCodec {
    onlyKeys("blosc", s, ["cname", "clevel", "shuffle", "blocksize", "typesize"]);
    const sh = s.shuffle ?? "noshuffle";
    const shuffle = V3_SHUFFLE.indexOf(sh as (typeof V3_SHUFFLE)[number]);
    if (shuffle < 0) {
      throw new CodecError("blosc", "shuffle", `blosc: shuffle must be one of ${V3_SHUFFLE.join(", ")}, got ${JSON.stringify(sh)}`);
    }
    return new BloscCodec({
      cname: cnameSetting(s.cname ?? "zstd"),
      clevel: intSetting("blosc", s, "clevel", 5, 0, 9),
      shuffle: shuffle as BloscShuffle,
      blocksize: intSetting("blosc", s, "blocksize", 0, 0, BLOSC_MAX_BUFFERSIZE),
      typesize: s.typesize == null ? undefined : intSetting("blosc", s, "typesize", 1, 1, 2 ** 31 - 1),
    });
  }

  /** The typesize written to the header for input elements of `elementSize` bytes (> 255 is stored as 1). */
  typesizeFor(elementSize: number): number {
    const ts = this.typesize ?? elementSize;
    return ts > MAX_TYPESIZE ? 1 : ts;
  }

  /** The shuffle applied for this typesize (numcodecs' auto: bit shuffle for 1-byte elements, else byte). */
  shuffleFor(typesize: number): 0 | 1 | 2 {
    return this.shuffle === -1 ? (typesize === 1 ? 2 : 1) : this.shuffle;
  }

  /**
   * Encode `input` (in `k`'s memory, elements of `elementSize` bytes unless the config names a typesize) into
   * a container allocated in `k.arena` (nbytes + 16 bytes reserved, the bound c-blosc callers use).
   */
  encodeSpan(k: Kernels, input: Span, elementSize: number): Span {
    const nbytes = input.len;
    if (nbytes > BLOSC_MAX_BUFFERSIZE) {
      throw new CodecError("blosc", "size", `blosc: input of ${nbytes} bytes exceeds Blosc's limit of ${BLOSC_MAX_BUFFERSIZE}`);
    }
    const ts = this.typesizeFor(elementSize);
    const shuffle = this.shuffleFor(ts);
    const ex = bloscExports(k);
    const bs = bloscBlocksize(this.cname, this.clevel, ts, nbytes, this.blocksize);
    const split = bloscSplit(this.cname, ts, bs);
    const cap = nbytes + 16;
    const dst = k.arena.alloc(cap);
    const scratch = shuffle === 0 ? 0 : k.arena.alloc(bs);
    const kernel = (clevel: number) => ex.bloscCompress(input.ptr, nbytes, dst, cap, ts, clevel, shuffle, COMPCODE[this.cname], bs, split ? 0 : 1, scratch);
    // zlib streams come from node:zlib (./blosc-zlib.ts); when they do not fit, the kernel writes the memcpyed
    // container (clevel 0), as it does itself for every other codec.
    const n = this.cname === "zlib"
      ? bloscZlibCompress(k, input, dst, cap, scratch, { typesize: ts, shuffle, clevel: this.clevel, blocksize: bs, split }) || kernel(0)
      : kernel(this.clevel);
    if (n <= 0) throw new CodecError("blosc", undefined, `blosc: kernel failed on ${nbytes} bytes (returned ${n})`);
    return { ptr: dst, len: n };
  }

  encodeSync(data: ArrayBufferView): Uint8Array {
    return encodeViaSpan(data, (k, input, es) => this.encodeSpan(k, input, es));
  }

  async encode(data: ArrayBufferView): Promise<Uint8Array> {
    return this.encodeSync(data);
  }

  toV2(): NumcodecsConfig {
    return { id: "blosc", cname: this.cname, clevel: this.clevel, shuffle: this.shuffle, blocksize: this.blocksize };
  }

  toV3(): V3CodecConfig {
    // v3 has no "auto": resolve it with the configured typesize (byte shuffle when unknown, as for ts > 1).
    const shuffle = this.shuffle === -1 ? (this.typesize === 1 ? 2 : 1) : this.shuffle;
    const configuration: Record<string, unknown> = { cname: this.cname, clevel: this.clevel, shuffle: V3_SHUFFLE[shuffle], blocksize: this.blocksize };
    if (this.typesize !== undefined) configuration.typesize = this.typesize;
    return { name: "blosc", configuration };
  }
}

function cnameSetting(v: unknown): BloscCname {
  if (v === undefined || v === null) return "lz4";
  if (typeof v !== "string" || !CNAMES.includes(v as BloscCname)) {
    throw new CodecError("blosc", "cname", `blosc: cname ${JSON.stringify(v)} is not one of ${CNAMES.join(", ")}`);
  }
  return v as BloscCname;
}
