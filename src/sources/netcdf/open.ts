// openNetCDF: a netCDF file (netCDF-3 classic / 64-bit offset / CDF-5, or netCDF-4) as a lazy Dataset, the
// backend chosen by the file's magic bytes.
import { open, stat } from "node:fs/promises";
import { resolve } from "node:path";
import type { Dataset } from "../../model/dataset.js";
import { SourceError } from "../errors.js";
import { buildDataset, type NcGroup, type OpenNetCDFOptions } from "./build.js";
import { openCdf } from "./cdf.js";
import { describeDirect } from "./h5describe.js";
import { directOptions, fastReader, openHdf5 } from "./hdf5.js";

export type { OpenNetCDFOptions } from "./build.js";

const HDF5_MAGIC = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/** "cdf" (netCDF-3), "hdf5" (netCDF-4) or undefined, from the file's first bytes (HDF5 may sit after a user block). */
export async function sniff(path: string): Promise<"cdf" | "hdf5" | undefined> {
  const fh = await open(path, "r");
  try {
    const head = new Uint8Array(8);
    const { bytesRead } = await fh.read(head, 0, 8, 0);
    if (bytesRead >= 4 && head[0] === 0x43 && head[1] === 0x44 && head[2] === 0x46 && [1, 2, 5].includes(head[3]!)) return "cdf";
    for (const at of [0, 512, 1024, 2048, 4096]) {
      const b = at === 0 ? head : new Uint8Array(8);
      if (at !== 0 && (await fh.read(b, 0, 8, at)).bytesRead < 8) break;
      if (HDF5_MAGIC.every((x, i) => b[i] === x)) return "hdf5";
    }
    return undefined;
  } finally {
    await fh.close();
  }
}

/** The variables of a netCDF file's group, described (no values read). */
export async function describeNetCDF(path: string, group?: string): Promise<NcGroup> {
  const abs = resolve(path);
  const st = await stat(abs).catch((e: NodeJS.ErrnoException) => {
    throw new SourceError(`${abs}: cannot open: ${e.code === "ENOENT" ? "no such file" : e.message}`, { cause: e });
  });
  if (!st.isFile()) throw new SourceError(`${abs}: not a file (a netCDF source is a .nc file)`);
  const kind = await sniff(abs);
  if (kind === undefined) throw new SourceError(`${abs}: not a netCDF file (neither netCDF-3 "CDF" nor netCDF-4/HDF5 magic bytes)`);
  if (kind === "cdf") {
    if (group !== undefined && group !== "" && group !== "/") throw new SourceError(`${abs}: netCDF-3 files have no groups (asked for group ${JSON.stringify(group)})`);
    return openCdf(abs);
  }
  try {
    // Without HDF5 when the file's structures allow (h5describe.ts), else through h5wasm.
    const direct = directOptions.describe ? describeDirect(abs, group, (v) => fastReader(abs, v.hdf5Path!, v.h5Address, v.dtype!, v.shape)) : undefined;
    return direct ?? (await openHdf5(abs, group));
  } catch (e) {
    if (e instanceof SourceError) throw e;
    throw new SourceError(`${abs} (netCDF-4): cannot be read: ${(e as Error).message.trim().split("\n")[0]}`, { cause: e });
  }
}

/** Open a netCDF file as a lazy Dataset: metadata and dimension coordinates now, other values on demand. */
export async function openNetCDF(path: string, options: OpenNetCDFOptions = {}): Promise<Dataset> {
  if (typeof path !== "string" || path === "") throw new SourceError(`openNetCDF: path must be a file path, got ${JSON.stringify(path)}`);
  const g = await describeNetCDF(path, options.group);
  return buildDataset(g, options);
}
