// Typed wrapper of assembly/slice.ts for the writer: cut a C-order block (in WASM memory) that covers whole
// chunks into contiguous chunk buffers of the full chunk shape, edge chunks padded with the fill value.
import { kernels, type Kernels } from "./instance.js";
import type { TypedArray } from "./arena.js";
import type { Span } from "../codecs/types.js";
import { dtypeInfo, dtypeOf, patternWords, type DType } from "../model/dtypes.js";

const MAX_DIMS = 32;

/** A block of the array, C order, in WASM memory at `ptr`, starting at index `origin` of the array. */
export interface BlockRef {
  ptr: number;
  shape: readonly number[];
  origin: readonly number[];
}

export interface ChunkSlicerOptions {
  arrayShape: readonly number[];
  chunkShape: readonly number[];
  dtype: DType;
  /** Fill value for the part of edge chunks beyond the array (bitwise: NaN payloads and -0.0 kept). */
  fillValue?: number | bigint | boolean;
  /** Or the fill value's bytes as two little-endian u32 words (`patternWords`), e.g. a NaN with a payload. */
  fillWords?: readonly [number, number];
}

export class SliceError extends RangeError {
  override readonly name = "SliceError";
}

function checkDims(name: string, xs: readonly number[], ndim: number, min: number): void {
  if (xs.length !== ndim) throw new SliceError(`${name} has ${xs.length} dims, expected ${ndim}`);
  xs.forEach((x, d) => {
    if (!Number.isInteger(x) || x < min || x > 0xffffffff) throw new SliceError(`${name}[${d}] = ${x}: expected an integer >= ${min}`);
  });
}

/** Slices chunks of one array (shape, chunk shape, dtype, fill value fixed) out of blocks. */
export class ChunkSlicer {
  readonly ndim: number;
  readonly arrayShape: readonly number[];
  readonly chunkShape: readonly number[];
  readonly elementSize: number;
  readonly chunkElems: number;
  readonly chunkBytes: number;
  /** The fill value's bytes as two little-endian u32 words. */
  readonly fillWords: readonly [number, number];

  constructor(opts: ChunkSlicerOptions) {
    this.ndim = opts.arrayShape.length;
    if (this.ndim > MAX_DIMS) throw new SliceError(`arrayShape has ${this.ndim} dims: at most ${MAX_DIMS} are supported`);
    checkDims("arrayShape", opts.arrayShape, this.ndim, 0);
    checkDims("chunkShape", opts.chunkShape, this.ndim, 1);
    this.arrayShape = [...opts.arrayShape];
    this.chunkShape = [...opts.chunkShape];
    this.elementSize = dtypeInfo(opts.dtype).size;
    this.chunkElems = this.chunkShape.reduce((a, b) => a * b, 1);
    this.chunkBytes = this.chunkElems * this.elementSize;
    if (this.chunkBytes > 0xffffffff) throw new SliceError(`chunk of shape [${this.chunkShape}] is ${this.chunkBytes} bytes: over 4 GiB`);
    if (opts.fillWords !== undefined) {
      const [lo, hi] = opts.fillWords;
      if (![lo, hi].every((w) => Number.isInteger(w) && w >= -0x80000000 && w <= 0xffffffff)) {
        throw new SliceError(`fillWords must be two 32-bit integers, got [${opts.fillWords}]`);
      }
      this.fillWords = [lo >>> 0, hi >>> 0];
    } else if (opts.fillValue !== undefined) {
      this.fillWords = patternWords(opts.dtype, opts.fillValue);
    } else {
      throw new SliceError("ChunkSlicer needs fillValue or fillWords");
    }
  }

  /** Number of chunks along each dim. */
  get grid(): number[] {
    return this.arrayShape.map((n, d) => Math.ceil(n / this.chunkShape[d]!));
  }

  /** Indices (C order) of the chunks a block covers; the block must start and end on chunk boundaries (or the array end). */
  chunksIn(block: Pick<BlockRef, "shape" | "origin">): number[][] {
    checkDims("block.shape", block.shape, this.ndim, 0);
    checkDims("block.origin", block.origin, this.ndim, 0);
    const lo: number[] = [];
    const hi: number[] = [];
    for (let d = 0; d < this.ndim; d++) {
      const c = this.chunkShape[d]!;
      const o = block.origin[d]!;
      const end = o + block.shape[d]!;
      if (o % c !== 0) throw new SliceError(`block origin[${d}] = ${o} is not on a chunk boundary (chunk size ${c})`);
      if (end > this.arrayShape[d]!) throw new SliceError(`block ends at ${end} in dim ${d}, beyond the array (${this.arrayShape[d]})`);
      if (end % c !== 0 && end !== this.arrayShape[d]) throw new SliceError(`block end ${end} in dim ${d} is neither a chunk boundary (chunk size ${c}) nor the array end`);
      lo.push(o / c);
      hi.push(Math.ceil(end / c));
    }
    const out: number[][] = [];
    if (this.ndim === 0) return [[]]; // a 0-d array is one chunk of one element
    if (hi.some((h, d) => h <= lo[d]!)) return out;
    const idx = [...lo];
    for (;;) {
      out.push([...idx]);
      let d = this.ndim - 1;
      while (d >= 0 && ++idx[d]! >= hi[d]!) idx[d] = lo[d--]!;
      if (d < 0) return out;
    }
  }

  /** Write chunk `chunk` (grid indices) of `block` into `dst` (chunkBytes bytes in `k`'s memory). */
  sliceInto(block: BlockRef, chunk: readonly number[], dst: number, k: Kernels = kernels()): void {
    const nd = this.ndim;
    checkDims("chunk", chunk, nd, 0);
    checkDims("block.shape", block.shape, nd, 0);
    checkDims("block.origin", block.origin, nd, 0);
    if (nd === 0) {
      k.u8.copyWithin(dst, block.ptr, block.ptr + this.elementSize);
      return;
    }
    const p = k.exports.sliceParams();
    const params = new Uint32Array(k.memory.buffer, p, 4 * MAX_DIMS);
    for (let d = 0; d < nd; d++) {
      const c = this.chunkShape[d]!;
      const start = chunk[d]! * c;
      const n = this.arrayShape[d]!;
      if (start >= n) throw new SliceError(`chunk[${d}] = ${chunk[d]} is beyond the array (${Math.ceil(n / c)} chunks)`);
      const copy = Math.min(c, n - start);
      const inBlock = start - block.origin[d]!;
      if (inBlock < 0 || inBlock + copy > block.shape[d]!) {
        throw new SliceError(`chunk ${JSON.stringify(chunk)} is not inside the block (origin [${block.origin}], shape [${block.shape}]) in dim ${d}`);
      }
      params[d] = block.shape[d]!;
      params[MAX_DIMS + d] = inBlock;
      params[2 * MAX_DIMS + d] = c;
      params[3 * MAX_DIMS + d] = copy;
    }
    const B = 4 * MAX_DIMS;
    k.exports.sliceChunk(block.ptr, p, p + B, dst, p + 2 * B, p + 3 * B, nd, this.elementSize, this.fillWords[0], this.fillWords[1]);
  }

  /** Slice one chunk into a new arena buffer (valid until the caller releases the arena). */
  slice(block: BlockRef, chunk: readonly number[], k: Kernels = kernels()): Span {
    const ptr = k.arena.alloc(this.chunkBytes);
    this.sliceInto(block, chunk, ptr, k);
    return { ptr, len: this.chunkBytes };
  }

  /** Slice every chunk of the block, each into its own arena buffer. */
  sliceAll(block: BlockRef, k: Kernels = kernels()): { chunk: number[]; span: Span }[] {
    return this.chunksIn(block).map((chunk) => ({ chunk, span: this.slice(block, chunk, k) }));
  }

  /** True when the chunk buffer at `ptr` holds the fill value everywhere (bitwise). */
  isFill(ptr: number, k: Kernels = kernels()): boolean {
    return k.exports.sliceIsFill(ptr, this.chunkElems, this.elementSize, this.fillWords[0], this.fillWords[1]) !== 0;
  }
}

/**
 * Convenience for typed arrays anywhere: chunk `chunk` of `block` (C order, shape `blockShape`, starting at
 * `origin` in an array of `arrayShape`) as a new typed array of the full chunk shape.
 */
export function sliceChunkArray<T extends TypedArray>(
  block: T, blockShape: readonly number[], origin: readonly number[], arrayShape: readonly number[],
  chunkShape: readonly number[], chunk: readonly number[], fillValue: number | bigint | boolean, dtype: DType = dtypeOf(block),
): T {
  const s = new ChunkSlicer({ arrayShape, chunkShape, dtype, fillValue });
  const need = blockShape.reduce((a, b) => a * b, 1);
  if (block.length !== need) throw new SliceError(`block has ${block.length} elements, shape [${blockShape}] needs ${need}`);
  const k = kernels();
  const mark = k.arena.mark();
  try {
    const ptr = k.arena.input(block);
    const span = s.slice({ ptr, shape: blockShape, origin }, chunk, k);
    const ctor = block.constructor as unknown as { new (n: number): T };
    const out = new ctor(s.chunkElems);
    new Uint8Array(out.buffer).set(k.u8.subarray(span.ptr, span.ptr + span.len));
    return out;
  } finally {
    k.arena.release(mark);
  }
}
