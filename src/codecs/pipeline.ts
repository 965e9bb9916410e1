// A chunk-encoding pipeline: filters, then compressor (zarr v2) or a zarr v3 codecs list, run on a chunk that
// already lives in WASM memory. When every stage has `encodeSpan` the chunk flows from span to span inside the
// arena with no copy out of WASM until the caller takes the bytes; otherwise the span-capable prefix runs in
// WASM and the rest through the stages' async `encode`.
import type { Kernels } from "../kernels/instance.js";
import { kernels } from "../kernels/instance.js";
import { codec } from "./factory.js";
import { CodecError, type Codec, type CodecConfig, type Span } from "./types.js";

const ORDER = { "array-array": 0, "array-bytes": 1, "bytes-bytes": 2 } as const;

/** A view of `bytes` whose element size is `elementSize` (so typesize-aware codecs see the right size). */
function viewWithElementSize(bytes: Uint8Array, elementSize: number): ArrayBufferView {
  if (bytes.byteOffset % elementSize !== 0 || bytes.byteLength % elementSize !== 0) return bytes;
  const ctor = elementSize === 2 ? Uint16Array : elementSize === 4 ? Uint32Array : elementSize === 8 ? Float64Array : undefined;
  return ctor ? new ctor(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength / elementSize) : bytes;
}

export class Pipeline {
  readonly codecs: readonly Codec[];

  /** `codecs` in zarr order: array->array filters, at most one array->bytes codec, then bytes->bytes codecs. */
  constructor(codecs: readonly Codec[]) {
    let last = 0;
    let serialisers = 0;
    for (const c of codecs) {
      const rank = ORDER[c.kind];
      if (rank < last) {
        throw new CodecError(c.id, undefined, `pipeline: ${c.kind} codec ${c.id} comes after a ${Object.keys(ORDER)[last]} codec`);
      }
      if (rank === 1 && ++serialisers > 1) throw new CodecError(c.id, undefined, "pipeline: more than one array->bytes codec");
      last = rank;
    }
    this.codecs = codecs;
  }

  /** zarr v2: `filters` (or null) then `compressor` (or null), as numcodecs JSON or Codecs. */
  static fromV2(filters: readonly (CodecConfig | Codec)[] | null, compressor: CodecConfig | Codec | null): Pipeline {
    const all = [...(filters ?? []), ...(compressor ? [compressor] : [])];
    return new Pipeline(all.map(asCodec));
  }

  /** zarr v3: the array's `codecs` list. */
  static fromV3(codecs: readonly (CodecConfig | Codec)[]): Pipeline {
    return new Pipeline(codecs.map(asCodec));
  }

  /** True when every stage runs synchronously on spans (see `encodeSpan`). */
  get spanCapable(): boolean {
    return this.codecs.every((c) => c.encodeSpan !== undefined);
  }

  /**
   * Encode `input` (in `k`'s memory; elements of `elementSize` bytes) through every stage, zero copy between
   * stages. The result and intermediates live in `k.arena`: take `arena.mark()` before and `release` after
   * using the result. The result may be `input` itself (no stages, or identity stages). Throws when a stage
   * has no span form (check `spanCapable`).
   */
  encodeSpan(k: Kernels, input: Span, elementSize: number): Span {
    let span = input;
    for (const c of this.codecs) {
      if (!c.encodeSpan) throw new CodecError(c.id, undefined, `pipeline: codec ${c.id} has no synchronous span encoder; use encodeChunk`);
      span = c.encodeSpan(k, span, elementSize);
    }
    return span;
  }

  /**
   * Encode one chunk, given as a span of this thread's kernel memory or as any typed array, into a new
   * Uint8Array. Span-capable stages run in WASM; the first stage without a span form gets a copy of the
   * bytes and the rest run through async `encode`. The arena is left as it was.
   */
  async encodeChunk(input: Span | ArrayBufferView, elementSize?: number): Promise<Uint8Array> {
    const k = kernels();
    const mark = k.arena.mark();
    let bytes: Uint8Array | undefined;
    let es = elementSize ?? 1;
    let i = 0;
    try {
      let span: Span;
      if (ArrayBuffer.isView(input)) {
        es = elementSize ?? ((input as { BYTES_PER_ELEMENT?: number }).BYTES_PER_ELEMENT ?? 1);
        span = { ptr: k.arena.input(input), len: input.byteLength };
      } else {
        span = input;
      }
      for (; i < this.codecs.length; i++) {
        const c = this.codecs[i]!;
        if (!c.encodeSpan) break;
        span = c.encodeSpan(k, span, es);
      }
      bytes = k.u8.slice(span.ptr, span.ptr + span.len);
    } finally {
      k.arena.release(mark);
    }
    for (; i < this.codecs.length; i++) {
      bytes = await this.codecs[i]!.encode(viewWithElementSize(bytes, es));
    }
    return bytes;
  }

  /** numcodecs JSON of the stages (`filters` are all but a trailing bytes->bytes compressor). */
  toV2(): { filters: Record<string, unknown>[] | null; compressor: Record<string, unknown> | null } {
    const v2 = this.codecs.map((c) => {
      const j = c.toV2();
      if (j === undefined) throw new CodecError(c.id, undefined, `pipeline: codec ${c.id} has no zarr v2 form`);
      return j;
    }).filter((j) => j !== null);
    const last = this.codecs[this.codecs.length - 1];
    const hasCompressor = last !== undefined && last.kind === "bytes-bytes" && v2.length > 0;
    const compressor = hasCompressor ? v2[v2.length - 1]! : null;
    const filters = hasCompressor ? v2.slice(0, -1) : v2;
    return { filters: filters.length ? filters : null, compressor };
  }

  toV3(): Record<string, unknown>[] {
    return this.codecs.map((c) => c.toV3() as unknown as Record<string, unknown>);
  }
}

function asCodec(c: CodecConfig | Codec): Codec {
  return typeof (c as Codec).encode === "function" ? (c as Codec) : codec(c as CodecConfig);
}
