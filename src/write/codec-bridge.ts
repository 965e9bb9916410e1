// Codecs the kernels' factory does not offer yet (the numcodecs shuffle filter, crc32c), in plain JS behind the
// same Codec interface, so that swapping in kernels changes no caller.
import { CodecError, type Codec, type CodecConfig, type NumcodecsConfig, type V3CodecConfig } from "../codecs/types.js";

type Enc = { encode(data: Uint8Array): Uint8Array | Promise<Uint8Array> };


function settings(config: CodecConfig): [string, Record<string, unknown>] {
  if ("id" in config) {
    const { id, ...rest } = config;
    return [id, rest];
  }
  const name = config.name.startsWith("numcodecs.") ? config.name.slice(10) : config.name;
  return [name, { ...(config.configuration ?? {}) }];
}

class JsCodec implements Codec {
  readonly kind = "bytes-bytes" as const;
  constructor(readonly id: string, private readonly v2: NumcodecsConfig, private readonly v3: V3CodecConfig, private readonly make: (elementSize: number) => Enc) {}
  async encode(data: ArrayBufferView): Promise<Uint8Array> {
    const es = (data as { BYTES_PER_ELEMENT?: number }).BYTES_PER_ELEMENT ?? 1;
    return this.make(es).encode(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  }
  toV2(): NumcodecsConfig { return this.v2; }
  toV3(): V3CodecConfig { return this.v3; }
}

function shuffleBytes(data: Uint8Array, es: number): Uint8Array {
  if (es <= 1) return data.slice();
  const n = Math.floor(data.length / es), out = new Uint8Array(data.length);
  for (let b = 0; b < es; b++) for (let i = 0; i < n; i++) out[b * n + i] = data[i * es + b]!;
  out.set(data.subarray(n * es), n * es);
  return out;
}

export function bridgeCodec(config: CodecConfig): Codec {
  const [id, s] = settings(config);
  switch (id) {
    case "shuffle": {
      const elementsize = (s.elementsize as number) ?? 4;
      return new JsCodec("shuffle", { id: "shuffle", elementsize }, { name: "numcodecs.shuffle", configuration: { elementsize } },
        () => ({ encode: (d: Uint8Array) => shuffleBytes(d, elementsize) }));
    }
    case "crc32c":
      return new JsCodec("crc32c", { id: "crc32c" }, { name: "crc32c" }, () => ({ encode: crc32cAppend }));
    default:
      throw new CodecError(id, undefined, `unknown codec ${JSON.stringify(id)}`);
  }
}

let table: Uint32Array | undefined;
function crc32cAppend(d: Uint8Array): Uint8Array {
  if (!table) {
    table = new Uint32Array(256);
    for (let i = 0; i < 256; i++) {
      let c = i;
      for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
      table[i] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (let i = 0; i < d.length; i++) crc = table[(crc ^ d[i]!) & 0xff]! ^ (crc >>> 8);
  const out = new Uint8Array(d.length + 4);
  out.set(d);
  new DataView(out.buffer).setUint32(d.length, (crc ^ 0xffffffff) >>> 0, true);
  return out;
}
