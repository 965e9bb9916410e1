// The schema a store was initialised with (`/.xpartition/schema.json`): names, dims, shapes, chunks, dtypes,
// codecs, fill values. `write` refuses a dataset whose schema differs, naming what differs.
import { createHash } from "node:crypto";
import { fillValueJson } from "../zarr/fill.js";
import { toJson, jsonBytes } from "../zarr/json.js";
import type { ZarrFormat } from "../zarr/keys.js";
import { StoreOps, resolveStore, type StoreLike } from "../store/index.js";
import { SchemaMismatchError, StoreStateError } from "./errors.js";
import type { DatasetPlan } from "./plan.js";

export const SCHEMA_KEY = "/.xpartition/schema.json";
export const RANKS_PREFIX = "/.xpartition/ranks/";
export const recordKey = (rank: number): string => `${RANKS_PREFIX}${rank}.json`;

export interface SchemaVariable {
  dims: string[];
  shape: number[];
  /** Chunk shape; null for unchunked variables (one chunk, written by initializeStore). */
  chunks: number[] | null;
  dtype: string;
  fillValue: unknown;
  codecs: unknown;
  separator: "." | "/";
  /** Sharded variables only (absent otherwise): shard shape (= chunks), inner chunk shape, index location. */
  shards?: { shape: number[]; chunks: number[]; indexLocation: "start" | "end" };
}

export interface Schema {
  xpartition: 1;
  zarrFormat: ZarrFormat;
  consolidated: boolean;
  variables: Record<string, SchemaVariable>;
}

export function schemaOf(plan: DatasetPlan): Schema {
  const variables: Record<string, SchemaVariable> = {};
  for (const v of [...plan.variables].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    variables[v.name] = {
      dims: [...v.dims],
      shape: [...v.shape],
      chunks: v.chunks ? [...v.chunkShape] : null,
      dtype: v.dtype,
      // JSON round trip so that a schema read back compares equal to a fresh one (NaN -> "NaN", bigint -> number).
      fillValue: JSON.parse(toJson(fillValueJson(v.dtype, v.fillValue), 0)),
      codecs: plan.format === 2 ? { compressor: v.codecs.compressor, filters: v.codecs.filters } : v.codecs.codecs,
      separator: v.spec.separator ?? (plan.format === 2 ? "." : "/"),
      ...(v.shard ? { shards: { shape: [...v.shard.shardShape], chunks: [...v.shard.innerShape], indexLocation: v.shard.indexLocation } } : {}),
    };
  }
  return { xpartition: 1, zarrFormat: plan.format, consolidated: plan.consolidated, variables };
}

export function schemaBytes(schema: Schema): Uint8Array {
  return jsonBytes(schema, 2);
}

/** The schema recorded by initializeStore, or undefined when the store is not initialised. */
export async function readSchema(store: StoreOps | StoreLike): Promise<Schema | undefined> {
  const ops = store instanceof StoreOps ? store : new StoreOps(resolveStore(store));
  const b = await ops.get(SCHEMA_KEY);
  if (!b) return undefined;
  try {
    return JSON.parse(new TextDecoder().decode(b)) as Schema;
  } catch (e) {
    throw new StoreStateError(`${SCHEMA_KEY} is not valid JSON (${String(e)}): re-initialise the store with mode "w"`);
  }
}

const canon = (x: unknown): string => JSON.stringify(x);

/** Every difference between the recorded schema and the dataset's, as readable lines. */
export function schemaDifferences(recorded: Schema, current: Schema): string[] {
  const out: string[] = [];
  const rv = recorded.variables, cv = current.variables;
  for (const name of Object.keys(rv)) if (!(name in cv)) out.push(`variable ${JSON.stringify(name)} was initialised but is not in this dataset`);
  for (const name of Object.keys(cv)) if (!(name in rv)) out.push(`variable ${JSON.stringify(name)} is in this dataset but was not initialised`);
  for (const name of Object.keys(cv)) {
    const a = rv[name], b = cv[name];
    if (!a || !b) continue;
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)]) as Set<keyof SchemaVariable>) {
      if (canon(a[k]) !== canon(b[k])) out.push(`variable ${JSON.stringify(name)} ${k}: initialised ${canon(a[k]) ?? "none"}, this dataset ${canon(b[k]) ?? "none"}`);
    }
  }
  return out;
}

export function assertSchemaMatches(recorded: Schema, current: Schema): void {
  const diffs = schemaDifferences(recorded, current);
  if (diffs.length) {
    throw new SchemaMismatchError(
      `the dataset does not match the schema the store was initialised with (${SCHEMA_KEY}):\n  ${diffs.join("\n  ")}\n` +
        `pass the same dataset and encoding as to initializeStore, or re-initialise with mode "w"`,
    );
  }
}

/** Fingerprint of the schema and the plan (ranks, dims): completion records are valid only for this. */
export function planFingerprint(schema: Schema, ranks: number, dims: readonly string[]): string {
  return createHash("sha256").update(canon({ schema, ranks, dims: [...dims] })).digest("hex");
}
