// Typed wrappers of assembly/memory.ts: fill a buffer with a value, test whether a buffer is all one value.
import { kernels } from "./instance.js";
import type { TypedArray } from "./arena.js";
import { dtypeOf, patternWords, type DType } from "../model/dtypes.js";

/** Fill `out` with `value` (bitwise for floats: NaN payloads and -0.0 are kept). Works in place on WASM views. */
export function fill<T extends TypedArray>(out: T, value: number | bigint | boolean, dtype: DType = dtypeOf(out)): T {
  const k = kernels();
  const size = out.BYTES_PER_ELEMENT;
  const [lo, hi] = patternWords(dtype, value);
  if (k.owns(out)) {
    k.exports.fillPattern(out.byteOffset, out.length, size, lo, hi);
    return out;
  }
  const mark = k.arena.mark();
  try {
    const ptr = k.arena.alloc(out.byteLength);
    k.exports.fillPattern(ptr, out.length, size, lo, hi);
    new Uint8Array(out.buffer, out.byteOffset, out.byteLength).set(k.u8.subarray(ptr, ptr + out.byteLength));
  } finally {
    k.arena.release(mark);
  }
  return out;
}

/** True when every element of `data` equals `value` bitwise (the fill-value test for skipping empty chunks). */
export function allEqual(data: TypedArray, value: number | bigint | boolean, dtype: DType = dtypeOf(data)): boolean {
  const k = kernels();
  const [lo, hi] = patternWords(dtype, value);
  const mark = k.arena.mark();
  try {
    const ptr = k.arena.input(data);
    return k.exports.allEqualPattern(ptr, data.length, data.BYTES_PER_ELEMENT, lo, hi) !== 0;
  } finally {
    k.arena.release(mark);
  }
}
