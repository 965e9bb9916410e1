// Direct reads of netCDF-4 (h5direct.ts: chunk index, node:zlib, our unshuffle and place kernels) and
// descriptions without HDF5 (h5describe.ts), on files made during the test by INDEPENDENT writers —
// netCDF4-python, xarray's to_netcdf and ncgen -k nc4: every value equals what netCDF4-python reads, and what
// the h5wasm path reads; variables the direct path leaves to h5wasm (Fletcher32, big-endian) still equal
// netCDF4-python's; a rank from init's records opens no file through HDF5; corrupt or truncated data is an
// error naming the file and the variable.
import { beforeAll, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { closeSync, copyFileSync, mkdtempSync, openSync, readFileSync, statSync, truncateSync, utimesSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { TypedArray } from "../../src/kernels/arena.js";
import type { IndexRange } from "../../src/model/region.js";
import { describeNetCDF, directStats, h5Files, mfRecords, openMfRecords, openNetCDF, rawFiles } from "../../src/sources/netcdf/index.js";
import { directOptions } from "../../src/sources/netcdf/hdf5.js";
import { describeStats } from "../../src/sources/netcdf/h5describe.js";
import { chunkIndex, H5File, readDataset } from "../../src/sources/netcdf/h5parse.js";

const PY = "/usr/bin/python3";
const FIX = resolve(import.meta.dirname, "fixtures");
let root = "";

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "xp-netcdf-direct-"));
  execFileSync(PY, ["-W", "ignore", join(FIX, "netcdf_direct.py"), root], { stdio: ["ignore", "inherit", "inherit"] });
}, 120_000);

const ES: Record<string, number> = { int16: 2, uint16: 2, float32: 4, float64: 8, int64: 8 };

/** netCDF4-python's values of `key` in `file` (raw, little-endian) with dtype and shape. */
function expected(file: string, key: string): { dtype: string; shape: number[]; bytes: Buffer } {
  const meta = JSON.parse(readFileSync(`${file}.json`, "utf8")) as Record<string, [string, number[]]>;
  const [dtype, shape] = meta[key]!;
  return { dtype, shape, bytes: readFileSync(`${file}.${key.replace("/", "_")}.bin`) };
}

/** The bytes of `region` of a C-order array. */
function cut(bytes: Buffer, shape: number[], es: number, region: IndexRange[]): Buffer {
  const parts: Buffer[] = [];
  const stride = shape.map((_, d) => shape.slice(d + 1).reduce((p, x) => p * x, 1));
  const walk = (d: number, off: number): void => {
    if (d === shape.length) {
      parts.push(bytes.subarray(off * es, (off + 1) * es));
      return;
    }
    for (let i = region[d]!.start; i < region[d]!.stop; i++) walk(d + 1, off + i * stride[d]!);
  };
  walk(0, 0);
  return Buffer.concat(parts);
}

const bytesOf = (a: TypedArray) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** Regions: the whole, one cutting through chunks, one index along the first dim. */
function regions(shape: number[]): IndexRange[][] {
  const whole = shape.map((s) => ({ start: 0, stop: s }));
  if (!shape.length) return [whole];
  const first = shape.map((s) => ({ start: 0, stop: Math.min(s, 2) }));
  const mid = shape.map((s) => ({ start: Math.floor(s / 3), stop: Math.max(Math.floor(s / 3) + 1, s - 1) }));
  const one = shape.map((s, d) => (d === 0 ? { start: s - 1, stop: s } : { start: 0, stop: s }));
  return [whole, mid, one, first];
}

const FALLBACK = new Set(["f4_fletcher", "f8_big"]);
/** Chunks never written: a region touching one is read through h5wasm. */
const UNWRITTEN = new Set(["f4_partial"]);

async function checkFile(name: string, group?: string): Promise<void> {
  const file = join(root, name);
  const meta = JSON.parse(readFileSync(`${file}.json`, "utf8")) as Record<string, unknown>;
  const prefix = group ? `${group}/` : "";
  const keys = Object.keys(meta).filter((k) => (group ? k.startsWith(prefix) : !k.includes("/")));
  for (const direct of [true, false]) {
    directOptions.enabled = directOptions.describe = direct;
    try {
      const ds = await openNetCDF(file, group ? { group } : {});
      expect(Object.keys(ds.variables).sort()).toEqual(keys.map((k) => k.slice(prefix.length)).sort());
      for (const key of keys) {
        const v = ds.get(key.slice(prefix.length))!;
        const want = expected(file, key);
        expect(v.dtype).toBe(want.dtype);
        expect(v.shape).toEqual(want.shape);
        const dimCoord = v.dims.length === 1 && v.dims[0] === v.name;
        for (const r of regions(want.shape)) {
          const before = directStats.reads, fallbacks = directStats.fallbacks;
          const got = await v.data.compute!(r);
          expect(bytesOf(got).equals(cut(want.bytes, want.shape, ES[want.dtype]!, r)), `${name} ${key} [${r.map((x) => `${x.start}:${x.stop}`)}] direct=${direct}`).toBe(true);
          // Read directly unless direct reads are off or the variable needs HDF5 (dim coords are read at open).
          const firstChunkOnly = r.every((x, d) => x.stop <= [2, 16][d]!);
          if (UNWRITTEN.has(key) && direct && !firstChunkOnly) expect(directStats.fallbacks - fallbacks).toBe(1);
          else if (!dimCoord) expect(directStats.reads - before, `${name} ${key}`).toBe(direct && !FALLBACK.has(key) ? 1 : 0);
        }
      }
    } finally {
      directOptions.enabled = directOptions.describe = true;
    }
  }
}

describe("netCDF-4 read without HDF5", () => {
  it("netCDF4-python: chunked with partial edge chunks, unlimited time, contiguous, deflate and shuffle on and off, int16 float32 float64 int64 uint16; Fletcher32 and big-endian through h5wasm", async () => {
    await checkFile("big.nc");
  });

  it("60 variables (a links B-tree deeper than a leaf): described through h5wasm, values read directly", async () => {
    const d0 = describeStats.fallbacks;
    await checkFile("many.nc");
    expect(describeStats.fallbacks).toBeGreaterThan(d0);
    expect(describeStats.lastWhy).toMatch(/B-tree of depth/);
  });

  it("a variable in a group", async () => {
    await checkFile("big.nc", "grp");
  });

  it("netCDF4-python (also links and attributes stored densely: more than 8), xarray's to_netcdf and ncgen -k nc4 files described without HDF5 too (same description as h5wasm's)", async () => {
    for (const name of ["small_0.nc", "xr.nc", "ncgen.nc", "big.nc", "attrs.nc"]) {
      const d0 = describeStats.direct;
      await checkFile(name);
      expect(describeStats.direct, name).toBeGreaterThan(d0);
      directOptions.describe = false;
      const viaH5 = await describeNetCDF(join(root, name));
      directOptions.describe = true;
      const direct = await describeNetCDF(join(root, name));
      const strip = (g: typeof direct) => ({ ...g, vars: g.vars.map(({ read: _r, ...v }) => v) });
      expect(strip(direct)).toStrictEqual(strip(viaH5));
    }
  });

  it("a rank from init's records opens no file through HDF5", async () => {
    const files = [join(root, "small_0.nc"), join(root, "small_1.nc")];
    const records = await mfRecords(files, { concatDim: "time" });
    expect(records[0]!.direct?.group).toBeDefined();
    expect(Object.keys(records[1]!.direct!.objects).sort()).toEqual(["time", "v"]);
    await Promise.all([h5Files.closeAll(), rawFiles.closeAll()]);
    const h5Opens = h5Files.opens, reads = directStats.reads;
    const ds = await openMfRecords(JSON.parse(JSON.stringify(records)), { concatDim: "time" });
    const v = ds.get("v")!;
    const got = await v.data.compute!(v.shape.map((s) => ({ start: 0, stop: s })));
    const want = Buffer.concat(files.map((f) => expected(f, "v").bytes));
    expect(bytesOf(got).equals(want)).toBe(true);
    expect(h5Files.opens).toBe(h5Opens);
    expect(directStats.reads - reads).toBeGreaterThanOrEqual(2);
  });

  it("a file rewritten in place between two opens is read anew (no stale handle or chunk index)", async () => {
    const p = join(root, "rewritten.nc");
    copyFileSync(join(root, "small_0.nc"), p);
    const read = async () => {
      const v = (await openNetCDF(p)).get("v")!;
      return bytesOf(await v.data.compute!(v.shape.map((s) => ({ start: 0, stop: s })))).equals(expected(join(root, "small_0.nc"), "v").bytes);
    };
    expect(await read()).toBe(true);
    // Same inode, new content (copyFileSync truncates and writes), a later mtime.
    copyFileSync(join(root, "small_1.nc"), p);
    utimesSync(p, new Date(), new Date(Date.now() + 5000));
    const v = (await openNetCDF(p)).get("v")!;
    const got = await v.data.compute!(v.shape.map((s) => ({ start: 0, stop: s })));
    expect(bytesOf(got).equals(expected(join(root, "small_1.nc"), "v").bytes)).toBe(true);
  });

  it("corrupt or truncated chunk data: an error naming the file and the variable", async () => {
    // A chunk of v overwritten in its middle: its deflate stream no longer decodes.
    const bad = join(root, "corrupt.nc");
    copyFileSync(join(root, "small_0.nc"), bad);
    const g = await describeNetCDF(bad);
    const fd = openSync(bad, "r+");
    let last = 0;
    try {
      const f = new H5File(fd);
      const ds = readDataset(f, g.vars.find((x) => x.name === "v")!.h5Address!);
      const chunks = [...chunkIndex(f, (ds.layout as { btree: number }).btree, (ds.layout as { chunks: number[] }).chunks).values()];
      const c = chunks[0]!;
      writeSync(fd, Buffer.alloc(16, 0xa5), 0, 16, c.address + Math.floor(c.size / 2) - 8);
      last = Math.max(...chunks.map((x) => x.address + x.size));
    } finally {
      closeSync(fd);
    }
    const v = (await openNetCDF(bad)).get("v")!;
    await expect(v.data.compute!(v.shape.map((s) => ({ start: 0, stop: s })))).rejects.toThrow(/corrupt\.nc: variable "v": reading its values failed: chunk \[[\d,]+\].*(inflate|corrupt)/);
    // Cut inside the chunk data: the file's metadata (at its start) still reads, the values do not.
    const short = join(root, "short.nc");
    copyFileSync(join(root, "small_0.nc"), short);
    truncateSync(short, last - 10);
    expect(statSync(short).size).toBe(last - 10);
    const s = (await openNetCDF(short)).get("v")!;
    await expect(s.data.compute!(s.shape.map((n) => ({ start: 0, stop: n })))).rejects.toThrow(/short\.nc: variable "v": reading its values failed: .*(beyond the end of the file|file ends).*truncated/);
  });
});
