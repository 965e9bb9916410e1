// The codec factory: `codec(config)` builds a Codec from numcodecs JSON (zarr v2 `compressor`/`filters`
// entries, `{id: ...}`) or a zarr v3 codec object (`{name, configuration}`). Unknown codecs and bad settings
// are CodecErrors naming the codec and the setting.
import { BloscCodec } from "./blosc.js";
import { BytesCodec } from "./bytes.js";
import { Crc32cCodec } from "./crc32c.js";
import { settingsOf } from "./common.js";
import { GzipCodec } from "./gzip.js";
import { Lz4Codec } from "./lz4.js";
import { ShuffleCodec } from "./shuffle.js";
import { CodecError, type Codec, type CodecConfig } from "./types.js";
import { ZlibCodec } from "./zlib.js";
import { ZstdCodec } from "./zstd.js";

type Make = (settings: Record<string, unknown>) => Codec;

/** numcodecs ids (v2), also reachable in v3 as `numcodecs.<id>` with the same settings. */
const V2: Record<string, Make> = {
  blosc: (s) => BloscCodec.fromV2(s),
  lz4: (s) => Lz4Codec.fromSettings(s),
  zstd: (s) => ZstdCodec.fromSettings(s, 0),
  gzip: (s) => GzipCodec.fromSettings(s, 1),
  zlib: (s) => ZlibCodec.fromSettings(s),
  shuffle: (s) => ShuffleCodec.fromSettings(s),
};

/** zarr v3 core codec names (their configurations differ from numcodecs' where noted). */
const V3: Record<string, Make> = {
  blosc: (s) => BloscCodec.fromV3(s), // shuffle as a string, typesize, cname default zstd
  zstd: (s) => ZstdCodec.fromSettings(s, 0),
  gzip: (s) => GzipCodec.fromSettings(s, 5), // zarr-python 3's GzipCodec default
  bytes: (s) => BytesCodec.fromSettings(s),
  crc32c: (s) => Crc32cCodec.fromSettings(s),
};

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

/**
 * A codec from its numcodecs JSON (`{ id: "blosc", cname: "lz4", clevel: 5, shuffle: 1, blocksize: 0 }`) or its
 * zarr v3 metadata (`{ name: "blosc", configuration: { cname, clevel, shuffle: "shuffle", typesize } }`).
 */
export function codec(config: CodecConfig): Codec {
  if (!isPlainObject(config)) {
    throw new CodecError(String(config), undefined, `codec: expected a numcodecs {id, ...} or zarr v3 {name, configuration} object, got ${JSON.stringify(config)}`);
  }
  if (typeof config.id === "string") {
    const make = V2[config.id];
    if (!make) throw unknown(config.id, Object.keys(V2));
    return make(settingsOf(config as CodecConfig));
  }
  if (typeof config.name === "string") {
    const name = config.name;
    const conf = config.configuration;
    if (conf !== undefined && !isPlainObject(conf)) {
      throw new CodecError(name, "configuration", `${name}: configuration must be an object, got ${JSON.stringify(conf)}`);
    }
    for (const key of Object.keys(config)) {
      if (key !== "name" && key !== "configuration") {
        throw new CodecError(name, key, `${name}: unexpected key ${JSON.stringify(key)} beside name and configuration`);
      }
    }
    const settings = { ...(conf ?? {}) };
    const make = V3[name] ?? (name.startsWith("numcodecs.") ? V2[name.slice("numcodecs.".length)] : undefined);
    if (!make) throw unknown(name, [...Object.keys(V3), ...Object.keys(V2).map((id) => `numcodecs.${id}`)]);
    return make(settings);
  }
  throw new CodecError("?", undefined, `codec: config has neither a string "id" (numcodecs) nor a string "name" (zarr v3): ${JSON.stringify(config)}`);
}

function unknown(name: string, known: string[]): CodecError {
  return new CodecError(name, undefined, `unknown codec ${JSON.stringify(name)}: expected one of ${known.join(", ")}`);
}

