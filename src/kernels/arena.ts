// A bump arena over the kernels' linear memory. Callers take a mark, allocate what one chunk or block needs,
// and release back to the mark: buffers are reused from chunk to chunk with no allocator in WASM.
import type { Kernels } from "./instance.js";

export type TypedArray =
  | Int8Array | Uint8Array | Uint8ClampedArray | Int16Array | Uint16Array | Int32Array | Uint32Array
  | Float32Array | Float64Array | BigInt64Array | BigUint64Array;

export interface TypedArrayConstructor<T extends TypedArray> {
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): T;
  readonly BYTES_PER_ELEMENT: number;
}

const ALIGN = 64;

export class Arena {
  private top: number;
  readonly base: number;

  constructor(private readonly k: Kernels, heapBase: number) {
    this.base = Math.ceil(heapBase / ALIGN) * ALIGN;
    this.top = this.base;
  }

  /** Current top: pass it to `release` to free everything allocated after it. */
  mark(): number {
    return this.top;
  }

  release(mark: number): void {
    if (mark < this.base || mark > this.top) throw new RangeError(`arena: bad mark ${mark}`);
    this.top = mark;
  }

  /** Allocate `bytes` (64-byte aligned, so v128 loads never straddle cache lines needlessly); returns a pointer. */
  alloc(bytes: number): number {
    const ptr = this.top;
    const end = ptr + Math.ceil(Math.max(bytes, 0) / ALIGN) * ALIGN;
    this.k.ensure(end);
    this.top = end;
    return ptr;
  }

  /** A typed view of `length` elements at `ptr`. Views go stale when memory grows: take them after allocating. */
  view<T extends TypedArray>(ctor: TypedArrayConstructor<T>, ptr: number, length: number): T {
    return new ctor(this.k.memory.buffer, ptr, length);
  }

  /** Allocate and return a typed view. */
  allocView<T extends TypedArray>(ctor: TypedArrayConstructor<T>, length: number): T {
    const ptr = this.alloc(length * ctor.BYTES_PER_ELEMENT);
    return this.view(ctor, ptr, length);
  }

  /**
   * Pointer to `data`'s bytes in WASM memory: the view itself when it already lives there (zero copy),
   * otherwise one copy into the arena.
   */
  input(data: ArrayBufferView): number {
    if (this.k.owns(data)) return data.byteOffset;
    const ptr = this.alloc(data.byteLength);
    this.k.u8.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), ptr);
    return ptr;
  }
}
