// Helpers shared by the codec files: reading settings from v2/v3 JSON with errors that name codec and
// setting, and running a span-encoder on an ordinary typed array (one copy in, one copy out).
import { kernels, type Kernels } from "../kernels/instance.js";
import { CodecError, type CodecConfig, type Span } from "./types.js";

/** Bytes of any ArrayBufferView, without copying. */
export function bytesOf(data: ArrayBufferView): Uint8Array {
  return data instanceof Uint8Array ? data : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** Element size of a typed array (1 for DataView and plain bytes). */
export function elementSizeOf(data: ArrayBufferView): number {
  return (data as { BYTES_PER_ELEMENT?: number }).BYTES_PER_ELEMENT ?? 1;
}

/** Settings of a codec config: `id`-less numcodecs keys for v2, `configuration` for v3. */
export function settingsOf(config: CodecConfig): Record<string, unknown> {
  if ("id" in config && typeof config.id === "string") {
    const { id: _id, ...rest } = config;
    return rest;
  }
  return { ...((config as { configuration?: Record<string, unknown> }).configuration ?? {}) };
}

/** An integer setting in [min, max] (`def` when absent or null). */
export function intSetting(codec: string, s: Record<string, unknown>, key: string, def: number, min: number, max: number): number {
  const v = s[key];
  if (v === undefined || v === null) return def;
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
    throw new CodecError(codec, key, `${codec}: ${key} must be an integer in ${min}..${max}, got ${JSON.stringify(v)}`);
  }
  return v;
}

/** Reject settings this codec does not know (catches typos such as `{ id: "blosc", clvel: 5 }`). */
export function onlyKeys(codec: string, s: Record<string, unknown>, allowed: readonly string[]): void {
  for (const key of Object.keys(s)) {
    if (!allowed.includes(key)) {
      throw new CodecError(codec, key, `${codec}: unknown setting ${JSON.stringify(key)} (expected ${allowed.join(", ") || "none"})`);
    }
  }
}

/**
 * Run a span encoder on `data`: zero copy in when `data` already lives in WASM memory, one copy otherwise;
 * the result is copied out to a fresh Uint8Array and the arena is released.
 */
export function encodeViaSpan(
  data: ArrayBufferView,
  encodeSpan: (k: Kernels, input: Span, elementSize: number) => Span,
): Uint8Array {
  const k = kernels();
  const mark = k.arena.mark();
  try {
    const ptr = k.arena.input(data);
    const out = encodeSpan(k, { ptr, len: data.byteLength }, elementSizeOf(data));
    return k.u8.slice(out.ptr, out.ptr + out.len);
  } finally {
    k.arena.release(mark);
  }
}

/** The bytes of a span, as a fresh copy (for handing a span to a JS encoder). */
export function spanBytes(k: Kernels, span: Span): Uint8Array {
  return k.u8.slice(span.ptr, span.ptr + span.len);
}

/** Copy `bytes` into a new arena allocation: the span form of a JS encoder's output. */
export function bytesToSpan(k: Kernels, bytes: Uint8Array): Span {
  const ptr = k.arena.alloc(bytes.length);
  k.u8.set(bytes, ptr);
  return { ptr, len: bytes.length };
}
