// Sharding test helpers: n-d lazy variables from a full typed array, a Map store with getRange (zarrita reads
// shards by range), and an independent reader of sharded arrays written from the spec (FORMATS.md §3.2):
// the index parsed by hand, inner chunks decoded with numcodecs.js, CRC-32C checked bit by bit.
import { Blosc, GZip, Zstd } from "numcodecs";
import { lazy, type TypedArray } from "../../src/index.js";

type Range = { start: number; stop: number };
const prod = (xs: readonly number[]): number => xs.reduce((p, x) => p * x, 1);

/** A lazy array of `full` (C order, `shape`) whose compute copies the asked region. */
export function lazyOf(full: TypedArray, shape: number[], dtype: string, chunks: number[], onCompute?: (r: Range[]) => void) {
  return lazy({
    shape, dtype: dtype as never, chunks,
    compute: (region: Range[], out?: TypedArray) => {
      onCompute?.(region);
      const rs = region.map((r) => r.stop - r.start);
      const ctor = full.constructor as unknown as new (n: number) => TypedArray;
      const o = out ?? new ctor(prod(rs));
      const nd = shape.length;
      const idx = new Array<number>(nd).fill(0);
      const n = prod(rs);
      for (let p = 0; p < n; p++) {
        let src = 0;
        for (let d = 0; d < nd; d++) src = src * shape[d]! + region[d]!.start + idx[d]!;
        (o as unknown as unknown[])[p] = (full as unknown as unknown[])[src];
        for (let d = nd - 1; d >= 0; d--) {
          if (++idx[d]! < rs[d]!) break;
          idx[d] = 0;
        }
      }
      return o;
    },
  } as never);
}

/** zarrita's store shape over a Map, with getRange. */
export function rangeStore(map: Map<string, Uint8Array>) {
  return {
    get: (k: string) => map.get(k),
    getRange: (k: string, r: { offset: number; length: number } | { suffixLength: number }) => {
      const b = map.get(k);
      if (!b) return undefined;
      return "suffixLength" in r ? b.subarray(b.length - r.suffixLength) : b.subarray(r.offset, r.offset + r.length);
    },
  };
}

/** CRC-32C, bit by bit (Castagnoli, reflected 0x82F63B78): independent of the writer's kernel. */
export function crc32cRef(b: Uint8Array): number {
  let c = 0xffffffff;
  for (const x of b) {
    c ^= x;
    for (let i = 0; i < 8; i++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

type CodecJson = { name: string; configuration?: Record<string, unknown> } | string;

/** Decode one inner chunk's bytes through bytes->bytes codecs, last first, with numcodecs.js. */
async function decodeInner(bytes: Uint8Array, codecs: CodecJson[]): Promise<Uint8Array> {
  let b = bytes;
  for (const c of [...codecs].reverse()) {
    const name = typeof c === "string" ? c : c.name;
    if (name === "bytes") continue;
    if (name === "crc32c") {
      const body = b.subarray(0, b.length - 4);
      const got = new DataView(b.buffer, b.byteOffset + b.length - 4, 4).getUint32(0, true);
      if (got !== crc32cRef(body)) throw new Error("inner crc32c mismatch");
      b = body;
    } else if (name === "blosc") b = new Uint8Array(await new Blosc().decode(b));
    else if (name === "zstd") b = new Uint8Array(await new Zstd().decode(b));
    else if (name === "gzip") b = new Uint8Array(await new GZip().decode(b));
    else throw new Error(`test reader: no decoder for ${name}`);
  }
  return b;
}

export interface ParsedShard {
  /** (offset, nbytes) per inner chunk, C order; null = empty (2^64-1 both). */
  entries: ({ offset: number; nbytes: number } | null)[];
  indexAt: number;
}

/** Parse a shard's index from the spec: location, 16 bytes per inner chunk, CRC-32C over the index bytes. */
export function parseShard(shard: Uint8Array, n: number, location: "start" | "end", crc: boolean): ParsedShard {
  const size = 16 * n + (crc ? 4 : 0);
  const indexAt = location === "end" ? shard.length - size : 0;
  const dv = new DataView(shard.buffer, shard.byteOffset + indexAt, size);
  if (crc && dv.getUint32(16 * n, true) !== crc32cRef(shard.subarray(indexAt, indexAt + 16 * n))) throw new Error("index crc32c mismatch");
  const entries: ParsedShard["entries"] = [];
  for (let i = 0; i < n; i++) {
    const off = dv.getBigUint64(16 * i, true), len = dv.getBigUint64(16 * i + 8, true);
    if (off === 2n ** 64n - 1n && len === 2n ** 64n - 1n) entries.push(null);
    else entries.push({ offset: Number(off), nbytes: Number(len) });
  }
  return { entries, indexAt };
}

/**
 * Read a whole sharded v3 array from its zarr.json with the hand parser and numcodecs.js: every inner chunk
 * placed into a C-order array of `ctor` filled with `fill`. Also returns the shards' parsed indexes by key.
 */
export async function readShardedByHand(map: Map<string, Uint8Array>, name: string, ctor: new (n: number) => TypedArray, fill: number | bigint) {
  const meta = JSON.parse(new TextDecoder().decode(map.get(`/${name}/zarr.json`)!));
  const shape: number[] = meta.shape;
  const shardShape: number[] = meta.chunk_grid.configuration.chunk_shape;
  const sh = meta.codecs[0];
  if (sh.name !== "sharding_indexed") throw new Error("not sharded");
  const inner: number[] = sh.configuration.chunk_shape;
  const per = shardShape.map((s, d) => s / inner[d]!);
  const n = prod(per);
  const crc = (sh.configuration.index_codecs as CodecJson[]).some((c) => (typeof c === "string" ? c : c.name) === "crc32c");
  const out = new ctor(prod(shape));
  (out as unknown as { fill(v: unknown): void }).fill(fill);
  const es = out.BYTES_PER_ELEMENT;
  const outBytes = new Uint8Array(out.buffer);
  const grid = shape.map((s, d) => Math.ceil(s / shardShape[d]!));
  const parsed: Record<string, ParsedShard> = {};
  for (let si = 0; si < prod(grid); si++) {
    const sidx = unravel(si, grid);
    const key = `/${name}/c/${sidx.join("/")}`;
    const shard = map.get(key);
    if (!shard) continue;
    const p = parseShard(shard, n, sh.configuration.index_location ?? "end", crc);
    parsed[key] = p;
    for (let i = 0; i < n; i++) {
      const e = p.entries[i];
      if (!e) continue;
      const raw = await decodeInner(shard.subarray(e.offset, e.offset + e.nbytes), sh.configuration.codecs);
      if (raw.length !== prod(inner) * es) throw new Error(`inner chunk ${i} of ${key}: ${raw.length} bytes`);
      const g = unravel(i, per).map((l, d) => sidx[d]! * per[d]! + l);
      // Copy the part of the inner chunk inside the array.
      for (let j = 0; j < prod(inner); j++) {
        const loc = unravel(j, inner);
        const at = loc.map((l, d) => g[d]! * inner[d]! + l);
        if (at.some((x, d) => x >= shape[d]!)) continue;
        let lin = 0;
        for (let d = 0; d < shape.length; d++) lin = lin * shape[d]! + at[d]!;
        outBytes.set(raw.subarray(j * es, (j + 1) * es), lin * es);
      }
    }
  }
  return { data: out, parsed, per, n };
}

function unravel(i: number, dims: readonly number[]): number[] {
  const out = new Array<number>(dims.length);
  for (let d = dims.length - 1; d >= 0; d--) {
    out[d] = i % dims[d]!;
    i = Math.floor(i / dims[d]!);
  }
  return out;
}
