// Typed wrappers of assembly/zstd.ts: one Zstandard frame (single segment, content size always written,
// optional XXH64 checksum) per call. Level 0 = zstd's default (3); levels 1-2 use the "fast" single-hash
// match finder, 3 and above the "dfast" double-hash finder (levels above 4 are accepted and map to level 4's
// strategy); negative levels map to level 1.
import { kernels, type Kernels } from "./instance.js";
import type { Span } from "../codecs/types.js";

interface ZstdExports {
  zstdCompressBound(len: number): number;
  zstdCompress(src: number, len: number, dst: number, cap: number, level: number, checksum: number): number;
}

export const ZSTD_MIN_LEVEL = -131072;
export const ZSTD_MAX_LEVEL = 22;
/** Largest input the 32-bit WebAssembly memory and the 4-byte content-size field allow. */
export const ZSTD_MAX_INPUT = 0x7fff0000;

function ex(k: Kernels): ZstdExports {
  return k.exports as unknown as ZstdExports;
}

export function checkZstdLevel(level: number): number {
  if (!Number.isInteger(level) || level < ZSTD_MIN_LEVEL || level > ZSTD_MAX_LEVEL) {
    throw new RangeError(`zstd: level must be an integer in [${ZSTD_MIN_LEVEL}, ${ZSTD_MAX_LEVEL}], got ${level}`);
  }
  return level;
}

/** Worst-case compressed size of `len` bytes. */
export function zstdCompressBound(len: number): number {
  return len + (len >>> 8) + 64;
}

/**
 * Compress `input` (bytes at `ptr` in `k`'s memory) into a frame allocated in `k.arena`; the caller releases
 * the arena. Zero-copy path for the writer and the codec.
 */
export function zstdCompressSpan(k: Kernels, input: Span, level = 3, checksum = false): Span {
  checkZstdLevel(level);
  if (input.len > ZSTD_MAX_INPUT) throw new RangeError(`zstd: input of ${input.len} bytes exceeds the maximum ${ZSTD_MAX_INPUT}`);
  const cap = zstdCompressBound(input.len);
  const dst = k.arena.alloc(cap);
  const n = ex(k).zstdCompress(input.ptr, input.len, dst, cap, level, checksum ? 1 : 0);
  if (n < 0) throw new Error(`zstd: internal error, output exceeded its bound of ${cap} bytes for ${input.len} input bytes`);
  return { ptr: dst, len: n };
}

/** Compress the bytes of `data` into one zstd frame (a new Uint8Array outside WASM memory). */
export function zstdCompress(data: ArrayBufferView, level = 3, checksum = false): Uint8Array {
  const k = kernels();
  const mark = k.arena.mark();
  try {
    const ptr = k.arena.input(data);
    const out = zstdCompressSpan(k, { ptr, len: data.byteLength }, level, checksum);
    return k.u8.slice(out.ptr, out.ptr + out.len);
  } finally {
    k.arena.release(mark);
  }
}

/** XXH64 with seed 0 (zstd's content checksum is its low 32 bits): see ./xxh64.ts. */
export { xxh64 } from "./xxh64.js";
