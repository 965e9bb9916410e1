// Codecs: the factory `codec(config)` (numcodecs JSON or zarr v3 metadata), one class per codec, and the
// chunk-encoding Pipeline the writer uses.
export { codec } from "./factory.js";
export { CodecError, type Codec, type CodecConfig, type CodecKind, type NumcodecsConfig, type V3CodecConfig, type Span } from "./types.js";
export { BloscCodec, bloscBlocksize, bloscSplit, type BloscCname, type BloscShuffle, type BloscOptions } from "./blosc.js";
export { Lz4Codec, lz4CompressBlock, lz4CompressSpan, lz4CompressBound } from "./lz4.js";
export { GzipCodec } from "./gzip.js";
export { ZlibCodec } from "./zlib.js";
export { ZstdCodec } from "./zstd.js";
export { BytesCodec, type Endian } from "./bytes.js";
export { Pipeline } from "./pipeline.js";
export { ShuffleCodec, shuffleCodec } from "./shuffle.js";
export { Crc32cCodec, crc32cCodec } from "./crc32c.js";
