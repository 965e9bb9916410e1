// Blosc1 decoding (FORMATS.md §5) by our WASM kernel (assembly/blosc-decode.ts): containers of LZ4/LZ4HC streams
// and memcpyed ones, byte- or bit-shuffled or not — what xarray/zarr-python write by default. Containers of
// other inner codecs (zstd, zlib, blosclz, snappy) are "unsupported" here and go to a fallback decoder
// (numcodecs.js, through zarrita's registry: see src/sources/zarr.ts), loaded only when one is met.
// numcodecs.js decodes LZ4 Blosc at 130-380 MB/s (bench/README.md, SOURCES.md §3.5); this kernel is several
// times faster and writes straight into a caller-supplied buffer.
import { kernels, type Kernels } from "../kernels/instance.js";
import { CodecError, type Span } from "./types.js";

interface BloscDecodeExports {
  bloscDecompress(src: number, srcLen: number, dst: number, dstCap: number, scratch: number): number;
}

const HEADER = 16;
/** The kernel's "not decoded here" code (another decoder may handle the container). */
const UNSUPPORTED = -1;
const FAILURES: Record<number, string> = {
  [-2]: "malformed header (sizes do not fit the container)",
  [-3]: "decoded size larger than the output buffer",
  [-4]: "a block start or stream size points outside the container",
  [-5]: "an LZ4 stream is corrupt or does not decompress to its stream size",
};

/** A Blosc container that cannot be decoded; `where` names the chunk when the caller knows it. */
export class BloscDecodeError extends CodecError {
  constructor(message: string) {
    super("blosc", undefined, message);
  }
}

export interface BloscHeader {
  flags: number;
  typesize: number;
  nbytes: number;
  blocksize: number;
  cbytes: number;
}

/** The 16-byte header of a Blosc1 container. */
export function bloscHeader(data: Uint8Array): BloscHeader {
  if (data.length < HEADER) throw new BloscDecodeError(`blosc: container of ${data.length} bytes is shorter than the 16-byte header`);
  const dv = new DataView(data.buffer, data.byteOffset, HEADER);
  return { flags: data[2]!, typesize: data[3]!, nbytes: dv.getUint32(4, true), blocksize: dv.getUint32(8, true), cbytes: dv.getUint32(12, true) };
}

/** True when the kernel decodes this container (memcpyed, or LZ4/LZ4HC streams; version 2). */
export function bloscKernelDecodes(data: Uint8Array): boolean {
  if (data.length < HEADER || data[0] !== 2 || data[1] !== 1) return false;
  const flags = data[2]!;
  return (flags & 0x02) !== 0 || flags >> 5 === 1;
}

/**
 * The synchronous core: decode the container at `src` (in `k`'s memory) into `dst` (capacity `dstCap`, in `k`'s
 * memory). Returns the decoded size, or -1 when the container uses an inner codec the kernel does not decode
 * (nothing written then). Throws BloscDecodeError for a corrupt container. Scratch (one block, for shuffled
 * containers) comes from `k.arena` and is released before returning; no other copy is made.
 */
export function bloscDecodeSpan(k: Kernels, src: Span, dst: number, dstCap: number, blocksize: number): number {
  const mark = k.arena.mark();
  try {
    const scratch = k.arena.alloc(Math.min(blocksize, dstCap) + 16);
    const n = (k.exports as unknown as BloscDecodeExports).bloscDecompress(src.ptr, src.len, dst, dstCap, scratch);
    if (n >= 0 || n === UNSUPPORTED) return n;
    throw new BloscDecodeError(`blosc: cannot decode a container of ${src.len} bytes: ${FAILURES[n] ?? `kernel error ${n}`}`);
  } finally {
    k.arena.release(mark);
  }
}

/**
 * Decode `data` into `out` (when given: at least the header's nbytes; zero copy out when it lives in WASM memory)
 * or a new Uint8Array. Returns undefined when the container's inner codec is not decoded here.
 */
export function bloscDecode(data: Uint8Array, out?: Uint8Array): Uint8Array | undefined {
  const h = bloscHeader(data);
  if (!bloscKernelDecodes(data)) return undefined;
  if (h.cbytes > data.length) throw new BloscDecodeError(`blosc: container truncated: ${data.length} bytes, its header says ${h.cbytes}`);
  // LZ4 expands at most ~255x: a larger nbytes is a corrupt header (and must not allocate gigabytes).
  if ((h.flags & 0x02) === 0 ? h.nbytes > 256 * h.cbytes : h.nbytes > h.cbytes) {
    throw new BloscDecodeError(`blosc: header says ${h.nbytes} bytes decoded from a container of ${h.cbytes}`);
  }
  if (out && out.byteLength < h.nbytes) throw new BloscDecodeError(`blosc: output of ${out.byteLength} bytes is smaller than the decoded size ${h.nbytes}`);
  const k = kernels();
  // Decide on `out` before anything allocates: copying `data` in may grow memory and detach a WASM view.
  const outPtr = out !== undefined && k.owns(out) ? out.byteOffset : -1;
  const mark = k.arena.mark();
  try {
    const src = k.arena.input(data);
    const dst = outPtr >= 0 ? outPtr : k.arena.alloc(h.nbytes);
    const n = bloscDecodeSpan(k, { ptr: src, len: data.length }, dst, h.nbytes, h.blocksize);
    if (n < 0) return undefined;
    if (outPtr >= 0) return new Uint8Array(k.memory.buffer, outPtr, n);
    if (out) {
      out.set(k.u8.subarray(dst, dst + n));
      return out.subarray(0, n);
    }
    return k.u8.slice(dst, dst + n);
  } finally {
    k.arena.release(mark);
  }
}

/** zarrita's codec shape (bytes -> bytes), as its registry hands out classes with `fromConfig`. */
export interface ZarritaBytesCodec {
  readonly kind: "bytes_to_bytes";
  encode(data: Uint8Array): Promise<Uint8Array>;
  decode(data: Uint8Array): Promise<Uint8Array>;
}
export interface ZarritaCodecClass {
  fromConfig(config: unknown, meta?: unknown): ZarritaBytesCodec;
}

/**
 * The zarrita codec class for `blosc` / `numcodecs.blosc`: decodes with the kernel, and hands encoding and the
 * containers the kernel does not decode to `fallback` (the class zarrita had registered), loaded on first need.
 */
export function zarritaBloscCodec(fallback: () => Promise<ZarritaCodecClass>): ZarritaCodecClass {
  let loaded: Promise<ZarritaCodecClass> | undefined;
  const other = (config: unknown, meta: unknown) => (loaded ??= fallback()).then((c) => c.fromConfig(config, meta));
  return {
    fromConfig(config: unknown, meta?: unknown): ZarritaBytesCodec {
      return {
        kind: "bytes_to_bytes",
        encode: async (data) => (await other(config, meta)).encode(data),
        decode: async (data) => bloscDecode(data) ?? (await other(config, meta)).decode(data),
      };
    },
  };
}
