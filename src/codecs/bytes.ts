// bytes (v3 array->bytes serialiser `{name: "bytes", configuration: {endian}}`): element bytes in the given
// byte order. Little endian is the memory layout of typed arrays on every platform we run on, so it is the
// identity (zero copy as a span); big endian swaps each element.
import type { Kernels } from "../kernels/instance.js";
import { bytesOf, elementSizeOf } from "./common.js";
import { CodecError, type Codec, type NumcodecsConfig, type Span, type V3CodecConfig } from "./types.js";

export type Endian = "little" | "big";

function swapped(src: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(src.length);
  for (let i = 0; i + size <= src.length; i += size) {
    for (let j = 0; j < size; j++) out[i + j] = src[i + size - 1 - j]!;
  }
  return out;
}

export class BytesCodec implements Codec {
  readonly id = "bytes";
  readonly kind = "array-bytes" as const;

  /** `endian` undefined = no configuration (zarr-python writes that for 1-byte types). */
  constructor(readonly endian?: Endian) {}

  static fromSettings(s: Record<string, unknown>): BytesCodec {
    for (const key of Object.keys(s)) {
      if (key !== "endian") throw new CodecError("bytes", key, `bytes: unknown setting ${JSON.stringify(key)} (expected endian)`);
    }
    const e = s.endian;
    if (e !== undefined && e !== "little" && e !== "big") {
      throw new CodecError("bytes", "endian", `bytes: endian must be "little" or "big", got ${JSON.stringify(e)}`);
    }
    return new BytesCodec(e as Endian | undefined);
  }

  encodeSync(data: ArrayBufferView): Uint8Array {
    const size = elementSizeOf(data);
    const src = bytesOf(data);
    return this.endian === "big" && size > 1 ? swapped(src, size) : src.slice();
  }

  async encode(data: ArrayBufferView): Promise<Uint8Array> {
    return this.encodeSync(data);
  }

  encodeSpan(k: Kernels, input: Span, elementSize: number): Span {
    if (this.endian !== "big" || elementSize <= 1) return input;
    const out = swapped(k.u8.subarray(input.ptr, input.ptr + input.len), elementSize);
    const ptr = k.arena.alloc(out.length);
    k.u8.set(out, ptr);
    return { ptr, len: out.length };
  }

  toV2(): NumcodecsConfig | null {
    return null; // v2 has no serialiser codec: the dtype string carries the byte order.
  }

  toV3(): V3CodecConfig {
    return this.endian === undefined ? { name: "bytes" } : { name: "bytes", configuration: { endian: this.endian } };
  }
}
