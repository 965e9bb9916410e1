// zlib (v2 `{id: "zlib", level}`, v3 `numcodecs.zlib`): one zlib stream (FORMATS.md §8.2) from node:zlib,
// i.e. the same library and output as Python's zlib.compress for the same level.
import { deflateSync } from "node:zlib";
import type { Kernels } from "../kernels/instance.js";
import { bytesOf, bytesToSpan, intSetting, onlyKeys } from "./common.js";
import type { Codec, NumcodecsConfig, Span, V3CodecConfig } from "./types.js";

export class ZlibCodec implements Codec {
  readonly id = "zlib";
  readonly kind = "bytes-bytes" as const;

  constructor(readonly level = 1) {}

  static fromSettings(s: Record<string, unknown>): ZlibCodec {
    onlyKeys("zlib", s, ["level"]);
    // -1 is zlib's "default compression" (6), which numcodecs passes through.
    return new ZlibCodec(intSetting("zlib", s, "level", 1, -1, 9));
  }

  encodeSync(data: ArrayBufferView): Uint8Array {
    const out = deflateSync(bytesOf(data), { level: this.level });
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  }

  async encode(data: ArrayBufferView): Promise<Uint8Array> {
    return this.encodeSync(data);
  }

  encodeSpan(k: Kernels, input: Span): Span {
    return bytesToSpan(k, this.encodeSync(k.u8.subarray(input.ptr, input.ptr + input.len)));
  }

  toV2(): NumcodecsConfig {
    return { id: "zlib", level: this.level };
  }

  toV3(): V3CodecConfig {
    return { name: "numcodecs.zlib", configuration: { level: this.level } };
  }
}
