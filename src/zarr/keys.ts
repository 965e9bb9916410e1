// Chunk keys: v2 `0.1.2` (separator "." or "/"), v3 default encoding `c/0/1/2`. Keys are absolute store paths.

export type ZarrFormat = 2 | 3;

export function nodePrefix(name: string): string {
  return `/${name}`;
}

/** Absolute key of the chunk at grid index `idx` of array `name`. */
export function chunkKey(format: ZarrFormat, name: string, idx: readonly number[], separator: "." | "/" = format === 2 ? "." : "/"): string {
  if (format === 2) return `/${name}/${idx.length ? idx.join(separator) : "0"}`;
  return `/${name}/${idx.length ? "c" + separator + idx.join(separator) : "c"}`;
}

/** The metadata keys of a node (array or group) at `path` ("" = root). */
export function metadataKeys(format: ZarrFormat, path: string, kind: "array" | "group"): string[] {
  const p = path ? `/${path}` : "";
  if (format === 3) return [`${p}/zarr.json`];
  return kind === "array" ? [`${p}/.zarray`, `${p}/.zattrs`] : [`${p}/.zgroup`, `${p}/.zattrs`];
}
