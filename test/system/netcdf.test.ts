// openNetCDF / openMfDataset on files made by INDEPENDENT writers during the test — netCDF4-python, xarray's
// to_netcdf (engines netcdf4 and scipy) and ncgen (netCDF-3 classic, 64-bit offset, CDF-5) — each copied by our
// writer (initializeStore + writePartition, 3 ranks, zarr v2); Debian's xarray reads every copy equal to what it
// reads from the inputs (open_dataset, or open_mfdataset for a 24-file set), with all attributes equal.
import { beforeAll, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Dataset } from "../../src/model/dataset.js";
import { fileHandles, h5Files, mfRecords, rawFiles, openMfDataset, openMfRecords, openNetCDF } from "../../src/sources/netcdf/index.js";
import { initializeStore } from "../../src/write/initialize.js";
import { writePartition } from "../../src/write/write.js";

const PY = "/usr/bin/python3";
const FIX = resolve(import.meta.dirname, "fixtures");
let root = "";

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "xp-netcdf-"));
  execFileSync(PY, ["-W", "ignore", join(FIX, "netcdf_write.py"), root], { stdio: ["ignore", "inherit", "inherit"] });
}, 120_000);

async function copy(ds: Dataset, out: string): Promise<void> {
  await initializeStore(ds, out, { zarrFormat: 2 });
  for (const rank of [0, 1, 2]) await writePartition(ds, out, { ranks: 3, rank, dims: ["time"] });
}

interface Case { name: string; inputs: string[]; out: string; group?: string }

function check(cases: Case[]): string {
  return execFileSync(PY, ["-W", "ignore", join(FIX, "netcdf_check.py"), JSON.stringify(cases)], { encoding: "utf8" });
}

describe("openNetCDF: single files from netCDF4-python, xarray and ncgen", () => {
  it("netCDF-4 (zlib+shuffle, chunked and contiguous, unlimited time, CF noleap time, packed int16, missing_value, 2-d coordinate, dim without coordinate, NC_STRING attributes, every integer type, big-endian) and its group", async () => {
    const ds = await openNetCDF(join(root, "nc4.nc"));
    expect(Object.keys(ds.coords).sort()).toEqual(["lat", "time", "x"]);
    expect(ds.attrs).toMatchObject({ title: "netCDF-4 by netCDF4-python", source_list: ["model A", "model B"], institution: "nowhere", version: 3 });
    expect(Object.keys(ds.attrs)).not.toContain("_NCProperties");
    const packed = ds.get("packed")!;
    expect(packed.dtype).toBe("int16");
    expect(packed.encoding.fillValue).toBe(-32767);
    expect(Object.keys(packed.attrs).sort()).toEqual(["add_offset", "scale_factor", "units"]);
    expect(ds.get("t2m")!.encoding.chunks).toEqual([2, 3, 4]);
    expect(ds.get("time_bnds")!.dims).toEqual(["time", "nv"]);
    expect(ds.get("n_u8")!.dtype).toBe("uint64");
    const reads: string[] = [];
    const cs = await openNetCDF(join(root, "nc4.nc"), { onRead: (v, r) => reads.push(`${v}:${r.map((x) => `${x.start}-${x.stop}`).join(",")}`) });
    // A region inside one HDF5 chunk reads that whole chunk, cut by our kernel.
    const part = await cs.get("t2m")!.data.compute!([{ start: 2, stop: 3 }, { start: 1, stop: 2 }, { start: 5, stop: 7 }]);
    const whole = await cs.get("t2m")!.data.compute!([{ start: 0, stop: 6 }, { start: 0, stop: 5 }, { start: 0, stop: 7 }]);
    expect(Array.from(part as Float32Array)).toEqual([whole[2 * 35 + 7 + 5], whole[2 * 35 + 7 + 6]]);
    expect(reads).toContain("t2m:2-3,1-2,5-7");
    await copy(ds, join(root, "nc4.zarr"));
    const g = await openNetCDF(join(root, "nc4.nc"), { group: "forecast" });
    expect(Object.keys(g.variables).sort()).toEqual(["lead", "skill"]);
    await initializeStore(g, join(root, "group.zarr"), { zarrFormat: 2 });
    for (const rank of [0, 1]) await writePartition(g, join(root, "group.zarr"), { ranks: 2, rank, dims: ["lead"] });
    const log = check([
      { name: "nc4", inputs: [join(root, "nc4.nc")], out: join(root, "nc4.zarr") },
      { name: "group", inputs: [join(root, "nc4.nc")], group: "forecast", out: join(root, "group.zarr") },
    ]);
    expect(log).toContain("nc4 equal big checked count depth lat n_i1 n_i4 n_i8 n_u1 n_u2 n_u4 n_u8 packed scalar t2m time time_bnds x");
    expect(log).toContain("group equal lead skill");
  }, 120_000);

  it("xarray's to_netcdf (netcdf4 and scipy engines) and netCDF-3 classic, 64-bit offset and CDF-5 with record variables", async () => {
    const names = ["xr_nc4", "xr_scipy", "k1", "k2", "k5", "py5", "one"];
    for (const n of names) {
      // Chunked along time so that each rank reads a part of the record variables.
      const ds = (await openNetCDF(join(root, `${n}.nc`))).chunk({ time: 2 });
      await copy(ds, join(root, `${n}.zarr`));
    }
    const k5 = await openNetCDF(join(root, "k5.nc"));
    expect(k5.get("big")!.dtype).toBe("uint64");
    expect(k5.get("rec")!.encoding.fillValue).toBe(-99);
    expect(k5.attrs.numbers).toEqual(Int32Array.from([1, 2, 3]));
    const log = check(names.map((n) => ({ name: n, inputs: [join(root, `${n}.nc`)], out: join(root, `${n}.zarr`) })));
    for (const n of names) expect(log).toMatch(new RegExp(`^${n} equal `, "m"));
  }, 120_000);
});

describe("openMfDataset", () => {
  it("24 netCDF-4 files along time (a glob, sorted) equal xarray's open_mfdataset, also built from init's per-file records (one file opened up front); a region reads only the files it overlaps", async () => {
    const ds = await openMfDataset(join(root, "set", "part_*.nc"), { concatDim: "time" });
    expect(ds.sizes.time).toBe(48);
    const opened: string[] = [];
    const probe = await openMfDataset(join(root, "set", "part_*.nc"), { concatDim: "time", onRead: (v, r) => opened.push(`${v}@${r[0]?.start}`) });
    opened.length = 0;
    await probe.get("t2m")!.data.compute!([{ start: 10, stop: 14 }, { start: 0, stop: 5 }, { start: 0, stop: 7 }]);
    // Time steps 10..13 are in files 5 and 6 only: 2 files x 1 chunk of 2 steps.
    expect(opened.length).toBe(2);
    await copy(ds, join(root, "set.zarr"));
    // From init's per-file records: each rank opens only the files its regions overlap.
    const records = await mfRecords(join(root, "set", "part_*.nc"), { concatDim: "time" });
    expect(records.map((r) => r.length)).toEqual(new Array(24).fill(2));
    await Promise.all([fileHandles.closeAll(), h5Files.closeAll(), rawFiles.closeAll()]);
    // Opened by HDF5 (h5wasm) or for direct reads (h5direct.ts: the first file's time read without HDF5).
    const before = h5Files.opens + rawFiles.opens;
    const fromRecords = await openMfRecords(records, { concatDim: "time" });
    expect(h5Files.opens + rawFiles.opens - before).toBe(1);
    await copy(fromRecords, join(root, "set-records.zarr"));
    const files = Array.from({ length: 24 }, (_, i) => join(root, "set", `part_${String(i).padStart(3, "0")}.nc`));
    const log = check([{ name: "set", inputs: files, out: join(root, "set.zarr") }, { name: "set-records", inputs: files, out: join(root, "set-records.zarr") }]);
    for (const n of ["set", "set-records"]) expect(log).toContain(`${n} equal big checked count depth lat n_i1 n_i4 n_i8 n_u1 n_u2 n_u4 n_u8 packed scalar t2m time time_bnds x`);
  }, 180_000);

  it("keeps an explicit list in its order", async () => {
    const a = join(root, "set", "part_001.nc"), b = join(root, "set", "part_000.nc");
    const ds = await openMfDataset([a, b], { concatDim: "time" });
    const t = await ds.get("count")!.data.compute!([{ start: 0, stop: 4 }]);
    expect(Array.from(t as Int32Array)).toEqual([2, 3, 0, 1]);
  });
});

describe("bad input: a clear error naming the file (and variable), before anything is written", () => {
  it.each([
    ["a missing file", () => openNetCDF(join(root, "nope.nc")), /nope\.nc: cannot open: no such file/],
    ["a file that is not netCDF", () => openNetCDF(join(root, "text.nc")), /text\.nc: not a netCDF file/],
    ["a truncated netCDF-3 file", () => openNetCDF(join(root, "trunc3.nc")), /trunc3\.nc \(netCDF-3 classic\): variable "\w+" needs bytes up to \d+, but the file has \d+: truncated file/],
    ["a truncated netCDF-4 file", () => openNetCDF(join(root, "trunc4.nc")), /trunc4\.nc \(netCDF-4\): cannot be read/],
    ["a file whose dimensions disagree", () => openMfDataset(join(root, "bad", "part_*.nc"), { concatDim: "time" }), /part_2\.nc: variable "\w+" has shape \[[\d, ]+\] instead of \[[\d, ]+\] \(dimensions other than "time" must agree\)/],
    ["a string variable", () => openNetCDF(join(root, "strings.nc")), /strings\.nc: variable "station" has type string \(NC_STRING\).*--drop station/],
    ["an HDF5 filter h5wasm lacks (Blosc)", () => openNetCDF(join(root, "blosc.nc")), /blosc\.nc: variable "v" is compressed with HDF5 filter 32001( \(blosc\))?, which h5wasm cannot decode.*--drop v/],
    ["no file matching a glob", () => openMfDataset(join(root, "none_*.nc"), { concatDim: "time" }), /no file matches/],
  ])("%s", async (_what, open, message) => {
    const out = join(root, `bad-${_what.replace(/\W+/g, "-")}.zarr`);
    await expect(open().then((ds) => initializeStore(ds, out, { zarrFormat: 2 }))).rejects.toThrow(message);
    expect(existsSync(out)).toBe(false);
  });

  it("refuses compound, enum, vlen and char variables by name (dropVariables leaves them out)", async () => {
    const p = join(root, "types.nc");
    const refused: string[] = [];
    for (const v of ["cloud", "letters", "pair", "ragged"]) {
      const others = ["cloud", "letters", "pair", "ragged"].filter((x) => x !== v);
      const err = await openNetCDF(p, { dropVariables: others }).then(() => undefined, (e: Error) => e.message);
      expect(err).toContain(`${p}: variable "${v}" has type `);
      expect(err).toContain(`--drop ${v}`);
      refused.push(/has type ([^:]+):/.exec(err!)![1]!);
    }
    expect(refused).toEqual(["enum", "char (NC_CHAR)", "compound", "vlen"]);
    const ds = await openNetCDF(p, { dropVariables: ["cloud", "letters", "pair", "ragged"] });
    expect(Object.keys(ds.variables)).toEqual(["ok"]);
  });

  it("a string variable, or one compressed with a filter h5wasm lacks, can be dropped", async () => {
    const ds = await openNetCDF(join(root, "strings.nc"), { dropVariables: ["station"] });
    expect(ds.get("station")).toBeUndefined();
    const b = await openNetCDF(join(root, "blosc.nc"), { dropVariables: ["v"] });
    expect(Object.keys(b.variables)).toEqual(["x"]);
    expect(Array.from(await b.get("x")!.data.compute!([{ start: 98, stop: 100 }]))).toEqual([98, 99]);
  });
});
