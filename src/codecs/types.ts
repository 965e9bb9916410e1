// The codec interface, shaped like the zarr v3 pipeline (zarrs' three stage kinds): array->array filters,
// one array->bytes serialiser, then bytes->bytes compressors and checksums.
import type { Kernels } from "../kernels/instance.js";

export type CodecKind = "array-array" | "array-bytes" | "bytes-bytes";

/** numcodecs JSON (zarr v2 `compressor` / `filters` entries). */
export interface NumcodecsConfig {
  id: string;
  [key: string]: unknown;
}

/** zarr v3 codec metadata. */
export interface V3CodecConfig {
  name: string;
  configuration?: Record<string, unknown>;
}

export type CodecConfig = NumcodecsConfig | V3CodecConfig;

/** A region of the kernels' linear memory. Valid until the arena is released past it or memory grows. */
export interface Span {
  ptr: number;
  len: number;
}

export interface Codec {
  /** numcodecs id (v2) or v3 name, e.g. "blosc", "lz4", "shuffle", "crc32c". */
  readonly id: string;
  readonly kind: CodecKind;
  /** Encode a typed array (its element size is the typesize unless the config names one) or bytes. */
  encode(data: ArrayBufferView): Promise<Uint8Array>;
  /** Synchronous encode, for kernel-backed codecs. */
  encodeSync?(data: ArrayBufferView): Uint8Array;
  /**
   * Zero-copy path for the writer: encode `len` bytes at `ptr` in `k`'s memory (elements of `elementSize` bytes),
   * writing the output into `k.arena`; the caller releases the arena. Kernel-backed codecs only.
   */
  encodeSpan?(k: Kernels, input: Span, elementSize: number): Span;
  /** numcodecs JSON for zarr v2 (only keys Debian's numcodecs 0.11 accepts), or null if v2 cannot express it. */
  toV2(): NumcodecsConfig | null;
  /** zarr v3 codec metadata. */
  toV3(): V3CodecConfig;
}

/** A codec error names the codec and the setting. */
export class CodecError extends Error {
  override readonly name = "CodecError";
  constructor(readonly codec: string, readonly setting: string | undefined, message: string) {
    super(message);
  }
}
