// Chunk decoding by zarrita and numcodecs.js, independent of the writer's codecs. Verify reads each chunk's
// bytes itself (once: it also hashes them), then hands them to zarrita through a store that serves exactly
// those bytes: zarrita opens the array from its own metadata and decodes with its own codec registry.
import * as zarr from "zarrita";
import type { ArrayLayout } from "./layout.js";
import { prod } from "./layout.js";

type Get = (key: string) => Promise<Uint8Array | undefined>;

/** A read-only zarrita store: metadata from the real store while opening, then only primed chunk bytes. */
class PrimedStore {
  readonly primed = new Map<string, Uint8Array>();
  sealed = false;
  constructor(private readonly source: Get) {}

  async get(key: string): Promise<Uint8Array | undefined> {
    const b = this.primed.get(key);
    if (b) return b;
    // Past opening, zarrita must ask only for the chunk it was given: anything else is a key mismatch that
    // would otherwise read as fill value and hide the chunk.
    if (this.sealed) throw new Error(`zarrita asked for ${key}, not the chunk verify gave it`);
    return this.source(key);
  }
}

export interface Decoded {
  /** Elements decoded. */
  length: number;
  /** Bytes decoded. */
  bytes: number;
}

/** Decodes the chunks of one array with zarrita: regular chunks, or the inner chunks of shards. */
export class ChunkDecoder {
  private constructor(
    private readonly store: PrimedStore,
    private readonly array: zarr.Array<zarr.DataType, PrimedStore>,
    private readonly path: string,
    /** Shape of what one decode returns: the chunk, or the inner chunk of a shard. */
    readonly shape: number[],
    private readonly keyOf: (idx: readonly number[]) => string,
  ) {}

  /** Open `layout`'s array with zarrita from the store's metadata (for shards: an array of inner chunks). */
  static async open(layout: ArrayLayout, get: Get): Promise<ChunkDecoder> {
    // zarrita resolves keys as URLs ("#", "?" and "%xx" in a name would change the key): it opens the array
    // at a plain alias path, which this store maps to the array's real keys.
    const path = "/array";
    const real = layout.name ? `/${layout.name}` : "";
    const store = new PrimedStore((k) => get(k.startsWith(`${path}/`) ? real + k.slice(path.length) : k));
    const loc = new zarr.Location(store, path);
    let array: zarr.Array<zarr.DataType, PrimedStore>;
    if (layout.shard) {
      // zarrita's own sharded reader keeps every shard's index it has read; verify parses indexes itself (to
      // check them) and decodes inner chunks as chunks of an array gridded by the inner chunk shape.
      const meta = {
        ...layout.doc,
        chunk_grid: { name: "regular", configuration: { chunk_shape: layout.shard.inner } },
        chunk_key_encoding: { name: "default", configuration: { separator: "/" } },
        codecs: layout.shard.codecs,
        attributes: {},
      };
      array = new zarr.Array(store, path, meta as never);
    } else {
      const open = layout.format === 2 ? zarr.open.v2 : zarr.open.v3;
      array = (await open(loc, { kind: "array", attrs: false } as never)) as unknown as zarr.Array<zarr.DataType, PrimedStore>;
    }
    store.sealed = true;
    const keyOf = layout.shard ? (idx: readonly number[]) => ["c", ...idx].join("/") : layout.keyOf;
    return new ChunkDecoder(store, array, path, layout.shard ? layout.shard.inner : layout.chunks, keyOf);
  }

  /** Decode the bytes of the chunk (or inner chunk) at grid index `idx`. Throws what zarrita throws. */
  async decode(idx: number[], bytes: Uint8Array): Promise<Decoded> {
    const key = `${this.path}/${this.keyOf(idx)}`;
    if (this.store.primed.has(key)) throw new Error(`chunk ${key} is already being decoded`);
    this.store.primed.set(key, bytes);
    try {
      const chunk = await this.array.getChunk(idx);
      const data = chunk.data as { length: number; byteLength?: number; BYTES_PER_ELEMENT?: number };
      return { length: data.length, bytes: data.byteLength ?? data.length * (data.BYTES_PER_ELEMENT ?? 1) };
    } finally {
      this.store.primed.delete(key);
    }
  }

  /** Elements in one chunk (or inner chunk). */
  get elements(): number {
    return prod(this.shape);
  }
}
