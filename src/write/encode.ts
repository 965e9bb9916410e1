// Encoding one chunk held in WASM memory: kernel codecs chain span to span with no copies (the output is
// copied out once, since the arena is reused for the next chunk); other codecs get a copy of the bytes.
import type { Codec } from "../codecs/types.js";
import type { Kernels } from "../kernels/instance.js";
import { dtypeInfo, type DType } from "../model/dtypes.js";

export function encodeChunk(k: Kernels, steps: readonly Codec[], ptr: number, len: number, dtype: DType): Uint8Array | Promise<Uint8Array> {
  if (steps.length === 0) return k.u8.slice(ptr, ptr + len);
  const size = dtypeInfo(dtype).size;
  if (steps.every((s) => s.encodeSpan)) {
    const mark = k.arena.mark();
    try {
      let span = { ptr, len };
      for (const s of steps) span = s.encodeSpan!(k, span, size);
      return k.u8.slice(span.ptr, span.ptr + span.len);
    } finally {
      k.arena.release(mark);
    }
  }
  return encodeAsync(steps, k.u8.slice(ptr, ptr + len), dtype);
}

async function encodeAsync(steps: readonly Codec[], bytes: Uint8Array, dtype: DType): Promise<Uint8Array> {
  const info = dtypeInfo(dtype);
  let data: ArrayBufferView = new info.ctor(bytes.buffer, 0, bytes.length / info.size);
  for (const s of steps) data = await s.encode(data);
  return data as Uint8Array;
}
