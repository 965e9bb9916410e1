// Reading a region of a zarr array: only the source chunks overlapping it, each decoded by zarrita's getChunk
// (never zarr.get, whose region assembly runs at ~130 MB/s: SOURCES.md §3.5) and placed into the output block
// by our WASM kernel (src/kernels/place.ts). Missing chunks come back from getChunk as the fill value.
//
// The kernels' arena is a per-thread bump allocator shared with the writer: nothing of it is held across an
// await. Chunks are fetched a batch at a time; each batch is placed synchronously.
import type * as zarr from "zarrita";
import type { TypedArray } from "../kernels/arena.js";
import { kernels } from "../kernels/instance.js";
import { bloscDecodeSpan, bloscHeader, bloscKernelDecodes } from "../codecs/blosc-decode.js";
import { keepChunk, takeChunk } from "./chunk-cache.js";
import { SourceError } from "./errors.js";
import { cStrides, placePtr } from "../kernels/place.js";
import type { ComputeFn } from "../model/lazy.js";
import { dtypeInfo, type DType } from "../model/dtypes.js";
import type { IndexRange } from "../model/region.js";

export interface ChunkSource {
  /** zarrita's array (sharded: `chunks` are the inner chunks and getChunk takes inner coordinates). */
  array: zarr.Array<zarr.DataType, zarr.Readable>;
  dtype: DType;
  shape: readonly number[];
  chunks: readonly number[];
  /** Chunks fetched and decoded at once (default 8). */
  concurrency?: number;
  /** Called once per chunk read (tests count reads). */
  onChunk?: (coords: readonly number[]) => void;
  /**
   * The stored bytes of a chunk, given when its only codec is Blosc over C-order little-endian values: our kernel
   * (src/codecs/blosc-decode.ts) then decodes it straight into the block, without zarrita's pipeline and copies.
   */
  rawChunk?: (coords: readonly number[]) => Promise<Uint8Array | undefined>;
  /** Given back each `rawChunk` result once it has been decoded (pooled read buffers). */
  releaseRaw?: (bytes: Uint8Array) => void;
  /** Names a chunk in errors (variable, key, store). */
  describe?: (coords: readonly number[]) => string;
}

interface Decoded {
  coords: number[];
  data: TypedArray;
  stride: number[];
  /** Also held by the chunk cache: not to be handed out as the result itself. */
  shared?: boolean;
  /** A whole chunk still Blosc-encoded (`data` is then empty): decoded where it is placed. */
  raw?: Uint8Array;
}

const NO_DATA = new Uint8Array(0);

let nextSource = 0;

/** The decoded chunk's bytes as a TypedArray of the dtype (zarrita's BoolArray is bytes). */
function asTyped(data: unknown, dtype: DType): TypedArray {
  if (dtype === "bool") {
    const b = data as { buffer: ArrayBufferLike; byteOffset: number; length: number };
    return new Uint8Array(b.buffer, b.byteOffset, b.length);
  }
  return data as TypedArray;
}

/** Chunk coordinates (C order) of the chunks overlapping `region`. */
function chunksOver(region: readonly IndexRange[], chunks: readonly number[]): number[][] {
  const lo = region.map((r, d) => Math.floor(r.start / chunks[d]!));
  const hi = region.map((r, d) => Math.ceil(r.stop / chunks[d]!));
  if (hi.some((h, d) => h <= lo[d]!)) return [];
  const out: number[][] = [];
  const idx = [...lo];
  for (;;) {
    out.push([...idx]);
    let d = idx.length - 1;
    while (d >= 0 && ++idx[d]! >= hi[d]!) idx[d] = lo[d--]!;
    if (d < 0) return out;
  }
}

/** When the region is one contiguous run of a C-order chunk: its offset in the chunk, else -1. */
function contiguousIn(region: readonly IndexRange[], origin: readonly number[], chunkShape: readonly number[], stride: readonly number[]): number {
  const nd = region.length;
  const c = cStrides(chunkShape);
  if (stride.some((s, d) => s !== c[d])) return -1;
  // Dims after the first partial one must be whole; dims before it must have length 1.
  let k = 0;
  while (k < nd && region[k]!.stop - region[k]!.start === 1) k++;
  for (let d = k + 1; d < nd; d++) if (region[d]!.start - origin[d]! !== 0 || region[d]!.stop - region[d]!.start !== chunkShape[d]) return -1;
  let off = 0;
  for (let d = 0; d < nd; d++) off += (region[d]!.start - origin[d]!) * c[d]!;
  return off;
}

/** The LazyArray compute function reading `src`. */
export function chunkReader(src: ChunkSource): ComputeFn {
  const info = dtypeInfo(src.dtype);
  const es = info.size;
  const chunks = src.chunks;
  const batch = Math.max(1, src.concurrency ?? 8);
  const id = nextSource++;
  // A chunk the region reads only in part is kept (./chunk-cache.ts) for the region that reads the rest.
  const fetch = async (coords: number[], region: readonly IndexRange[]): Promise<Decoded> => {
    let total = 1, part = 1;
    for (let d = 0; d < coords.length; d++) {
      const lo = coords[d]! * chunks[d]!, hi = Math.min(lo + chunks[d]!, src.shape[d]!);
      total *= hi - lo;
      part *= Math.min(hi, region[d]!.stop) - Math.max(lo, region[d]!.start);
    }
    const key = `${id}:${coords.join(",")}`;
    const hit = takeChunk(key, part);
    if (hit) return { coords, ...hit, shared: true };
    src.onChunk?.(coords);
    if (src.rawChunk && coords.length > 0) {
      const bytes = await src.rawChunk(coords).catch((e) => { throw chunkError(coords, e); });
      if (bytes && bloscKernelDecodes(bytes)) {
        if (part === total) return { coords, data: NO_DATA, stride: cStride, raw: bytes };
        // Read in part: decoded now, and perhaps kept for the region that reads the rest.
        const got = { coords, data: decodeWhole(coords, bytes), stride: cStride };
        return { ...got, shared: keepChunk(key, got, total, part) };
      }
      // A missing chunk (fill value) or another inner codec: through zarrita, which reads it again.
    }
    const c = await src.array.getChunk(coords).catch((e) => { throw chunkError(coords, e); });
    const got = { coords, data: asTyped(c.data, src.dtype), stride: c.stride };
    return { ...got, shared: keepChunk(key, got, total, part) };
  };
  const cStride = cStrides(chunks);
  const chunkElems = chunks.reduce((p, c) => p * c, 1);
  const chunkError = (coords: readonly number[], e: unknown): Error => {
    if (!src.describe) return e as Error;
    return new SourceError(`${src.describe(coords)}: ${(e as Error).message}`, { cause: e });
  };
  /** Decode a raw chunk into `dst` (WASM memory, the chunk's bytes): the kernel, bounds-checked. */
  const decodeRaw = (coords: readonly number[], raw: Uint8Array, dst: number): void => {
    const k = kernels();
    const mark = k.arena.mark();
    try {
      const bytes = chunkElems * es;
      const h = bloscHeader(raw);
      if (h.nbytes !== bytes || h.cbytes > raw.length) {
        throw new SourceError(`Blosc header says ${h.nbytes} bytes in ${h.cbytes}, the chunk holds ${bytes} in ${raw.length}`);
      }
      const sp = k.arena.input(raw);
      src.releaseRaw?.(raw);
      const got = bloscDecodeSpan(k, { ptr: sp, len: raw.length }, dst, bytes, h.blocksize);
      if (got !== bytes) throw new SourceError(`Blosc container not decodable here (flags 0x${h.flags.toString(16)}, typesize ${h.typesize}, blocksize ${h.blocksize})`);
    } catch (e) {
      throw chunkError(coords, e);
    } finally {
      k.arena.release(mark);
    }
  };
  const decodeWhole = (coords: readonly number[], raw: Uint8Array): TypedArray => {
    const k = kernels();
    const mark = k.arena.mark();
    try {
      const dst = k.arena.alloc(chunkElems * es);
      decodeRaw(coords, raw, dst);
      return new info.ctor(k.memory.buffer.slice(dst, dst + chunkElems * es) as ArrayBuffer, 0, chunkElems) as TypedArray;
    } finally {
      k.arena.release(mark);
    }
  };
  return async (region, out) => {
    const n = region.reduce((p, r) => p * (r.stop - r.start), 1);
    const shape = region.map((r) => r.stop - r.start);
    const k = kernels();
    // An `out` in WASM memory (the writer's block) is addressed by pointer: awaits may grow memory and detach it.
    const ptr = out && k.owns(out) ? out.byteOffset : -1;
    const target = (): TypedArray | undefined => (ptr >= 0 ? new info.ctor(k.memory.buffer, ptr, n) : out);
    const list = region.length === 0 ? [[]] : chunksOver(region, chunks);
    if (n === 0 || list.length === 0) return out ?? new info.ctor(0);
    if (list.length === 1) {
      // One chunk holding the region as one run (e.g. an output chunk equal to a source chunk): no kernel.
      const c = await fetch(list[0]!, region);
      if (c.raw) {
        if (ptr < 0) return placeAll([c], region, shape, n, out);
        placeBatch([c], region, shape, n, ptr);
        return target()!;
      }
      const origin = c.coords.map((x, d) => x * chunks[d]!);
      const off = contiguousIn(region, origin, chunks, c.stride);
      if (off >= 0) {
        const run = c.data.subarray(off, off + n);
        const dst = target();
        if (!dst) return c.shared ? run.slice() : run;
        dst.set(run as never);
        return dst;
      }
      if (ptr >= 0) {
        placeBatch([c], region, shape, n, ptr);
        return target()!;
      }
      return placeAll([c], region, shape, n, out);
    }
    if (ptr >= 0) {
      // Batch by batch straight into the block: only one batch of decoded chunks is held at a time.
      for (let i = 0; i < list.length; i += batch) placeBatch(await Promise.all(list.slice(i, i + batch).map((c) => fetch(c, region))), region, shape, n, ptr);
      return target()!;
    }
    // Anywhere else: every chunk first, then one synchronous placement into a block in WASM memory.
    const got: Decoded[] = [];
    for (let i = 0; i < list.length; i += batch) got.push(...(await Promise.all(list.slice(i, i + batch).map((c) => fetch(c, region)))));
    return placeAll(got, region, shape, n, out);
  };

  function placeBatch(got: Decoded[], region: readonly IndexRange[], shape: number[], n: number, dptr: number): void {
    const k = kernels();
    if (region.length === 0) {
      // 0-d: one element.
      k.u8.set(new Uint8Array(got[0]!.data.buffer, got[0]!.data.byteOffset, es), dptr);
      return;
    }
    const dStride = cStrides(shape);
    for (const c of got) {
      if (c.raw) {
        placeRaw(c.coords, c.raw, region, dStride, n, dptr);
        continue;
      }
      const mark = k.arena.mark();
      try {
        const sp = k.arena.input(c.data);
        const start = c.coords.map((x, d) => x * chunks[d]!);
        const lo = region.map((r, d) => Math.max(r.start, start[d]!));
        const hi = region.map((r, d) => Math.min(r.stop, start[d]! + chunks[d]!, src.shape[d]!));
        placePtr(
          sp, { stride: c.stride, start: lo.map((x, d) => x - start[d]!), length: c.data.length },
          dptr, { stride: dStride, start: lo.map((x, d) => x - region[d]!.start), length: n },
          hi.map((h, d) => h - lo[d]!), es, k,
        );
      } finally {
        k.arena.release(mark);
      }
    }
  }

  /**
   * A whole raw chunk into the block at `dptr`: decoded in place when it is one run of the block (an interior chunk
   * whose trailing dims span the block's), else decoded into the arena and placed by the kernel.
   */
  function placeRaw(coords: number[], raw: Uint8Array, region: readonly IndexRange[], dStride: number[], n: number, dptr: number): void {
    const start = coords.map((x, d) => x * chunks[d]!);
    const nd = chunks.length;
    let run = chunks.every((c, d) => start[d]! + c <= src.shape[d]!);
    let first = 0;
    while (first < nd && chunks[first] === 1) first++;
    for (let d = first + 1; run && d < nd; d++) run = chunks[d] === region[d]!.stop - region[d]!.start;
    if (run) {
      let off = 0;
      for (let d = 0; d < nd; d++) off += (start[d]! - region[d]!.start) * dStride[d]!;
      decodeRaw(coords, raw, dptr + off * es);
      return;
    }
    const k = kernels();
    const mark = k.arena.mark();
    try {
      const tmp = k.arena.alloc(chunkElems * es);
      decodeRaw(coords, raw, tmp);
      const lo = region.map((r, d) => Math.max(r.start, start[d]!));
      const hi = region.map((r, d) => Math.min(r.stop, start[d]! + chunks[d]!, src.shape[d]!));
      placePtr(
        tmp, { stride: cStride, start: lo.map((x, d) => x - start[d]!), length: chunkElems },
        dptr, { stride: dStride, start: lo.map((x, d) => x - region[d]!.start), length: n },
        hi.map((h, d) => h - lo[d]!), es, k,
      );
    } finally {
      k.arena.release(mark);
    }
  }

  function placeAll(got: Decoded[], region: readonly IndexRange[], shape: number[], n: number, out: TypedArray | undefined): TypedArray {
    const k = kernels();
    const mark = k.arena.mark();
    try {
      const dptr = k.arena.alloc(n * es);
      placeBatch(got, region, shape, n, dptr);
      const dst = out ?? new info.ctor(n);
      new Uint8Array(dst.buffer, dst.byteOffset, n * es).set(k.u8.subarray(dptr, dptr + n * es));
      return dst;
    } finally {
      k.arena.release(mark);
    }
  }
}

/** Read a whole array (dimension coordinates, at open). */
export async function readAll(src: ChunkSource): Promise<TypedArray> {
  const region = src.shape.map((s) => ({ start: 0, stop: s }));
  const n = src.shape.reduce((p, s) => p * s, 1);
  const res = await chunkReader(src)(region);
  // A view of a decoded chunk may hold more than the array: keep only what is ours.
  return res.length === n && res.byteOffset === 0 && res.byteLength === res.buffer.byteLength ? res : res.slice();
}
