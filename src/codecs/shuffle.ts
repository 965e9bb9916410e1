// numcodecs Shuffle (v2 `{id: "shuffle", elementsize}`, v3 `numcodecs.shuffle`): Blosc's byte shuffle over the
// whole buffer by the WASM kernel (assembly/shuffle.ts). numcodecs' default elementsize is 4, and its decoder
// rejects a buffer that is not a whole number of elements, so the encoder does too.
import type { Kernels } from "../kernels/instance.js";
import { shuffleKernel } from "../kernels/shuffle.js";
import { encodeViaSpan, onlyKeys, settingsOf } from "./common.js";
import { CodecError, type Codec, type CodecConfig, type NumcodecsConfig, type Span, type V3CodecConfig } from "./types.js";

export class ShuffleCodec implements Codec {
  readonly id = "shuffle";
  readonly kind = "bytes-bytes" as const;

  constructor(readonly elementsize = 4) {
    if (!Number.isInteger(elementsize) || elementsize < 1 || elementsize > 255) {
      throw new CodecError("shuffle", "elementsize", `shuffle: elementsize must be an integer in 1..255, got ${JSON.stringify(elementsize)}`);
    }
  }

  static fromSettings(s: Record<string, unknown>): ShuffleCodec {
    onlyKeys("shuffle", s, ["elementsize"]);
    const e = s.elementsize ?? 4;
    if (typeof e !== "number") {
      throw new CodecError("shuffle", "elementsize", `shuffle: elementsize must be an integer in 1..255, got ${JSON.stringify(e)}`);
    }
    return new ShuffleCodec(e);
  }

  encodeSpan(k: Kernels, input: Span): Span {
    if (input.len % this.elementsize !== 0) {
      throw new CodecError("shuffle", "elementsize", `shuffle: ${input.len} bytes are not a whole number of elements of elementsize ${this.elementsize}`);
    }
    const dst = k.arena.alloc(input.len);
    shuffleKernel("shuffle", k)(input.ptr, dst, input.len, this.elementsize);
    return { ptr: dst, len: input.len };
  }

  encodeSync(data: ArrayBufferView): Uint8Array {
    return encodeViaSpan(data, (k, input) => this.encodeSpan(k, input));
  }

  async encode(data: ArrayBufferView): Promise<Uint8Array> {
    return this.encodeSync(data);
  }

  toV2(): NumcodecsConfig {
    return { id: "shuffle", elementsize: this.elementsize };
  }

  toV3(): V3CodecConfig {
    return { name: "numcodecs.shuffle", configuration: { elementsize: this.elementsize } };
  }
}

/** A shuffle codec from its numcodecs JSON / v3 metadata, or from bare settings (`{ elementsize: 8 }`). */
export function shuffleCodec(config: CodecConfig | { elementsize?: unknown } = {}): ShuffleCodec {
  const s = "id" in config || "name" in config ? settingsOf(config as CodecConfig) : { ...config };
  return ShuffleCodec.fromSettings(s);
}
