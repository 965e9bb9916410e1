// zstd (v2 `{id: "zstd", level}`, v3 `zstd` with `{level, checksum}`): one Zstandard frame (single segment,
// content size always written, optional XXH64 checksum), encoded by the WASM kernel (assembly/zstd.ts).
// Level 0 = libzstd's default (3); levels above 4 use level 4's strategy; negative levels use level 1.
import type { Kernels } from "../kernels/instance.js";
import { zstdCompressSpan, ZSTD_MAX_INPUT } from "../kernels/zstd.js";
import { encodeViaSpan, intSetting, onlyKeys } from "./common.js";
import { CodecError, type Codec, type NumcodecsConfig, type Span, type V3CodecConfig } from "./types.js";

export class ZstdCodec implements Codec {
  readonly id = "zstd";
  readonly kind = "bytes-bytes" as const;

  constructor(readonly level = 0, readonly checksum = false) {}

  static fromSettings(s: Record<string, unknown>, defaultLevel: number): ZstdCodec {
    onlyKeys("zstd", s, ["level", "checksum"]);
    const level = intSetting("zstd", s, "level", defaultLevel, -131072, 22);
    const checksum = s.checksum ?? false;
    if (typeof checksum !== "boolean") {
      throw new CodecError("zstd", "checksum", `zstd: checksum must be true or false, got ${JSON.stringify(checksum)}`);
    }
    return new ZstdCodec(level, checksum);
  }

  encodeSpan(k: Kernels, input: Span): Span {
    if (input.len > ZSTD_MAX_INPUT) {
      throw new CodecError("zstd", "size", `zstd: input of ${input.len} bytes exceeds the limit of ${ZSTD_MAX_INPUT} bytes`);
    }
    return zstdCompressSpan(k, input, this.level, this.checksum);
  }

  encodeSync(data: ArrayBufferView): Uint8Array {
    return encodeViaSpan(data, (k, input) => this.encodeSpan(k, input));
  }

  async encode(data: ArrayBufferView): Promise<Uint8Array> {
    return this.encodeSync(data);
  }

  /** numcodecs JSON: no `checksum` key (Debian's numcodecs rejects it). */
  toV2(): NumcodecsConfig {
    return { id: "zstd", level: this.level };
  }

  toV3(): V3CodecConfig {
    return { name: "zstd", configuration: { level: this.level, checksum: this.checksum } };
  }
}
