// One WebAssembly instance of the kernels per thread, instantiated synchronously on first use from the
// embedded bytes (no file system, no fetch: the same code runs in Node and Deno).
import { wasmBase64 } from "./wasm.generated.js";
import { Arena } from "./arena.js";

/** The raw exports of build/kernels.wasm: pointers and sizes in, numbers out. */
export interface KernelExports {
  memory: WebAssembly.Memory;
  heapBase(): number;
  fillPattern(dst: number, n: number, size: number, lo: number, hi: number): void;
  allEqualPattern(src: number, n: number, size: number, lo: number, hi: number): number;
  // assembly/shuffle.ts (Blosc byte / bit shuffle; src != dst, len in bytes)
  shuffleBytes(src: number, dst: number, len: number, typesize: number): void;
  unshuffleBytes(src: number, dst: number, len: number, typesize: number): void;
  bitshuffle(src: number, dst: number, len: number, typesize: number): void;
  bitunshuffle(src: number, dst: number, len: number, typesize: number): void;
  // assembly/slice.ts (shapes: u32 arrays of ndim entries; sliceParams() is a static area for them)
  sliceParams(): number;
  sliceChunk(src: number, srcShape: number, srcStart: number, dst: number, dstShape: number, copyShape: number,
    ndim: number, esize: number, lo: number, hi: number): void;
  sliceIsFill(ptr: number, n: number, esize: number, lo: number, hi: number): number;
  // assembly/place.ts (strides, starts, copy shape: u32 arrays of ndim entries in the placeParams() area)
  placeParams(): number;
  placeBox(src: number, srcStride: number, srcStart: number, dst: number, dstStride: number, dstStart: number,
    copyShape: number, ndim: number, esize: number): void;
  // assembly/crc32c.ts (crc: the CRC so far, 0 to start; returns it as a signed i32: use >>> 0)
  crc32cUpdate(crc: number, ptr: number, len: number): number;
  // Other kernels are reached through their typed wrappers in src/kernels/ and src/codecs/.
  [name: string]: unknown;
}

let compiled: WebAssembly.Module | undefined;

function decodeBase64(s: string): Uint8Array {
  // Node's (and Deno's) Buffer decodes natively; atob plus a loop took ~15 ms of each thread's start in Node 20.
  const B = (globalThis as { Buffer?: { from(s: string, enc: "base64"): Uint8Array } }).Buffer;
  if (B) {
    const b = B.from(s, "base64");
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  }
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** The compiled module, shared by every instance in this thread (compile once, instantiate many). */
export function kernelModule(): WebAssembly.Module {
  compiled ??= new WebAssembly.Module(decodeBase64(wasmBase64) as Uint8Array<ArrayBuffer>);
  return compiled;
}

export class Kernels {
  readonly exports: KernelExports;
  readonly memory: WebAssembly.Memory;
  readonly arena: Arena;
  private buf: ArrayBuffer;
  private _u8: Uint8Array;

  constructor() {
    const inst = new WebAssembly.Instance(kernelModule(), {
      env: {
        abort(_msg: number, _file: number, line: number, col: number) {
          throw new Error(`xpartition kernel aborted at ${line}:${col}`);
        },
      },
    });
    this.exports = inst.exports as unknown as KernelExports;
    this.memory = this.exports.memory;
    this.buf = this.memory.buffer;
    this._u8 = new Uint8Array(this.buf);
    this.arena = new Arena(this, this.exports.heapBase());
  }

  /** A byte view of the whole memory, re-created whenever memory has grown (growth detaches old views). */
  get u8(): Uint8Array {
    if (this.memory.buffer !== this.buf) {
      this.buf = this.memory.buffer;
      this._u8 = new Uint8Array(this.buf);
    }
    return this._u8;
  }

  /**
   * Grow memory so that at least `end` bytes exist, with headroom (an eighth of memory: geometric, so growths
   * stay few; 16 MiB or a quarter cost a sharded rank of test/write/memory.test.ts ~7 MiB of RSS): every growth
   * detaches all views of memory — e.g. the writer's block while its source chunks are decoded into it, which
   * then has to be computed again — and pages never touched cost no RSS.
   */
  ensure(end: number): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    const pages = Math.ceil((end - have) / 65536);
    try {
      this.memory.grow(pages + Math.ceil(have / 8 / 65536));
      return;
    } catch {
      // Near the 4 GiB limit: only what is needed.
    }
    try {
      this.memory.grow(pages);
    } catch (e) {
      throw new RangeError(`xpartition kernels: cannot grow WebAssembly memory to ${end} bytes (${String(e)})`);
    }
  }

  /** True when `a` is a view of this instance's memory (so it can be passed by pointer, without a copy). */
  owns(a: ArrayBufferView): boolean {
    return a.buffer === this.memory.buffer;
  }
}

let threadKernels: Kernels | undefined;

/** This thread's kernel instance. */
export function kernels(): Kernels {
  threadKernels ??= new Kernels();
  return threadKernels;
}
