// numcodecs LZ4 (v2 `{id: "lz4", acceleration}`, v3 `numcodecs.lz4`): u32le uncompressed size + one raw LZ4
// block (FORMATS.md §6.3), compressed by the WASM kernel (assembly/lz4.ts).
import type { Kernels } from "../kernels/instance.js";
import { encodeViaSpan, intSetting, onlyKeys } from "./common.js";
import { CodecError, type Codec, type NumcodecsConfig, type Span, type V3CodecConfig } from "./types.js";

/** Largest input LZ4 (and numcodecs) accept. */
export const LZ4_MAX_INPUT = 0x7e000000;

interface Lz4Exports {
  lz4CompressBound(n: number): number;
  lz4Compress(src: number, srcLen: number, dst: number, dstCap: number, acceleration: number): number;
  lz4CompressFramed(src: number, srcLen: number, dst: number, dstCap: number, acceleration: number): number;
}

const lz4Exports = (k: Kernels): Lz4Exports => k.exports as unknown as Lz4Exports;

/** Worst-case size of a raw LZ4 block for `n` input bytes (LZ4_COMPRESSBOUND). */
export function lz4CompressBound(n: number): number {
  return n + Math.floor(n / 255) + 16;
}

function checkSize(n: number): void {
  if (n > LZ4_MAX_INPUT) throw new CodecError("lz4", "size", `lz4: input of ${n} bytes exceeds LZ4's limit of ${LZ4_MAX_INPUT} bytes`);
}

/**
 * Compress `input` (in `k`'s memory) into one raw LZ4 block allocated in `k.arena` (no size prefix: the form
 * Blosc streams and python-lz4's `lz4.block.decompress(..., uncompressed_size=n)` use).
 */
export function lz4CompressSpan(k: Kernels, input: Span, acceleration = 1): Span {
  checkSize(input.len);
  const cap = lz4CompressBound(input.len);
  const dst = k.arena.alloc(cap);
  const n = lz4Exports(k).lz4Compress(input.ptr, input.len, dst, cap, acceleration);
  if (n <= 0) throw new CodecError("lz4", undefined, `lz4: kernel failed on ${input.len} bytes (returned ${n})`);
  return { ptr: dst, len: n };
}

/** One raw LZ4 block of `data` (no size prefix), as a new Uint8Array. */
export function lz4CompressBlock(data: ArrayBufferView, acceleration = 1): Uint8Array {
  return encodeViaSpan(data, (k, input) => lz4CompressSpan(k, input, acceleration));
}

export class Lz4Codec implements Codec {
  readonly id = "lz4";
  readonly kind = "bytes-bytes" as const;

  constructor(readonly acceleration = 1) {}

  static fromSettings(s: Record<string, unknown>): Lz4Codec {
    onlyKeys("lz4", s, ["acceleration"]);
    // numcodecs: acceleration <= 0 means the default, 1.
    const a = intSetting("lz4", s, "acceleration", 1, -(2 ** 31), 2 ** 31 - 1);
    return new Lz4Codec(a <= 0 ? 1 : a);
  }

  encodeSpan(k: Kernels, input: Span): Span {
    checkSize(input.len);
    const cap = lz4CompressBound(input.len) + 4;
    const dst = k.arena.alloc(cap);
    const n = lz4Exports(k).lz4CompressFramed(input.ptr, input.len, dst, cap, this.acceleration);
    if (n <= 0) throw new CodecError("lz4", undefined, `lz4: kernel failed on ${input.len} bytes (returned ${n})`);
    return { ptr: dst, len: n };
  }

  encodeSync(data: ArrayBufferView): Uint8Array {
    return encodeViaSpan(data, (k, input) => this.encodeSpan(k, input));
  }

  async encode(data: ArrayBufferView): Promise<Uint8Array> {
    return this.encodeSync(data);
  }

  toV2(): NumcodecsConfig {
    return { id: "lz4", acceleration: this.acceleration };
  }

  toV3(): V3CodecConfig {
    return { name: "numcodecs.lz4", configuration: { acceleration: this.acceleration } };
  }
}
