// Codecs the kernels' factory does not list yet: the numcodecs `shuffle` filter (the Blosc byte-shuffle kernel
// over the whole buffer) and `crc32c` (the kernels' Crc32cCodec), behind the same Codec interface.
import { crc32cCodec } from "../codecs/crc32c.js";
import { CodecError, type Codec, type CodecConfig, type NumcodecsConfig, type Span, type V3CodecConfig } from "../codecs/types.js";
import { applyShuffle, shufflePtr } from "../kernels/shuffle.js";
import type { Kernels } from "../kernels/instance.js";

class ShuffleFilter implements Codec {
  readonly id = "shuffle";
  readonly kind = "bytes-bytes" as const;
  constructor(readonly elementsize: number) {}
  async encode(data: ArrayBufferView): Promise<Uint8Array> {
    return this.encodeSync(data);
  }
  encodeSync(data: ArrayBufferView): Uint8Array {
    return applyShuffle("shuffle", data, this.elementsize);
  }
  encodeSpan(k: Kernels, input: Span): Span {
    const dst = k.arena.alloc(input.len);
    shufflePtr("shuffle", input.ptr, dst, input.len, this.elementsize, k);
    return { ptr: dst, len: input.len };
  }
  toV2(): NumcodecsConfig {
    return { id: "shuffle", elementsize: this.elementsize };
  }
  toV3(): V3CodecConfig {
    return { name: "numcodecs.shuffle", configuration: { elementsize: this.elementsize } };
  }
}

export function bridgeCodec(config: CodecConfig): Codec {
  const id = "id" in config ? config.id : config.name.replace(/^numcodecs\./, "");
  const s: Record<string, unknown> = "id" in config ? { ...config } : { ...(config.configuration ?? {}) };
  if (id === "shuffle") {
    const es = s.elementsize ?? 4;
    if (typeof es !== "number" || !Number.isInteger(es) || es < 1 || es > 255) {
      throw new CodecError("shuffle", "elementsize", `shuffle: elementsize must be an integer in 1..255, got ${JSON.stringify(es)}`);
    }
    return new ShuffleFilter(es);
  }
  if (id === "crc32c") {
    if ("id" in config) throw new CodecError("crc32c", undefined, "crc32c exists in zarr v3 only (numcodecs 0.11 has no crc32c)");
    return crc32cCodec(config);
  }
  throw new CodecError(id, undefined, `unknown codec ${JSON.stringify(id)}`);
}
