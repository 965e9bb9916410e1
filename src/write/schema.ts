// The schema a store was initialised with (`/.xpartition/schema.json`): names, dims, shapes, chunks, dtypes,
// codecs, fill values. `write` refuses a dataset whose schema differs, naming what differs. The attributes are
// recorded too (outside the fingerprint): `write` warns once when the dataset's differ (the store keeps init's).
import { createHash } from "node:crypto";
import { fillValueJson } from "../zarr/fill.js";
import { toJson, jsonBytes, parseJsonTolerant, type JsonOptions } from "../zarr/json.js";
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
  /** The attributes written (as readers see them); absent in stores initialised before they were recorded. */
  attrs?: { dataset: Record<string, unknown>; variables: Record<string, Record<string, unknown>> };
}

// zarr v2 attributes may hold NaN/Infinity (written as Python's json writes them); the schema keeps them so.
const SCHEMA_JSON: JsonOptions = { nonFinite: "tokens" };
/** A JSON round trip: what a schema read back holds (NaN kept, bigint -> number, undefined dropped). */
const roundTrip = <T>(x: T): T => parseJsonTolerant(toJson(x, 0, SCHEMA_JSON)) as T;

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
  const attrs: NonNullable<Schema["attrs"]> = { dataset: roundTrip(plan.attrs), variables: {} };
  const byName = new Map(plan.variables.map((v) => [v.name, v]));
  for (const name of Object.keys(variables)) attrs.variables[name] = roundTrip(byName.get(name)!.spec.attrs);
  return { xpartition: 1, zarrFormat: plan.format, consolidated: plan.consolidated, variables, attrs };
}

export function schemaBytes(schema: Schema): Uint8Array {
  return jsonBytes(schema, 2, SCHEMA_JSON);
}

/** The schema recorded by initializeStore, or undefined when the store is not initialised. */
export async function readSchema(store: StoreOps | StoreLike): Promise<Schema | undefined> {
  const ops = store instanceof StoreOps ? store : new StoreOps(resolveStore(store));
  const b = await ops.get(SCHEMA_KEY);
  if (!b) return undefined;
  try {
    return parseJsonTolerant(b) as Schema;
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

/**
 * Fingerprint of the schema and the plan (ranks, dims): completion records are valid only for this. The
 * attributes are left out (they do not change what ranks write), which keeps older stores' fingerprints.
 */
export function planFingerprint(schema: Schema, ranks: number, dims: readonly string[]): string {
  return createHash("sha256").update(canon({ schema: { ...schema, attrs: undefined }, ranks, dims: [...dims] })).digest("hex");
}

const attrText = (x: unknown): string => toJson(x, 0, SCHEMA_JSON);
const shortText = (x: unknown): string | undefined => {
  const t = attrText(x);
  return t.length <= 60 ? t : undefined;
};

/** Each attribute that differs between the store's record and the dataset: `temp.units "K" -> "degC"`, `.title`. */
export function attrsDifferences(recorded: Schema, current: Schema): string[] {
  const ra = recorded.attrs, ca = current.attrs;
  if (!ra || !ca) return [];
  const out: string[] = [];
  const compare = (owner: string, a: Record<string, unknown> = {}, b: Record<string, unknown> = {}): void => {
    for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
      const path = `${owner}.${k}`;
      if (!(k in b)) out.push(`${path} (only in the store)`);
      else if (!(k in a)) out.push(`${path} (not in the store)`);
      else if (attrText(a[k]) !== attrText(b[k])) {
        const from = shortText(a[k]), to = shortText(b[k]);
        out.push(from !== undefined && to !== undefined ? `${path} ${from} -> ${to}` : path);
      }
    }
  };
  compare("", ra.dataset, ca.dataset);
  for (const name of Object.keys(current.variables).sort()) if (name in recorded.variables) compare(name, ra.variables[name], ca.variables[name]);
  return out;
}

/** The one warning `write` gives when the dataset's attributes differ from the store's, or undefined. */
export function attrsWarning(recorded: Schema, current: Schema): string | undefined {
  const d = attrsDifferences(recorded, current);
  if (!d.length) return undefined;
  const shown = d.length > 12 ? [...d.slice(0, 12), `and ${d.length - 12} more`] : d;
  return `xpartition: attributes differ from the store's (the store keeps init's): ${shown.join(", ")}`;
}
