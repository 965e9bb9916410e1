// gzip (v2 `{id: "gzip", level}`, v3 `gzip`): one gzip member (FORMATS.md §8.1) from node:zlib (native zlib in
// Node; Deno implements node:zlib too). Unlike numcodecs.js (fflate stamps the current time), node:zlib writes
// MTIME 0, so the output is deterministic: the same chunk always gives the same bytes.
import { gzipSync } from "node:zlib";
import type { Kernels } from "../kernels/instance.js";
import { bytesOf, bytesToSpan, intSetting, onlyKeys } from "./common.js";
import type { Codec, NumcodecsConfig, Span, V3CodecConfig } from "./types.js";

export class GzipCodec implements Codec {
  readonly id = "gzip";
  readonly kind = "bytes-bytes" as const;

  constructor(readonly level = 1) {}

  /** numcodecs' default level is 1, zarr-python 3's GzipCodec's is 5. */
  static fromSettings(s: Record<string, unknown>, defaultLevel: number): GzipCodec {
    onlyKeys("gzip", s, ["level"]);
    return new GzipCodec(intSetting("gzip", s, "level", defaultLevel, 0, 9));
  }

  encodeSync(data: ArrayBufferView): Uint8Array {
    const out = gzipSync(bytesOf(data), { level: this.level });
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  }

  async encode(data: ArrayBufferView): Promise<Uint8Array> {
    return this.encodeSync(data);
  }

  /** Span form for pipelines: zlib reads the bytes in place; the output is copied into the arena. */
  encodeSpan(k: Kernels, input: Span): Span {
    return bytesToSpan(k, this.encodeSync(k.u8.subarray(input.ptr, input.ptr + input.len)));
  }

  toV2(): NumcodecsConfig {
    return { id: "gzip", level: this.level };
  }

  toV3(): V3CodecConfig {
    return { name: "gzip", configuration: { level: this.level } };
  }
}
