// initializeStore: validate the dataset, (replace an existing store in mode "w"), record the schema, write
// every array's metadata, the data of unchunked variables (once, here), and the group + consolidated metadata.
import type { Dataset } from "../model/dataset.js";
import { requireOps, resolveStore, FileSystemStore, StoreOps, type StoreLike } from "../store/index.js";
import { metadataEntries } from "../zarr/metadata.js";
import type { ZarrFormat } from "../zarr/keys.js";
import type { VariableEncoding } from "./encoding.js";
import { StoreStateError, WriteSpecError } from "./errors.js";
import { engine, writeBlock } from "./chunks.js";
import { planDataset } from "./plan.js";
import { SCHEMA_KEY, schemaBytes, schemaOf, type Schema } from "./schema.js";

export interface InitializeOptions {
  /** 2 or 3 (default 3). */
  zarrFormat?: ZarrFormat;
  /** "w-" (default): fail if a zarr node exists there; "w": replace it. */
  mode?: "w-" | "w";
  /** Write consolidated metadata (default true). */
  consolidated?: boolean;
  /** Per-variable encoding overrides. */
  encoding?: Record<string, VariableEncoding>;
  /** fsync files and directories (filesystem stores; default false). */
  durable?: boolean;
  /** Concurrent store writes (default 8). */
  storeConcurrency?: number;
}

const MARKERS = ["/zarr.json", "/.zgroup", "/.zarray", "/.zmetadata", SCHEMA_KEY];

/** Open a store argument with the durability asked for. */
export function openStore(store: StoreLike, durable: boolean | undefined): StoreOps {
  const s = resolveStore(store, { durable });
  if (durable !== undefined && s instanceof FileSystemStore) s.durable = durable;
  return new StoreOps(s);
}

export async function initializeStore(ds: Dataset, store: StoreLike, options: InitializeOptions = {}): Promise<Schema> {
  const mode = options.mode ?? "w-";
  if (mode !== "w-" && mode !== "w") throw new WriteSpecError(`mode must be "w-" or "w", got ${JSON.stringify(mode)}`);
  const plan = planDataset(ds, { zarrFormat: options.zarrFormat ?? 3, consolidated: options.consolidated ?? true, encoding: options.encoding });
  const schema = schemaOf(plan);
  const ops = openStore(store, options.durable);
  if (mode === "w") requireOps(ops, { delete: true, list: true }, 'mode "w" (replacing a store)');
  let found: string | undefined;
  for (const key of MARKERS) {
    if (await ops.get(key)) {
      found = key;
      break;
    }
  }
  if (found && mode === "w-") {
    throw new StoreStateError(`the store already holds a zarr node (found ${found}); pass mode "w" to replace it`);
  }
  if (found || mode === "w") {
    // Remove every old key: arrays' metadata and chunks, and the old completion records.
    if (found) await ops.deletePrefix("/");
  }
  // Schema first: a half-initialised store is recognisable (and refused by "w-"), and "w" replaces it.
  await ops.set(SCHEMA_KEY, schemaBytes(schema));
  const entries = metadataEntries(plan.format, plan.attrs, plan.variables.map((v) => v.spec), plan.consolidated);
  const isRoot = (k: string): boolean => /^\/(zarr\.json|\.zgroup|\.zattrs|\.zmetadata)$/.test(k);
  for (const [k, b] of entries) if (!isRoot(k)) await ops.set(k, b);
  const ctx = engine(ops, plan.format, options.storeConcurrency ?? 8, true);
  for (const v of plan.variables) {
    if (v.chunks !== null || v.shape.some((s) => s === 0)) continue;
    await writeBlock(ctx, v, v.shape.map((s) => ({ start: 0, stop: s })));
  }
  await ctx.pool.drain();
  // The root group (and consolidated metadata) last: readers see a complete hierarchy or none.
  for (const [k, b] of entries) if (isRoot(k)) await ops.set(k, b);
  return schema;
}
