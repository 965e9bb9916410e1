// Direct reads of netCDF-4 (HDF5) values without HDF5: the dataset's object header (at the address `init`
// recorded) gives its layout and filters, the chunk B-tree gives each chunk's bytes; a chunk is pread, inflated
// by node:zlib (native zlib: ~2x Emscripten's inside h5wasm), unshuffled and placed into the caller's block by
// our WASM kernels, cropped to the region (HDF5 stores edge chunks whole). A rank reading recorded files thus
// never loads h5wasm (~0.3-0.5 s of CPU per thread). What this does not handle (other filters, big-endian or
// non-IEEE types, other layouts or chunk indexes, chunks never written) is read through h5wasm instead.
import { closeSync, openSync, statSync } from "node:fs";
import type { TypedArray } from "../../kernels/arena.js";
import { kernels } from "../../kernels/instance.js";
import { cStrides, placePtr } from "../../kernels/place.js";
import { shufflePtr } from "../../kernels/shuffle.js";
import { dtypeInfo, type DType } from "../../model/dtypes.js";
import type { IndexRange } from "../../model/region.js";
import type { NcVar } from "./build.js";
import { HandlePool } from "./handles.js";
import { inflateInto } from "./inflate.js";
import { chunkIndex, H5File, H5FormatError, numericDType, pread, readDataset, Unsupported, type ChunkEntry, type H5Dataset } from "./h5parse.js";

type Read = NcVar["read"];

/** Counters (tests and figures): direct reads, chunks decoded, reads handed to h5wasm. */
export const directStats = { reads: 0, chunks: 0, fallbacks: 0, unsupported: 0 };

/** Open files for direct reads (per thread), with their superblocks parsed. */
export const rawFiles = new HandlePool<H5File>(64);

/** Parsed datasets and their chunk indexes, per thread, least recently used first (bounded). */
const datasets = new Map<string, { ds: H5Dataset; index?: Map<string, ChunkEntry> }>();
const MAX_DATASETS = 512;

function useFile<R>(path: string, fn: (f: H5File) => R): R {
  return rawFiles.useSync(path, () => {
    const fd = openSync(path, "r");
    try {
      return { value: new H5File(fd), close: () => closeSync(fd) };
    } catch (e) {
      closeSync(fd);
      throw e;
    }
  }, fn);
}

/** Compressed chunk bytes (reused: one chunk at a time per thread). */
let raw = new Uint8Array(1 << 20);


/**
 * The direct reader of the dataset whose object header is at `address` (relative to the file's base, as HDF5
 * object references hold it) in `path`, expected to be of `dtype` and `shape`; `fallback` gives the h5wasm
 * reader (for chunks never written). undefined when the dataset needs HDF5 itself (the caller uses h5wasm).
 */
export function directReader(path: string, address: number, dtype: DType, shape: readonly number[], fallback: () => Promise<Read>): Read | undefined {
  let key: string;
  let ds: H5Dataset;
  try {
    // The file as it is now: a handle or parse of an older version of it (replaced or rewritten) is dropped.
    const st = statSync(path);
    const now = `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}`;
    if (useFile(path, (f) => f.identity) !== now) rawFiles.drop(path);
    key = `${path}\0${now}\0${address}`;
    const hit = datasets.get(key);
    ds = hit ? hit.ds : useFile(path, (f) => readDataset(f, f.base + address));
    if (!hit) remember(key, { ds });
  } catch (e) {
    // Unsupported, or a file HDF5 may still read (or whose error it words): h5wasm decides.
    if (e instanceof Unsupported || e instanceof H5FormatError) {
      directStats.unsupported++;
      return undefined;
    }
    throw e;
  }
  const t = ds.type;
  if (numericDType(t.cls, t.size, t.signed) !== dtype || ds.shape.length !== shape.length || ds.shape.some((s, d) => s !== shape[d])) return undefined;
  const es = t.size;
  // Shuffle (first, if at all) then deflate, as netCDF-C writes them; anything else goes through HDF5.
  const ids = ds.filters.map((x) => x.id);
  if (ids.some((id) => id !== 1 && id !== 2) || ids.lastIndexOf(2) > 0) return undefined;
  if (ds.filters.some((x) => x.id === 2 && x.cd.length > 0 && x.cd[0] !== es)) return undefined;
  const info = dtypeInfo(dtype);
  let fb: Read | undefined;
  const viaH5 = async (region: readonly IndexRange[], into?: TypedArray) => {
    directStats.fallbacks++;
    fb ??= await fallback();
    return fb(region, into);
  };
  const layout = ds.layout;
  if (layout.kind === "contiguous") {
    const bytes = shape.reduce((p, s) => p * s, 1) * es;
    if (layout.address !== undefined && layout.size !== bytes) throw new H5FormatError(`contiguous data of ${layout.size} bytes for a dataset of ${bytes} bytes`);
  }
  return async (region, into) => {
    if (region.some((r) => r.stop <= r.start)) return new info.ctor(0);
    const ext = region.map((r) => r.stop - r.start);
    const n = ext.reduce((p, e) => p * e, 1);
    const out = into && into.length === n ? into : new info.ctor(n);
    const k = kernels();
    const mark = k.arena.mark();
    try {
      const owned = k.owns(out);
      const dst = owned ? out.byteOffset : k.arena.alloc(n * es);
      const done = layout.kind === "contiguous"
        ? useFile(path, (f) => readContiguous(f, layout, shape, region, ext, es, dst))
        : useFile(path, (f) => readChunked(f, key, ds, layout, region, ext, es, dst));
      if (!done) return viaH5(region, into);
      directStats.reads++;
      if (!owned) new Uint8Array(out.buffer, out.byteOffset, n * es).set(k.u8.subarray(dst, dst + n * es));
      return out;
    } finally {
      k.arena.release(mark);
    }
  };
}

function remember(key: string, v: { ds: H5Dataset; index?: Map<string, ChunkEntry> }): void {
  datasets.delete(key);
  datasets.set(key, v);
  if (datasets.size > MAX_DATASETS) datasets.delete(datasets.keys().next().value!);
}

/** The region of a contiguous dataset, pread straight into WASM memory at `dst`; false if never written. */
function readContiguous(f: H5File, layout: { address: number | undefined; size: number }, shape: readonly number[], region: readonly IndexRange[], ext: number[], es: number, dst: number): boolean {
  if (layout.address === undefined) return false;
  const base = layout.address;
  if (base + layout.size > f.size) throw new H5FormatError(`contiguous data (bytes ${base}-${base + layout.size}) is beyond the end of the file (${f.size} bytes; truncated?)`);
  const nd = shape.length;
  const fstride = cStrides(shape);
  // Trailing dims read whole merge into one run: runs start at index tuples of dims < j.
  let j = nd - 1;
  while (j > 0 && region[j]!.start === 0 && region[j]!.stop === shape[j]) j--;
  const run = nd === 0 ? es : ext.slice(Math.max(j, 0)).reduce((p, e) => p * e, 1) * es;
  const idx = region.slice(0, Math.max(j, 0)).map((r) => r.start);
  const k = kernels();
  let at = dst;
  for (;;) {
    let el = 0;
    for (let d = 0; d < nd; d++) el += (d < j ? idx[d]! : d === j ? region[d]!.start : 0) * fstride[d]!;
    pread(f.fd, k.u8, at, run, base + el * es);
    at += run;
    let d = j - 1;
    for (; d >= 0; d--) {
      if (++idx[d]! < region[d]!.stop) break;
      idx[d] = region[d]!.start;
    }
    if (d < 0) return true;
  }
}

/** The region of a chunked dataset decoded chunk by chunk into WASM memory at `dst`; false if a chunk was never written. */
function readChunked(f: H5File, key: string, ds: H5Dataset, layout: { btree: number | undefined; chunks: number[] }, region: readonly IndexRange[], ext: number[], es: number, dst: number): boolean {
  if (layout.btree === undefined) return false;
  const cached = datasets.get(key);
  let index = cached?.index;
  if (!index) {
    index = chunkIndex(f, layout.btree, layout.chunks);
    remember(key, { ds, index });
  }
  const chunks = layout.chunks;
  const nd = chunks.length;
  const lo = region.map((r, d) => Math.floor(r.start / chunks[d]!));
  const hi = region.map((r, d) => Math.ceil(r.stop / chunks[d]!));
  const entries: [number[], ChunkEntry][] = [];
  const idx = [...lo];
  for (;;) {
    const e = index.get(idx.join());
    if (!e) return false;
    entries.push([[...idx], e]);
    let d = nd - 1;
    for (; d >= 0; d--) {
      if (++idx[d]! < hi[d]!) break;
      idx[d] = lo[d]!;
    }
    if (d < 0) break;
  }
  const celems = chunks.reduce((p, c) => p * c, 1);
  const cbytes = celems * es;
  const cstride = cStrides(chunks);
  const dstride = cStrides(ext);
  const nDst = ext.reduce((p, e) => p * e, 1);
  const deflate = ds.filters.findIndex((x) => x.id === 1);
  const shuffle = ds.filters.findIndex((x) => x.id === 2);
  const k = kernels();
  for (const [ci, e] of entries) {
    const where = () => `chunk [${ci.map((c, d) => c * chunks[d]!)}]`;
    const mark = k.arena.mark();
    // The decoded chunk at `src` in WASM memory: inflated there, or read there when stored unfiltered.
    let src: number;
    if (deflate >= 0 && !(e.mask & (1 << deflate))) {
      if (raw.length < e.size) raw = new Uint8Array(Math.max(e.size, raw.length * 2));
      pread(f.fd, raw, 0, e.size, e.address);
      // Room for more than expected: a chunk decoding to more is an error, not a silent cut.
      src = k.arena.alloc(cbytes + 64);
      let got: number;
      try {
        got = inflateInto(raw.subarray(0, e.size), k.u8.subarray(src, src + cbytes + 64), cbytes);
      } catch (err) {
        throw new H5FormatError(`${where()}: inflate failed: ${(err as Error).message} (corrupt?)`);
      }
      if (got !== cbytes) throw new H5FormatError(`${where()} inflates to ${got === cbytes + 64 ? "more than " : ""}${got} bytes, expected ${cbytes} (corrupt?)`);
    } else {
      if (e.size !== cbytes) throw new H5FormatError(`${where()} is stored in ${e.size} bytes, expected ${cbytes} (corrupt?)`);
      src = k.arena.alloc(cbytes);
      pread(f.fd, k.u8, src, cbytes, e.address);
    }
    const unshuffle = shuffle >= 0 && !(e.mask & (1 << shuffle)) && es > 1;
    const c0 = ci.map((c, d) => c * chunks[d]!);
    const from = c0.map((c, d) => Math.max(c, region[d]!.start));
    const copy = from.map((s, d) => Math.min(c0[d]! + chunks[d]!, region[d]!.stop) - s);
    const dstStart = from.map((s, d) => s - region[d]!.start);
    // A whole chunk landing on one run of the block goes straight there.
    let m = 0;
    while (m < nd && copy[m] === 1) m++;
    const straight = copy.every((c, d) => c === chunks[d]) && copy.every((c, d) => d <= m || c === ext[d]);
    if (straight) {
      const at = dst + dstStart.reduce((p, s, d) => p + s * dstride[d]!, 0) * es;
      if (unshuffle) shufflePtr("unshuffle", src, at, cbytes, es, k);
      else k.u8.copyWithin(at, src, src + cbytes);
    } else {
      if (unshuffle) {
        const tmp = k.arena.alloc(cbytes);
        shufflePtr("unshuffle", src, tmp, cbytes, es, k);
        src = tmp;
      }
      placePtr(src, { stride: cstride, start: from.map((s, d) => s - c0[d]!), length: celems }, dst, { stride: dstride, start: dstStart, length: nDst }, copy, es, k);
    }
    k.arena.release(mark);
    directStats.chunks++;
  }
  return true;
}
