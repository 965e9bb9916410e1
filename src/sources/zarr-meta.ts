// The metadata of a zarr group as a source: its attributes and, per child array, the raw metadata document
// (v2 `.zarray` + `.zattrs`, v3 `zarr.json`), parsed with our tolerant parser (zarr-python 2 writes bare NaN
// and Infinity in attributes, which zarrita's JSON.parse rejects). Found through consolidated metadata when
// present (v2 `.zmetadata`, v3 inline `consolidated_metadata`), else by listing the group. zarrita then opens
// each array through an overlay store serving sanitised copies of these documents (no attributes, non-finite
// fill values as strings), so it never parses them itself and never reads them twice.
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { FileSystemStore } from "../store/fs.js";
import { parseJsonTolerant } from "../zarr/json.js";
import { SourceError } from "./errors.js";

/** A readable store as zarrita takes it: `get`, optional `getRange` (needed for sharded v3 arrays). */
export interface ReadableStore {
  get(key: string, options?: unknown): Promise<Uint8Array | undefined> | Uint8Array | undefined;
  getRange?(key: string, range: { offset: number; length: number } | { suffixLength: number }, options?: unknown): Promise<Uint8Array | undefined> | Uint8Array | undefined;
  list?(prefix?: string): unknown;
}

export type Doc = Record<string, unknown>;

export interface ArrayMeta {
  /** Name in the group. */
  name: string;
  /** Absolute path in the store ("/t2m", "/g/t2m"). */
  path: string;
  format: 2 | 3;
  /** `.zarray` (v2) or `zarr.json` (v3), as parsed. */
  doc: Doc;
  /** `.zattrs` (v2) or the `attributes` of `zarr.json` (v3). */
  attrs: Doc;
}

export interface GroupMeta {
  format: 2 | 3;
  /** Absolute path of the group ("/" for the root). */
  path: string;
  attrs: Doc;
  consolidated: boolean;
  arrays: ArrayMeta[];
  /** The store zarrita opens arrays through: sanitised metadata documents over the source store. */
  overlay: ReadableStore;
}

const isObj = (x: unknown): x is Doc => typeof x === "object" && x !== null && !Array.isArray(x);

async function getDoc(store: ReadableStore, key: string, where: string): Promise<Doc | undefined> {
  const bytes = await store.get(key);
  if (bytes === undefined) return undefined;
  const doc = parseJsonTolerant(bytes, `${where}: ${key}`);
  if (!isObj(doc)) throw new SourceError(`${where}: ${key} is not a JSON object`);
  return doc;
}

/** "/", "/a/b" from "", "/", "a/b", "/a/b/". */
export function groupPath(group: string | undefined): string {
  const parts = (group ?? "").split("/").filter((p) => p !== "");
  if (parts.some((p) => p === "." || p === "..")) throw new SourceError(`group ${JSON.stringify(group)}: "." and ".." are not group names`);
  return "/" + parts.join("/");
}

const child = (g: string, name: string): string => (g === "/" ? `/${name}` : `${g}/${name}`);

/** Names of the entries one level below `g`, when the store can tell (a directory listing or `list`). */
async function childNames(store: ReadableStore, g: string, where: string): Promise<string[]> {
  if (store instanceof FileSystemStore) {
    try {
      const entries = await readdir(g === "/" ? store.root : join(store.root, ...g.slice(1).split("/")), { withFileTypes: true });
      return entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
    } catch (e) {
      throw new SourceError(`${where}: cannot list group ${g}: ${(e as Error).message}`);
    }
  }
  if (typeof store.list === "function") {
    const prefix = g === "/" ? "/" : `${g}/`;
    const names = new Set<string>();
    for await (const k of (await (store.list as (p: string) => Promise<Iterable<string> | AsyncIterable<string>>)(prefix)) ?? []) {
      const rest = String(k).startsWith(prefix) ? String(k).slice(prefix.length) : undefined;
      const i = rest?.indexOf("/") ?? -1;
      if (rest !== undefined && i > 0) names.add(rest.slice(0, i));
    }
    return [...names].sort();
  }
  throw new SourceError(
    `${where}: the group ${g} has no consolidated metadata and this store cannot list its children (it has no list()): ` +
      "consolidate the store's metadata (zarr.consolidate_metadata) or pass a store that can list",
  );
}

/** Copy of an array document that zarrita can parse: no attributes, non-finite fill values as strings. */
function sanitise(doc: Doc, format: 2 | 3): Doc {
  const out: Doc = { ...doc };
  const fv = out.fill_value;
  if (typeof fv === "number" && !Number.isFinite(fv)) out.fill_value = Number.isNaN(fv) ? "NaN" : fv > 0 ? "Infinity" : "-Infinity";
  if (format === 3) {
    out.attributes = {};
    delete out.consolidated_metadata;
  }
  return out;
}

function overlayOf(store: ReadableStore, docs: Map<string, Uint8Array>): ReadableStore {
  const o: ReadableStore = { get: (key, options) => docs.get(key) ?? store.get(key, options) };
  if (typeof store.getRange === "function") o.getRange = (key, range, options) => store.getRange!(key, range, options);
  return o;
}

/** The group's metadata and its arrays (direct children only, as xarray opens a group). */
export async function readGroup(store: ReadableStore, where: string, group: string | undefined, consolidated: boolean | undefined): Promise<GroupMeta> {
  const g = groupPath(group);
  const key = (name: string): string => child(g, name);
  const v3 = await getDoc(store, key("zarr.json"), where);
  if (v3) return readV3(store, where, g, v3, consolidated);
  const zarray = await store.get(key(".zarray"));
  if (zarray !== undefined) throw new SourceError(`${where}: ${g} is a zarr array, not a group: open the group holding it (option group)`);
  return readV2(store, where, g, consolidated);
}

async function readV2(store: ReadableStore, where: string, g: string, consolidated: boolean | undefined): Promise<GroupMeta> {
  // .zmetadata at the group, else at the root (keys relative to where it lies).
  let zmeta: Doc | undefined, base = g;
  if (consolidated !== false) {
    zmeta = await getDoc(store, child(g, ".zmetadata"), where);
    if (!zmeta && g !== "/") {
      zmeta = await getDoc(store, "/.zmetadata", where);
      base = "/";
    }
    if (!zmeta && consolidated === true) throw new SourceError(`${where}: no consolidated metadata (.zmetadata) for group ${g}, and consolidated: true was asked`);
  }
  const docs = new Map<string, Uint8Array>();
  const enc = new TextEncoder();
  const arrays: ArrayMeta[] = [];
  let zgroup: Doc | undefined, attrs: Doc | undefined;
  if (zmeta) {
    const md = zmeta.metadata;
    if (!isObj(md)) throw new SourceError(`${where}: ${child(base, ".zmetadata")} has no "metadata" object`);
    const rel = g === base ? "" : g.slice(base === "/" ? 1 : base.length + 1) + "/";
    const entry = (k: string): Doc | undefined => (isObj(md[rel + k]) ? (md[rel + k] as Doc) : undefined);
    zgroup = entry(".zgroup");
    attrs = entry(".zattrs");
    const names = Object.keys(md)
      .filter((k) => k.startsWith(rel) && k.endsWith("/.zarray"))
      .map((k) => k.slice(rel.length, -"/.zarray".length))
      .filter((n) => n !== "" && !n.includes("/"))
      .sort();
    for (const name of names) arrays.push({ name, path: child(g, name), format: 2, doc: entry(`${name}/.zarray`)!, attrs: entry(`${name}/.zattrs`) ?? {} });
  } else {
    zgroup = await getDoc(store, child(g, ".zgroup"), where);
    if (zgroup) {
      attrs = await getDoc(store, child(g, ".zattrs"), where);
      for (const name of await childNames(store, g, where)) {
        const doc = await getDoc(store, `${child(g, name)}/.zarray`, where);
        if (doc) arrays.push({ name, path: child(g, name), format: 2, doc, attrs: (await getDoc(store, `${child(g, name)}/.zattrs`, where)) ?? {} });
      }
    }
  }
  if (!zgroup) {
    throw new SourceError(
      g === "/"
        ? `${where} is not a zarr store: it holds none of zarr.json, .zgroup, .zarray or .zmetadata`
        : `${where}: no zarr group ${g} (none of ${g}/zarr.json, ${g}/.zgroup)`,
    );
  }
  if (zgroup.zarr_format !== 2) throw new SourceError(`${where}: ${child(g, ".zgroup")} has zarr_format ${JSON.stringify(zgroup.zarr_format)}, expected 2`);
  for (const a of arrays) docs.set(`${a.path}/.zarray`, enc.encode(JSON.stringify(sanitise(a.doc, 2))));
  return { format: 2, path: g, attrs: attrs ?? {}, consolidated: zmeta !== undefined, arrays, overlay: overlayOf(store, docs) };
}

async function readV3(store: ReadableStore, where: string, g: string, root: Doc, consolidated: boolean | undefined): Promise<GroupMeta> {
  if (root.zarr_format !== 3) throw new SourceError(`${where}: ${child(g, "zarr.json")} has zarr_format ${JSON.stringify(root.zarr_format)}, expected 3`);
  if (root.node_type === "array") throw new SourceError(`${where}: ${g} is a zarr array, not a group: open the group holding it (option group)`);
  if (root.node_type !== "group") throw new SourceError(`${where}: ${child(g, "zarr.json")} has node_type ${JSON.stringify(root.node_type)}, expected "group"`);
  const cm = consolidated === false ? undefined : root.consolidated_metadata;
  const inline = isObj(cm) && isObj(cm.metadata) ? (cm.metadata as Record<string, unknown>) : undefined;
  if (!inline && consolidated === true) throw new SourceError(`${where}: no consolidated metadata in ${child(g, "zarr.json")}, and consolidated: true was asked`);
  const arrays: ArrayMeta[] = [];
  const add = (name: string, doc: unknown): void => {
    if (isObj(doc) && doc.node_type === "array") arrays.push({ name, path: child(g, name), format: 3, doc, attrs: isObj(doc.attributes) ? doc.attributes : {} });
  };
  if (inline) {
    for (const name of Object.keys(inline).filter((n) => !n.includes("/")).sort()) add(name, inline[name]);
  } else {
    for (const name of await childNames(store, g, where)) add(name, await getDoc(store, `${child(g, name)}/zarr.json`, where));
  }
  const docs = new Map<string, Uint8Array>();
  const enc = new TextEncoder();
  for (const a of arrays) docs.set(`${a.path}/zarr.json`, enc.encode(JSON.stringify(sanitise(a.doc, 3))));
  return { format: 3, path: g, attrs: isObj(root.attributes) ? root.attributes : {}, consolidated: inline !== undefined, arrays, overlay: overlayOf(store, docs) };
}
