// zarr v3 `crc32c` checksum codec (`{name: "crc32c"}`): the input followed by its CRC-32C as u32le
// (FORMATS.md §9), computed by the WASM kernel (assembly/crc32c.ts). zarr v2 / numcodecs 0.11 has no crc32c.
import type { Kernels } from "../kernels/instance.js";
import { crc32cPtr } from "../kernels/crc32c.js";
import { encodeViaSpan, onlyKeys, settingsOf } from "./common.js";
import { type Codec, type CodecConfig, type NumcodecsConfig, type Span, type V3CodecConfig } from "./types.js";

export class Crc32cCodec implements Codec {
  readonly id = "crc32c";
  readonly kind = "bytes-bytes" as const;

  static fromSettings(s: Record<string, unknown>): Crc32cCodec {
    onlyKeys("crc32c", s, []);
    return new Crc32cCodec();
  }

  encodeSpan(k: Kernels, input: Span): Span {
    const dst = k.arena.alloc(input.len + 4);
    const crc = crc32cPtr(input.ptr, input.len, 0, k);
    const u8 = k.u8;
    u8.copyWithin(dst, input.ptr, input.ptr + input.len);
    const end = dst + input.len;
    u8[end] = crc & 0xff;
    u8[end + 1] = (crc >>> 8) & 0xff;
    u8[end + 2] = (crc >>> 16) & 0xff;
    u8[end + 3] = crc >>> 24;
    return { ptr: dst, len: input.len + 4 };
  }

  encodeSync(data: ArrayBufferView): Uint8Array {
    return encodeViaSpan(data, (k, input) => this.encodeSpan(k, input));
  }

  async encode(data: ArrayBufferView): Promise<Uint8Array> {
    return this.encodeSync(data);
  }

  toV2(): NumcodecsConfig | null {
    return null;
  }

  toV3(): V3CodecConfig {
    return { name: "crc32c" };
  }
}

/** The crc32c codec (v3 `{name: "crc32c"}`; a configuration, if given, must be empty). */
export function crc32cCodec(config?: CodecConfig): Crc32cCodec {
  return Crc32cCodec.fromSettings(config ? settingsOf(config) : {});
}
