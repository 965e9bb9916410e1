// Typed wrappers of assembly/shuffle.ts: Blosc byte shuffle / bit shuffle and their inverses over any
// typed array or bytes. Zero copy in when the input already lives in WASM memory, one copy in otherwise;
// zero copy out when `out` lives in WASM memory.
import { kernels, type Kernels } from "./instance.js";

export type ShuffleOp = "shuffle" | "unshuffle" | "bitshuffle" | "bitunshuffle";

type RawShuffle = (src: number, dst: number, len: number, typesize: number) => void;

const EXPORT: Record<ShuffleOp, string> = {
  shuffle: "shuffleBytes",
  unshuffle: "unshuffleBytes",
  bitshuffle: "bitshuffle",
  bitunshuffle: "bitunshuffle",
};

/** Check a typesize (1..255, integer) before anything is written. */
export function checkTypesize(typesize: number, what = "typesize"): number {
  if (!Number.isInteger(typesize) || typesize < 1 || typesize > 255) {
    throw new RangeError(`${what} must be an integer in 1..255, got ${String(typesize)}`);
  }
  return typesize;
}

/** The raw kernel for `op`: (src, dst, len, typesize) on pointers into `k`'s memory (src != dst, no overlap). */
export function shuffleKernel(op: ShuffleOp, k: Kernels = kernels()): RawShuffle {
  return k.exports[EXPORT[op]] as RawShuffle;
}

/** Pointer form: apply `op` to `len` bytes at `src`, writing `dst` (both in `k`'s memory, no overlap). */
export function shufflePtr(op: ShuffleOp, src: number, dst: number, len: number, typesize: number, k: Kernels = kernels()): void {
  checkTypesize(typesize);
  shuffleKernel(op, k)(src, dst, len, typesize);
}

function elementSize(data: ArrayBufferView): number {
  return (data as { BYTES_PER_ELEMENT?: number }).BYTES_PER_ELEMENT ?? 1;
}

/**
 * Apply `op` to the bytes of `data` (typesize defaults to its element size). Returns `out` (a Uint8Array of
 * `data.byteLength` bytes, written in place, zero copy when it is a view of WASM memory; if copying `data` in
 * grew memory, a fresh view of the same bytes) or a new Uint8Array.
 */
export function applyShuffle(op: ShuffleOp, data: ArrayBufferView, typesize: number = elementSize(data), out?: Uint8Array): Uint8Array {
  checkTypesize(typesize);
  const len = data.byteLength;
  if (out && out.byteLength !== len) throw new RangeError(`${op}: out has ${out.byteLength} bytes, input has ${len}`);
  const k = kernels();
  // Decide on `out` before anything allocates: copying `data` in may grow memory and detach a WASM view.
  const outPtr = out !== undefined && k.owns(out) ? out.byteOffset : -1;
  const mark = k.arena.mark();
  try {
    const src = k.arena.input(data);
    const dst = outPtr >= 0 ? outPtr : k.arena.alloc(len);
    shuffleKernel(op, k)(src, dst, len, typesize);
    if (outPtr >= 0) return out!.buffer === k.memory.buffer ? out! : k.arena.view(Uint8Array, outPtr, len);
    const res = out ?? new Uint8Array(len);
    res.set(k.u8.subarray(dst, dst + len));
    return res;
  } finally {
    k.arena.release(mark);
  }
}

/** Blosc byte shuffle: byte j of every element together, trailing `len % typesize` bytes copied. */
export const byteShuffle = (data: ArrayBufferView, typesize?: number, out?: Uint8Array): Uint8Array =>
  applyShuffle("shuffle", data, typesize, out);
export const byteUnshuffle = (data: ArrayBufferView, typesize?: number, out?: Uint8Array): Uint8Array =>
  applyShuffle("unshuffle", data, typesize, out);
/** Blosc bit shuffle (c-blosc 1.x: a block whose element count is not a multiple of 8 is copied unchanged). */
export const bitShuffle = (data: ArrayBufferView, typesize?: number, out?: Uint8Array): Uint8Array =>
  applyShuffle("bitshuffle", data, typesize, out);
export const bitUnshuffle = (data: ArrayBufferView, typesize?: number, out?: Uint8Array): Uint8Array =>
  applyShuffle("bitunshuffle", data, typesize, out);
