// openZarr: an existing zarr store (v2 or v3) as a lazy Dataset. Each variable is a LazyArray reading only the
// source chunks overlapping the region asked for (./zarr-read.ts); dimension coordinates are read at open, as
// xarray does. Values pass through encoded: each variable's encoding keeps the source's stored dtype, fill
// value, chunks, codecs (when our writer can encode them) and zarr format, and attributes are kept verbatim, so
// that writing the Dataset with its own encoding stores the same values xarray decodes from the source.
import * as zarr from "zarrita";
import { DataArray } from "../model/dataarray.js";
import { Dataset } from "../model/dataset.js";
import { fromArray, lazy, LazyArray } from "../model/lazy.js";
import { dtypeInfo } from "../model/dtypes.js";
import { setReadGrid } from "../model/read-amplification.js";
import { resolveStore } from "../store/resolve.js";
import { FileSystemStore } from "../store/fs.js";
import { SourceError } from "./errors.js";
import { dimsOfArray, dtypeOfArray, encodingOfArray, gridOfArray } from "./zarr-encoding.js";
import { readGroup, type ArrayMeta, type ReadableStore } from "./zarr-meta.js";
import { chunkReader, readAll, type ChunkSource } from "./zarr-read.js";
import { pooledReader } from "./chunk-files.js";
import { readFile } from "node:fs/promises";
import { zarritaBloscCodec, type ZarritaCodecClass } from "../codecs/blosc-decode.js";

let bloscRegistered = false;

/**
 * zarrita's `blosc` codec decodes with our kernel (several times numcodecs.js' speed); numcodecs.js, the class
 * zarrita had registered, stays the fallback for encoding and for zstd/zlib/blosclz/snappy containers, and is
 * loaded only when one is met.
 */
function registerBlosc(): void {
  if (bloscRegistered) return;
  bloscRegistered = true;
  for (const name of ["blosc", "numcodecs.blosc"]) {
    const original = zarr.registry.get(name);
    if (!original) continue;
    const ours = zarritaBloscCodec(async () => (await original()) as unknown as ZarritaCodecClass);
    zarr.registry.set(name, () => ours as never);
  }
}

/** The relative store key of chunk `coords` (zarrita's chunk key encodings), or undefined for unknown encodings. */
function chunkKeyOf(meta: ArrayMeta): ((coords: readonly number[]) => string) | undefined {
  const base = meta.path === "/" ? "" : meta.path.replace(/^\//, "") + "/";
  if (meta.format === 2) {
    const sep = meta.doc.dimension_separator === "/" ? "/" : ".";
    return (c) => base + (c.length ? c.join(sep) : "0");
  }
  const enc = (meta.doc.chunk_key_encoding ?? { name: "default" }) as { name?: string; configuration?: { separator?: string } };
  const sep = enc.configuration?.separator ?? (enc.name === "v2" ? "." : "/");
  if (enc.name === "v2") return (c) => base + (c.length ? c.join(sep) : "0");
  if (enc.name === "default") return (c) => base + (c.length ? "c" + sep + c.join(sep) : "c");
  return undefined;
}

/** True when a chunk's only codec is Blosc over C-order little-endian values (what our kernel decodes in place). */
function bloscOnly(meta: ArrayMeta, dtypeSize: number): boolean {
  const d = meta.doc;
  if (meta.format === 2) {
    const le = typeof d.dtype === "string" && (d.dtype.startsWith("<") || d.dtype.startsWith("|") || dtypeSize === 1);
    const filters = d.filters;
    return le && (d.order ?? "C") === "C" && (filters == null || (Array.isArray(filters) && filters.length === 0))
      && typeof d.compressor === "object" && d.compressor !== null && (d.compressor as { id?: unknown }).id === "blosc";
  }
  const codecs = Array.isArray(d.codecs) ? (d.codecs as { name?: string; configuration?: { endian?: string } }[]) : [];
  return codecs.length === 2 && codecs[0]!.name === "bytes" && (codecs[0]!.configuration?.endian ?? "little") === "little"
    && codecs[1]!.name === "blosc";
}

/** A zarr store to read: a path, a `file:` or `http(s)://` URL, or an object with `get` (and `getRange`). */
export type ZarrSourceLike = string | URL | ReadableStore;

export interface OpenZarrOptions {
  /** The group to open (default: the root). Its direct child arrays are the variables, as in xarray. */
  group?: string;
  /** true: require consolidated metadata; false: ignore it and list the group; default: use it when present. */
  consolidated?: boolean;
  /** Variables to leave out (e.g. string variables, which cannot be read). */
  dropVariables?: readonly string[];
  /** Receives warnings, e.g. a codec the writer cannot encode (default: console.warn). */
  onWarning?: (message: string) => void;
  /** Source chunks fetched and decoded at once per region (default 8). */
  readConcurrency?: number;
  /** Called for every source chunk read, with the variable's name and the chunk's coordinates (for tests). */
  onChunkRead?: (variable: string, coords: readonly number[]) => void;
}

function openStore(store: ZarrSourceLike): { store: ReadableStore; where: string } {
  if (typeof store === "string" || store instanceof URL) {
    const s = String(store);
    // Paths, file: and http(s): URLs through the scheme table (unknown schemes are refused there, naming them).
    const resolved = resolveStore(store) as unknown as ReadableStore;
    return { store: resolved, where: resolved instanceof FileSystemStore ? resolved.root : s };
  }
  if (!store || typeof (store as ReadableStore).get !== "function") {
    throw new SourceError("openZarr: the store must be a path, a file: or http(s):// URL, or an object with get(key) (and getRange for sharded arrays)");
  }
  return { store, where: store instanceof FileSystemStore ? store.root : "the store" };
}

/** Open a zarr group as a lazy Dataset. */
export async function openZarr(source: ZarrSourceLike, options: OpenZarrOptions = {}): Promise<Dataset> {
  const { store, where } = openStore(source);
  registerBlosc();
  const warn = options.onWarning ?? ((m: string) => console.warn(m));
  const rc = options.readConcurrency;
  if (rc !== undefined && !(Number.isInteger(rc) && rc >= 1)) throw new SourceError(`openZarr: readConcurrency must be an integer >= 1, got ${String(rc)}`);
  const group = await readGroup(store, where, options.group, options.consolidated);
  const drop = new Set(options.dropVariables ?? []);
  const names = new Set(group.arrays.map((a) => a.name));
  for (const d of drop) {
    if (!names.has(d)) throw new SourceError(`${where}: dropVariables names ${JSON.stringify(d)}, which group ${group.path} does not have (it has ${[...names].join(", ") || "no arrays"})`);
  }
  const arrays = group.arrays.filter((a) => !drop.has(a.name));

  // Metadata first, for every variable: any refusal comes before a chunk is read.
  const vars = arrays.map((a) => {
    const { dtype, stored } = dtypeOfArray(a);
    const grid = gridOfArray(a);
    const dims = dimsOfArray(a, grid.shape.length);
    const { encoding, attrs, coordinates } = encodingOfArray(a, dtype, stored, grid, warn);
    return { meta: a, dtype, grid, dims, encoding, attrs, coordinates };
  });
  const coordNames = new Set<string>();
  const groupAttrs = { ...group.attrs };
  if (typeof groupAttrs.coordinates === "string") for (const c of groupAttrs.coordinates.split(/\s+/)) coordNames.add(c);
  delete groupAttrs.coordinates;
  for (const v of vars) {
    if (v.dims.length === 1 && v.dims[0] === v.meta.name) coordNames.add(v.meta.name);
    for (const c of v.coordinates) coordNames.add(c);
  }

  const coords: Record<string, DataArray> = {};
  const dataVars: Record<string, DataArray> = {};
  for (const v of vars) {
    const name = v.meta.name;
    let array: zarr.Array<zarr.DataType, zarr.Readable>;
    try {
      const loc = new zarr.Location(group.overlay as zarr.Readable, v.meta.path as `/${string}`);
      array = v.meta.format === 2 ? await zarr.open.v2(loc, { kind: "array", attrs: false }) : await zarr.open.v3(loc, { kind: "array" });
    } catch (e) {
      throw new SourceError(`${where}: variable ${JSON.stringify(name)} cannot be opened: ${(e as Error).message}`, { cause: e });
    }
    const keyOf = chunkKeyOf(v.meta);
    const overlay = group.overlay as ReadableStore;
    const es = dtypeInfo(v.dtype).size;
    const raw = keyOf && !v.grid.shards && bloscOnly(v.meta, es);
    // A local store's chunk files are read into reused buffers (./chunk-files.ts), others through the store.
    const files = raw && store instanceof FileSystemStore
      ? pooledReader(v.grid.chunks.reduce((p, c) => p * c, es) + 16, async (path) => new Uint8Array(await readFile(path)))
      : undefined;
    const rawChunk = !raw ? undefined
      : files ? (c: readonly number[]) => files.read((store as FileSystemStore).path("/" + keyOf(c)))
      : async (c: readonly number[]) => overlay.get("/" + keyOf(c));
    const src: ChunkSource = {
      array, dtype: v.dtype, shape: v.grid.shape, chunks: v.grid.chunks,
      ...(rawChunk ? { rawChunk } : {}),
      ...(files ? { releaseRaw: (b: Uint8Array) => files.release(b) } : {}),
      describe: (c) => `${where}: variable ${JSON.stringify(name)}, chunk ${keyOf && !v.grid.shards ? JSON.stringify(keyOf(c)) : `[${c.join(", ")}]`}`,
      ...(options.readConcurrency !== undefined ? { concurrency: options.readConcurrency } : {}),
      ...(options.onChunkRead ? { onChunk: (c: readonly number[]) => options.onChunkRead!(name, c) } : {}),
    };
    const isDimCoord = v.dims.length === 1 && v.dims[0] === name;
    // Dimension coordinates are read now (as xarray loads its indexes), keeping the source's chunks.
    const data = isDimCoord
      ? fromArray(await readAll(src).catch((e) => { throw readError(where, name, e); }), v.grid.shape, { chunks: v.grid.chunks, dtype: v.dtype, name })
      : lazy({ shape: v.grid.shape, dtype: v.dtype, chunks: v.grid.chunks, name, compute: chunkReader(src) });
    if (data instanceof LazyArray) setReadGrid(data, data.chunks);
    const da = new DataArray({ name, dims: v.dims, data, attrs: v.attrs, encoding: v.encoding });
    (coordNames.has(name) ? coords : dataVars)[name] = da;
  }
  return new Dataset({ coords, dataVars, attrs: groupAttrs });
}

function readError(where: string, name: string, e: unknown): SourceError {
  return new SourceError(`${where}: variable ${JSON.stringify(name)}: reading its values failed: ${(e as Error).message}`, { cause: e });
}
