// Typed wrapper of assembly/md5.ts: MD5 of up to four spans of WASM memory at once (one per SIMD lane), for
// S3's Content-MD5 of chunks encoded in the kernels' memory. Other MD5s (small or not in WASM memory) use
// node:crypto.
import { kernels, type Kernels } from "./instance.js";

export interface Span {
  ptr: number;
  len: number;
}

/** Raw 16-byte digests of 1..4 spans of `k`'s memory (each span < 4 GiB: the kernel's lengths are u32). */
export function md5x4Ptr(spans: readonly Span[], k: Kernels = kernels()): Uint8Array[] {
  if (spans.length < 1 || spans.length > 4) throw new RangeError(`md5x4: 1 to 4 spans, got ${spans.length}`);
  const end = k.memory.buffer.byteLength;
  for (const s of spans) {
    if (!(s.ptr >= 0 && s.len >= 0 && s.ptr + s.len <= end)) throw new RangeError(`md5x4: span ${s.ptr}+${s.len} outside WASM memory (${end} bytes)`);
  }
  const p = (k.exports.md5x4Params as () => number)();
  const w = new Uint32Array(k.memory.buffer, p, 8);
  for (let l = 0; l < 4; l++) {
    w[l] = spans[l]?.ptr ?? 0;
    w[4 + l] = spans[l]?.len ?? 0;
  }
  (k.exports.md5x4 as () => void)();
  return spans.map((_, l) => k.u8.slice(p + 32 + 16 * l, p + 48 + 16 * l));
}

/** Base64 of a digest (Content-MD5's form). */
export function base64Digest(d: Uint8Array): string {
  let s = "";
  for (const b of d) s += String.fromCharCode(b);
  return btoa(s);
}
