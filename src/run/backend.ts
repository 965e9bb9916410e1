// The writer's entry points as the pool and the CLI use them. Until the writer lands this is a stand-in that
// says so; it becomes thin re-exports of src/write, src/store and src/plan.
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { KeyStore } from "./records.js";
import { Dataset } from "../model/dataset.js";
import { DataArray } from "../model/dataarray.js";

export class NotAvailableError extends Error {
  override name = "NotAvailableError";
}
const missing = (what: string) => new NotAvailableError(`${what} needs the zarr writer, which is not in this build yet`);

export type StoreArg = string | URL | KeyStore;
export type AnyDataset = unknown;

export function isDataset(v: unknown): string | undefined {
  if (v instanceof Dataset) return undefined;
  if (v instanceof DataArray) return "a DataArray: wrap it, new Dataset({ dataVars: { name: da } })";
  return "";
}

export function resolveStore(store: StoreArg): KeyStore {
  if (typeof store === "string" || store instanceof URL) {
    const root = resolve(typeof store === "string" && !store.startsWith("file:") ? store : fileURLToPath(store));
    const path = (key: string) => join(root, ...key.slice(1).split("/"));
    return {
      async get(key) {
        try {
          return new Uint8Array(await readFile(path(key)));
        } catch (e) {
          if ((e as { code?: string }).code === "ENOENT") return undefined;
          throw e;
        }
      },
      async set(key, value) {
        await mkdir(dirname(path(key)), { recursive: true });
        await writeFile(path(key), value);
      },
    };
  }
  return store;
}

export async function initializeStore(_ds: AnyDataset, _store: StoreArg, _options: Record<string, unknown>): Promise<void> {
  throw missing("init");
}

export async function writePartition(_ds: AnyDataset, _store: StoreArg, _options: Record<string, unknown>): Promise<Record<string, unknown>> {
  throw missing("write");
}

/** The fingerprint a valid completion record carries for this store's schema and plan (undefined: unknown). */
export async function expectedFingerprint(_store: KeyStore, _plan: { ranks: number; dims: string[] }): Promise<string | undefined> {
  return undefined;
}

export { describePlan, type PlanReport } from "./describe.js";

/** The D1 demo dataset as a module URL (workers import it), with its time length. */
export function demoDatasetUrl(time: number): URL {
  return new URL(`../demo/d1-module.js?time=${time}`, import.meta.url);
}
