// XXH64 (seed 0) as 16 hex digits, for the writer's per-chunk digests: in WASM it runs about 8x faster than
// CRC-32C (64-bit multiplies on four independent lanes versus table lookups), and a digest needs only a good
// 64-bit hash of each chunk. The kernel is the one zstd uses for its content checksum (assembly/lib/zstd/xxh64.ts).
import { kernels, type Kernels } from "./instance.js";

interface XxhExports {
  zstdXxh64(src: number, len: number): number;
  zstdXxh64High(): number;
}

const hex8 = (x: number) => (x >>> 0).toString(16).padStart(8, "0");

/** XXH64 of `len` bytes at `ptr` in `k`'s memory, as 16 lowercase hex digits. */
export function xxh64HexPtr(ptr: number, len: number, k: Kernels = kernels()): string {
  const e = k.exports as unknown as XxhExports;
  const lo = e.zstdXxh64(ptr, len);
  return hex8(e.zstdXxh64High()) + hex8(lo);
}

/** XXH64 of the bytes of `data` as 16 hex digits (zero copy when it lives in WASM memory). */
export function xxh64Hex(data: ArrayBufferView): string {
  const k = kernels();
  if (k.owns(data)) return xxh64HexPtr(data.byteOffset, data.byteLength, k);
  const mark = k.arena.mark();
  try {
    return xxh64HexPtr(k.arena.input(data), data.byteLength, k);
  } finally {
    k.arena.release(mark);
  }
}
