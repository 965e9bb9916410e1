// zstd (v2 `{id: "zstd", level}`, v3 `zstd`): one Zstandard frame. For now encoded by numcodecs.js (libzstd
// in WASM, async); a WASM kernel will replace the body of `encode` and add encodeSync/encodeSpan with this
// same interface.
import { bytesOf, intSetting, onlyKeys } from "./common.js";
import { CodecError, type Codec, type NumcodecsConfig, type V3CodecConfig } from "./types.js";

/** libzstd's default level, which level 0 means. */
const ZSTD_DEFAULT_LEVEL = 3;

export class ZstdCodec implements Codec {
  readonly id = "zstd";
  readonly kind = "bytes-bytes" as const;

  constructor(readonly level = 0, readonly checksum = false) {
    if (checksum) {
      throw new CodecError("zstd", "checksum", "zstd: checksum: true is not supported yet by xpartition's zstd encoder");
    }
  }

  static fromSettings(s: Record<string, unknown>, defaultLevel: number): ZstdCodec {
    onlyKeys("zstd", s, ["level", "checksum"]);
    const level = intSetting("zstd", s, "level", defaultLevel, -131072, 22);
    const checksum = s.checksum ?? false;
    if (typeof checksum !== "boolean") {
      throw new CodecError("zstd", "checksum", `zstd: checksum must be true or false, got ${JSON.stringify(checksum)}`);
    }
    return new ZstdCodec(level, checksum);
  }

  async encode(data: ArrayBufferView): Promise<Uint8Array> {
    const { default: Zstd } = await import("numcodecs/zstd");
    // numcodecs.js maps level <= 0 to 1; libzstd (and numcodecs) read level 0 as the default level 3.
    // Negative (fast) levels are not available through numcodecs.js and become level 1.
    const level = this.level === 0 ? ZSTD_DEFAULT_LEVEL : this.level;
    return await Zstd.fromConfig({ id: "zstd", level }).encode(bytesOf(data));
  }

  toV2(): NumcodecsConfig {
    return { id: "zstd", level: this.level };
  }

  toV3(): V3CodecConfig {
    return { name: "zstd", configuration: { level: this.level, checksum: this.checksum } };
  }
}
