// Typed wrapper of assembly/crc32c.ts: CRC-32C (Castagnoli), for the zarr v3 `crc32c` codec and shard indexes.
import { kernels, type Kernels } from "./instance.js";

/** CRC-32C of `len` bytes at `ptr` in `k`'s memory, continuing from `crc` (0 to start). */
export function crc32cPtr(ptr: number, len: number, crc = 0, k: Kernels = kernels()): number {
  return k.exports.crc32cUpdate(crc, ptr, len) >>> 0;
}

/** CRC-32C of the bytes of `data` (zero copy when it lives in WASM memory), continuing from `crc` (0 to start). */
export function crc32c(data: ArrayBufferView, crc = 0): number {
  const k = kernels();
  if (k.owns(data)) return crc32cPtr(data.byteOffset, data.byteLength, crc, k);
  const mark = k.arena.mark();
  try {
    return crc32cPtr(k.arena.input(data), data.byteLength, crc, k);
  } finally {
    k.arena.release(mark);
  }
}
