// verifyStore / `xpartition verify`: proves a store whole with decoders independent of the writer. Every chunk
// is read once (streaming, `concurrency` at a time: memory holds at most that many chunks or shards), its
// bytes compared with the manifest of the complete rank that wrote it (length and XXH64: most flipped bytes
// in a Blosc lz4 chunk still decode), shard indexes parsed and their CRC-32C checked, and every chunk and
// inner chunk decoded by zarrita + numcodecs.js to its expected size. Keys outside the arrays' grids, stray
// keys at the root and temporary files of interrupted writes are listed.
import { FileSystemStore } from "../store/fs.js";
import { resolveStore, StoreOps, type StoreLike } from "../store/index.js";
import { crc32c } from "../kernels/crc32c.js";
import { xxh64Hex } from "../kernels/xxh64.js";
import { formatRankList } from "../cli/args.js";
import { PlanError, readPlan, readRankStatuses, rankKey, type RecordedPlan } from "../run/records.js";
import { expectedFingerprint } from "../run/backend.js";
import { SCHEMA_KEY, type Schema } from "../write/schema.js";
import { dtypeFromV2 } from "../zarr/dtype.js";
import { IncompleteInitError, NotInitialisedError, requireCompleteInit, manifestKey, INIT_KEY, COMPLETE_KEY } from "../write/state.js";
import { ChunkDecoder } from "./decode.js";
import { arrayLayout, gridIndices, innerIndex, LayoutError, parseJson, parseShardIndex, prod, type ArrayLayout, type Json } from "./layout.js";
import { manifestHash, Manifests, RankOwners, type ManifestEntry } from "./ranks.js";
import type { ProblemKind, VerifyArray, VerifyProblem, VerifyReport, VerifyWarning } from "./report.js";

export interface VerifyOptions {
  /** Chunks read and decoded at once (default 8): memory holds at most this many chunks or shards. */
  concurrency?: number;
  /** Problems kept in the report (default 1000); all are counted. */
  maxProblems?: number;
  /** How the store is named in the report and messages (default: the path or URL given). */
  where?: string;
  /** Called as chunks are checked (at most every 100 ms, and at the end). */
  onProgress?: (p: VerifyProgress) => void;
  signal?: AbortSignal;
}

export interface VerifyProgress {
  chunksDone: number;
  /** Chunks to check (known once the store is listed; without a listing, every chunk of the grids). */
  chunksTotal: number;
  bytes: number;
  elapsed: number;
  done: boolean;
}

/** The store cannot be verified: not a zarr store, an incomplete initialisation, unreadable metadata. */
export class VerifyError extends Error {
  override name = "VerifyError";
}

const META_NAMES = new Set([".zarray", ".zattrs", ".zgroup", ".zmetadata", "zarr.json"]);
const canon = (x: unknown): string =>
  JSON.stringify(x, (_k, v) => (v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v));
const errText = (e: unknown): string => {
  const err = e as Error & { cause?: unknown };
  const cause = err?.cause instanceof Error && !err.message.includes(err.cause.message) ? `: ${err.cause.message}` : "";
  return `${err?.message ?? String(e)}${cause}`;
};

export async function verifyStore(store: StoreLike, options: VerifyOptions = {}): Promise<VerifyReport> {
  const t0 = performance.now();
  const where = options.where ?? (typeof store === "string" ? store : store instanceof URL ? store.href : "the store");
  const concurrency = options.concurrency ?? 8;
  if (!Number.isSafeInteger(concurrency) || concurrency < 1) throw new VerifyError(`concurrency must be an integer >= 1, got ${String(concurrency)}`);
  const maxProblems = options.maxProblems ?? 1000;
  let ops: StoreOps;
  try {
    ops = new StoreOps(resolveStore(store));
  } catch (e) {
    throw new VerifyError(`${where}: ${errText(e)}`);
  }
  const problems: VerifyProblem[] = [];
  const kinds: Partial<Record<ProblemKind, number>> = {};
  const resubmit = new Set<number>();
  const warnings: VerifyWarning[] = [];
  const notChecked: string[] = [];
  const problem = (p: VerifyProblem) => {
    kinds[p.kind] = (kinds[p.kind] ?? 0) + 1;
    if (p.rank !== undefined) resubmit.add(p.rank);
    if (problems.length < maxProblems) problems.push(p);
  };

  // ------------------------------------------------------------------ the store, its initialisation, its format
  const [rootV3, rootGroupV2, rootArrayV2, zmetadata, schemaB, initB, completeB] = await Promise.all(
    ["/zarr.json", "/.zgroup", "/.zarray", "/.zmetadata", SCHEMA_KEY, INIT_KEY, COMPLETE_KEY].map((k) => ops.get(k)),
  ).catch((e) => {
    throw new VerifyError(`${where}: the store cannot be read: ${errText(e)}`);
  });
  const xpartition = !!(schemaB || initB || completeB);
  let generation: string | undefined;
  if (xpartition) {
    try {
      generation = await requireCompleteInit(ops, where);
    } catch (e) {
      if (e instanceof IncompleteInitError || e instanceof NotInitialisedError) throw new VerifyError(e.message);
      throw e;
    }
  }
  const json = (b: Uint8Array, key: string): Json => {
    try {
      const j = parseJson(b);
      if (typeof j !== "object" || j === null || Array.isArray(j)) throw new Error("not a JSON object");
      return j as Json;
    } catch (e) {
      throw new VerifyError(`${where}${key} is not valid JSON (${errText(e)})`);
    }
  };
  const schema = schemaB ? (json(schemaB, SCHEMA_KEY) as unknown as Schema) : undefined;
  const format: 2 | 3 = schema?.zarrFormat === 2 || schema?.zarrFormat === 3 ? schema.zarrFormat : rootV3 ? 3 : 2;
  const rootDoc = format === 3 ? rootV3 && json(rootV3, "/zarr.json") : rootGroupV2 ?? rootArrayV2 ? json((rootGroupV2 ?? rootArrayV2)!, rootGroupV2 ? "/.zgroup" : "/.zarray") : undefined;
  if (!rootDoc) {
    if (!xpartition && !rootV3 && !rootGroupV2 && !rootArrayV2) {
      const exists = !(ops.store instanceof FileSystemStore) || (await ops.list("/").then((k) => k.length > 0).catch(() => false));
      throw new VerifyError(`${where} ${exists ? "is not a zarr store" : "does not exist or is empty"}: no /zarr.json, /.zgroup or /.zarray`);
    }
    throw new VerifyError(`${where}: no zarr v${format} root metadata (${format === 3 ? "/zarr.json" : "/.zgroup"}), though ${SCHEMA_KEY} says zarr v${format}`);
  }

  // ------------------------------------------------------------------ arrays: consolidated, listed, and in the schema
  const keys = ops.canList ? await ops.list("/") : undefined;
  if (!keys) notChecked.push("keys outside the grids and stray keys: the store cannot list its keys (no list method); chunks were looked up by grid index");
  let consolidated: Map<string, Json> | undefined;
  if (format === 3 && (rootDoc.consolidated_metadata as Json | undefined)?.metadata) {
    consolidated = new Map(Object.entries((rootDoc.consolidated_metadata as Json).metadata as Json).map(([k, v]) => [k, v as Json]));
  } else if (format === 2 && zmetadata) {
    const md = (json(zmetadata, "/.zmetadata").metadata ?? {}) as Json;
    consolidated = new Map();
    for (const [k, v] of Object.entries(md)) if (k.endsWith(".zarray")) consolidated.set(k.slice(0, -".zarray".length).replace(/\/$/, ""), v as Json);
  }
  const isRootArray = format === 3 ? rootDoc.node_type === "array" : !!rootArrayV2 && !rootGroupV2;
  const names = new Set<string>(isRootArray ? [""] : []);
  const groups = new Set<string>([""]);
  for (const [k, v] of consolidated ?? []) if (format === 2 || v.node_type === "array") names.add(k);
  else if (v.node_type === "group") groups.add(k);
  for (const n of Object.keys(schema?.variables ?? {})) names.add(n);
  const metaName = format === 3 ? "zarr.json" : ".zarray";
  for (const k of keys ?? []) {
    if (k.startsWith("/.xpartition/") || k === "/zarr.json") continue;
    if (k.endsWith(`/${metaName}`)) {
      const n = k.slice(1, -metaName.length - 1);
      if (format === 2) names.add(n);
      else if (!names.has(n) && !groups.has(n)) {
        const d = json((await ops.get(k))!, k);
        (d.node_type === "array" ? names : groups).add(n);
      }
    } else if (format === 2 && k.endsWith("/.zgroup")) groups.add(k.slice(1, -"/.zgroup".length));
  }

  const layouts: ArrayLayout[] = [];
  const arrays: VerifyArray[] = [];
  for (const name of [...names].sort()) {
    const key = `${name ? `/${name}` : ""}/${metaName}`;
    const b = await ops.get(key);
    if (!b) {
      problem({ kind: "metadata", variable: name, key, message: `array ${JSON.stringify(name)} has no ${key} (listed in ${consolidated?.has(name) ? "the consolidated metadata" : SCHEMA_KEY}): readers cannot open it` });
      continue;
    }
    const doc = json(b, key);
    if (consolidated && name !== "" && !consolidated.has(name)) {
      problem({ kind: "metadata", variable: name, key, message: `array ${JSON.stringify(name)} is not in the consolidated metadata: readers that use it (xarray) do not see it` });
    } else if (consolidated?.has(name) && canon(consolidated.get(name)) !== canon(doc)) {
      problem({ kind: "metadata", variable: name, key, message: `array ${JSON.stringify(name)}: its ${key} differs from its entry in the consolidated metadata` });
    }
    let layout: ArrayLayout;
    try {
      layout = arrayLayout(name, format, doc);
    } catch (e) {
      if (!(e instanceof LayoutError)) throw e;
      notChecked.push(`${e.message}: its chunks were not checked`);
      continue;
    }
    const sv = schema?.variables[name];
    if (schema && !sv) problem({ kind: "metadata", variable: name, key, message: `array ${JSON.stringify(name)} is not in ${SCHEMA_KEY}: it was not written by this store's initialisation` });
    if (sv) {
      const chunks = sv.chunks ?? sv.shape;
      if (canon(sv.shape) !== canon(layout.shape) || (sv.chunks && canon(chunks) !== canon(layout.chunks)) || sv.dtype !== (format === 3 ? layout.dtype : dtypeFromV2(layout.dtype) ?? layout.dtype)) {
        problem({
          kind: "metadata", variable: name, key,
          message: `array ${JSON.stringify(name)}: ${key} (shape ${canon(layout.shape)}, chunks ${canon(layout.chunks)}, ${layout.dtype}) does not match ${SCHEMA_KEY} (shape ${canon(sv.shape)}, chunks ${canon(sv.chunks)}, ${sv.dtype})`,
        });
      }
    }
    layouts.push(layout);
    arrays.push({ name, shape: layout.shape, chunks: layout.chunks, dtype: layout.dtype, innerChunks: layout.shard?.inner ?? null, gridChunks: prod(layout.grid), present: 0 });
  }

  // ------------------------------------------------------------------ ranks, records and manifests
  let plan: RecordedPlan | undefined;
  try {
    plan = await readPlan(ops, where);
  } catch (e) {
    if (e instanceof PlanError) throw new VerifyError(e.message);
    throw e;
  }
  if (!plan) {
    // No recorded plan (writePartition called directly): take it from a completion record (rank 0's, else any
    // the listing shows).
    const rec = (await ops.get(rankKey(0))) ? rankKey(0) : keys?.find((k) => /^\/\.xpartition\/ranks\/\d+\.json$/.test(k));
    const r = rec ? (json((await ops.get(rec))!, rec) as { ranks?: unknown; dims?: unknown }) : undefined;
    if (r && Number.isSafeInteger(r.ranks) && Array.isArray(r.dims)) plan = { ranks: r.ranks as number, dims: r.dims as string[] };
  }
  const manifests = new Manifests();
  let ranksReport: VerifyReport["ranks"] = null;
  const owners = schema && plan ? new RankOwners(schema, plan.ranks, plan.dims) : undefined;
  if (plan) {
    const statuses = await readRankStatuses(ops, plan, await expectedFingerprint(ops, plan), 32, generation);
    const complete = statuses.filter((s) => s.state === "complete");
    for (const s of statuses) {
      if (s.state === "complete") continue;
      const what = s.state === "missing" ? `has no completion record (${rankKey(s.rank)})` : `has a ${s.state} completion record (${s.reason})`;
      problem({ kind: "rank", rank: s.rank, key: rankKey(s.rank), message: `rank ${s.rank} ${what}` });
    }
    await pool(complete, concurrency, async (s) => {
      const rec = s.record!;
      if (typeof rec.manifest !== "string") {
        warnings.push({ kind: "no-manifest", rank: s.rank, key: rankKey(s.rank), message: `rank ${s.rank}'s record names no manifest (written before manifests): its chunks were decoded, not compared with what it wrote` });
        return;
      }
      const mk = manifestKey(s.rank);
      const b = await ops.get(mk);
      if (!b) return problem({ kind: "manifest", rank: s.rank, key: mk, message: `rank ${s.rank} is complete but its manifest ${mk} is missing` });
      const h = manifestHash(b);
      if (h !== rec.manifest) return problem({ kind: "manifest", rank: s.rank, key: mk, message: `rank ${s.rank}'s manifest ${mk} has XXH64 ${h}, its record says ${rec.manifest}` });
      try {
        const n = manifests.add(s.rank, b);
        if (typeof rec.chunks === "number" && n !== rec.chunks) {
          problem({ kind: "manifest", rank: s.rank, key: mk, message: `rank ${s.rank}'s manifest ${mk} lists ${n} chunks, its record ${rec.chunks}` });
        }
      } catch (e) {
        problem({ kind: "manifest", rank: s.rank, key: mk, message: errText(e) });
      }
    });
    ranksReport = { ranks: plan.ranks, dims: plan.dims, complete: complete.map((s) => s.rank), missing: statuses.filter((s) => s.state !== "complete").map((s) => s.rank), manifests: manifests.size };
  }

  // ------------------------------------------------------------------ keys: chunks, outside the grids, stray
  type Task = { layout: ArrayLayout; decoder: ChunkDecoder | Error; arr: VerifyArray; key: string; idx: number[] };
  const decoders = new Map<ArrayLayout, ChunkDecoder | Error>();
  for (const l of layouts) {
    const d = await ChunkDecoder.open(l, (k) => ops.get(k)).catch((e: unknown) => new Error(errText(e)));
    // Once per array, not per chunk: its chunks are still read and compared with the manifests.
    if (d instanceof Error) problem({ kind: "decode", variable: l.name, key: `${l.name ? `/${l.name}` : ""}/${metaName}`, message: `zarrita cannot open array ${JSON.stringify(l.name)}: ${d.message}` });
    decoders.set(l, d);
  }
  // Keys are classified twice, without keeping a task per chunk: once to report the keys that do not belong
  // and count the chunks (for progress), once to hand out the chunks.
  const bases = layouts.map((l) => (l.name ? `/${l.name}/` : "/"));
  const groupMeta = new Set([...groups].flatMap((g) => [".zgroup", ".zattrs", "zarr.json", ".zmetadata"].map((m) => `${g ? `/${g}` : ""}/${m}`)));
  /** undefined: not a chunk (metadata, /.xpartition/); a string: why the key does not belong. */
  const classify = (k: string): { ai: number; idx: number[] } | string | undefined => {
    if (k.startsWith("/.xpartition/") || groupMeta.has(k)) return undefined;
    // The array whose prefix is the longest match (arrays do not nest, but a root array's prefix is "/").
    let ai = -1;
    for (let i = 0; i < bases.length; i++) if (k.startsWith(bases[i]!) && (ai < 0 || bases[i]!.length > bases[ai]!.length)) ai = i;
    if (ai < 0) return `${k} is neither zarr metadata nor under an array or /.xpartition/`;
    const rel = k.slice(bases[ai]!.length);
    if (META_NAMES.has(rel)) return undefined;
    const l = layouts[ai]!;
    const idx = l.parseKey(rel);
    return typeof idx === "string" ? `${k} is not a chunk key of ${JSON.stringify(l.name)} (shape ${canon(l.shape)}, chunks ${canon(l.chunks)}): ${idx}` : { ai, idx };
  };
  let total = 0;
  if (keys) {
    for (const k of keys) {
      const c = classify(k);
      if (typeof c === "object") total++;
      else if (typeof c === "string") {
        const ai = bases.findIndex((b) => k.startsWith(b));
        problem(ai < 0 ? { kind: "stray-key", key: k, message: c } : { kind: "outside-grid", variable: layouts[ai]!.name, key: k, message: c });
      }
    }
    if (ops.store instanceof FileSystemStore) {
      const root = ops.store.root;
      for (const f of (await ops.store.cleanTemporary({ dryRun: true, minAgeSeconds: 0 })).files) {
        warnings.push({ kind: "temporary", key: f.slice(root.length), message: `temporary file of an interrupted write: ${f.slice(root.length + 1)} ('xpartition clean' removes it)` });
      }
    }
  } else {
    total = arrays.reduce((s, a) => s + a.gridChunks, 0);
  }
  function* tasks(): Generator<Task> {
    if (keys) {
      for (const k of keys) {
        const c = classify(k);
        if (typeof c === "object") yield { layout: layouts[c.ai]!, decoder: decoders.get(layouts[c.ai]!)!, arr: arrays[c.ai]!, key: k, idx: c.idx };
      }
      return;
    }
    for (let i = 0; i < layouts.length; i++) {
      const l = layouts[i]!;
      for (const idx of gridIndices(l.grid)) yield { layout: l, decoder: decoders.get(l)!, arr: arrays[i]!, key: `${l.name ? `/${l.name}` : ""}/${l.keyOf(idx)}`, idx };
    }
  }
  /** The manifest entry of a chunk: in its owner's manifest (any manifest when the owner is not known). */
  const unchunked = new Set(Object.entries(schema?.variables ?? {}).filter(([, v]) => !v.chunks).map(([n]) => n));
  const manifestEntry = (l: ArrayLayout, key: string, idx: number[]): { entry?: ManifestEntry; owner?: number } => {
    if (!manifests.size || unchunked.has(l.name)) return {};
    const owner = owners?.owner(l.name, idx);
    return { entry: owner === undefined ? manifests.find(key) : manifests.lookup(owner, key), owner };
  };

  // ------------------------------------------------------------------ every chunk, once
  const chunks = { checked: 0, inner: 0, bytes: 0, manifested: 0 };
  let lastReport = 0, visited = 0;
  const progress = (done: boolean) => {
    if (!options.onProgress) return;
    const now = performance.now();
    if (!done && now - lastReport < 100) return;
    lastReport = now;
    options.onProgress({ chunksDone: visited, chunksTotal: total, bytes: chunks.bytes, elapsed: (now - t0) / 1000, done });
  };
  await pool(tasks(), concurrency, async (t) => {
    options.signal?.throwIfAborted();
    await checkChunk(t);
    visited++;
    progress(false);
  });
  async function checkChunk(t: Task): Promise<void> {
    const { layout: l, key, idx } = t;
    const { entry: exp, owner } = manifestEntry(l, key, idx);
    const rankOf = () => exp?.rank ?? owner ?? owners?.owner(l.name, idx);
    let bytes: Uint8Array | undefined;
    try {
      bytes = await ops.get(key);
    } catch (e) {
      if (exp) manifests.markSeen(exp); // reported here, not as missing
      problem({ kind: "read", variable: l.name, key, chunk: idx, rank: rankOf(), message: `${key}: reading failed: ${errText(e)}` });
      return;
    }
    if (!bytes) return; // absent: the fill value (a manifest that lists it reports it below)
    t.arr.present++;
    chunks.bytes += bytes.length;
    if (exp) {
      manifests.markSeen(exp);
      chunks.manifested++;
      compareWithManifest(bytes, exp, { variable: l.name, chunk: idx });
    } else if (owner !== undefined && manifests.has(owner)) {
      problem({ kind: "unlisted", variable: l.name, key, chunk: idx, rank: owner, message: `${key} is in rank ${owner}'s region but not in its manifest: written by another writer, or left from before` });
    }
    await decodeChunk(t, bytes, rankOf());
    chunks.checked++;
  }
  function compareWithManifest(bytes: Uint8Array, e: ManifestEntry, at: { variable?: string; chunk?: number[] }): void {
    const { key, rank } = e;
    if (bytes.length !== e.length) {
      problem({ kind: "length", ...at, key, rank, message: `${key} is ${bytes.length} bytes, rank ${rank}'s manifest says ${e.length} (truncated or rewritten)` });
      return;
    }
    const h = xxh64Hex(bytes);
    if (h !== e.xxh64) problem({ kind: "hash", ...at, key, rank, message: `${key}: its bytes differ from what rank ${rank} wrote (XXH64 ${h}, manifest ${e.xxh64})` });
  }
  async function decodeChunk(t: Task, bytes: Uint8Array, rank: number | undefined): Promise<void> {
    const { layout: l, key, idx, decoder } = t;
    const at = { variable: l.name, key, chunk: idx, rank };
    if (decoder instanceof Error) return; // reported once for the array
    const want = decoder.elements;
    const check = async (gidx: number[], b: Uint8Array, what: string, inner?: number) => {
      try {
        const d = await decoder.decode(gidx, b);
        if (d.length !== want || d.bytes !== want * l.itemSize) {
          problem({ ...at, inner, kind: "size", message: `${what} decoded to ${d.bytes} bytes, expected ${want} elements x ${l.itemSize} bytes = ${want * l.itemSize}` });
        }
      } catch (e) {
        problem({ ...at, inner, kind: "decode", message: `${what} does not decode: ${errText(e)}` });
      }
    };
    if (!l.shard) return check(idx, bytes, key);
    const { entries, problems: ps } = parseShardIndex(bytes, l.shard, crc32c);
    for (const p of ps) problem({ ...at, kind: p.kind, message: `${key}: ${p.message}` });
    for (const e of entries) {
      chunks.inner++;
      await check(innerIndex(l.shard, idx, e.i), bytes.subarray(e.offset, e.offset + e.nbytes), `${key} inner chunk ${e.i}`, e.i);
    }
  }
  // Manifest entries whose chunk the pass did not see: absent (missing), or present under a key that is not a
  // chunk of its array's grid, or not where the partition puts it (compared here; rare).
  await pool(manifests.unseen(), concurrency, async (e) => {
    let bytes: Uint8Array | undefined;
    try {
      bytes = await ops.get(e.key);
    } catch (err) {
      return problem({ kind: "read", key: e.key, rank: e.rank, message: `${e.key}: reading failed: ${errText(err)}` });
    }
    if (!bytes) return problem({ kind: "missing", key: e.key, rank: e.rank, message: `${e.key} is missing: rank ${e.rank}'s manifest lists it (${e.length} bytes)` });
    chunks.manifested++;
    compareWithManifest(bytes, e, {});
  });
  progress(true);

  const problemCount = Object.values(kinds).reduce((a, b) => a + b, 0);
  const resubmitRanks = [...resubmit].sort((a, b) => a - b);
  return {
    store: where, ok: problemCount === 0, zarrFormat: format, consolidated: !!consolidated, xpartition, arrays, ranks: ranksReport, chunks,
    problems, problemCount, problemKinds: kinds, warnings, resubmitRanks,
    resubmit: resubmitRanks.length ? `--array=${formatRankList(resubmitRanks)}` : null,
    notChecked, seconds: (performance.now() - t0) / 1000,
  };
}

/** Run `f` over `items` with at most `n` at once. */
async function pool<T>(items: Iterable<T>, n: number, f: (t: T) => Promise<void>): Promise<void> {
  const it = items[Symbol.iterator]();
  let failed = false;
  const worker = async () => {
    for (let r = it.next(); !r.done && !failed; r = it.next()) {
      try {
        await f(r.value);
      } catch (e) {
        failed = true;
        throw e;
      }
    }
  };
  await Promise.all(Array.from({ length: n }, worker));
}
