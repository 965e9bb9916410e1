// Many netCDF files, many ranks, through the CLI: 100 netCDF-4 files written by netCDF4-python (zlib+shuffle,
// unlimited time, CF time) are a glob SOURCE joined with --concat-dim time. `init` records every file (path,
// size, mtime, length, metadata digest) in the plan; a rank rebuilt from that record opens only the files its
// region overlaps, and a file changed since init is refused by name. `run` on 2 workers and an array job of
// `write STORE` both give stores Debian's xarray reads equal to open_mfdataset(nested, minimal, override).
import { beforeAll, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, statSync, utimesSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { openSource, type SourceSpec } from "../../src/sources/source-spec.js";
import { mfOpenedFiles } from "../../src/sources/netcdf/mf.js";
import { runCli } from "../helpers/cli.js";

const PY = "/usr/bin/python3";
const FIX = resolve(import.meta.dirname, "fixtures");
const N = 100;
let root = "";

const WRITE = `
import sys, numpy as np, netCDF4 as nc
root = sys.argv[1]
for i in range(${N}):
    d = nc.Dataset(f'{root}/model/out_{i:03d}.nc', 'w', format='NETCDF4')
    d.createDimension('time', None); d.createDimension('lat', 6); d.createDimension('lon', 8)
    d.title = 'model output'
    t = d.createVariable('time', 'f8', ('time',)); t.units = 'hours since 2000-01-01'; t.calendar = 'standard'
    t[:] = [2 * i, 2 * i + 1]
    la = d.createVariable('lat', 'f4', ('lat',)); la[:] = np.linspace(-50, 50, 6)
    lo = d.createVariable('lon', 'f4', ('lon',)); lo[:] = np.arange(8) * 45
    m = d.createVariable('mask', 'i1', ('lat', 'lon')); m[:] = (np.arange(48).reshape(6, 8) % 3 == 0)
    v = d.createVariable('tas', 'f4', ('time', 'lat', 'lon'), zlib=True, shuffle=True, complevel=1, chunksizes=(1, 6, 8), fill_value=np.float32(-999))
    v.units = 'K'
    v[:] = 250 + np.arange(2 * 48, dtype='f4').reshape(2, 6, 8) + i
    d.close()
`;

const xp = (args: string[], env: Record<string, string> = {}) => runCli(root, args, env);

async function ok(args: string[], env: Record<string, string> = {}) {
  const r = await xp(args, env);
  if (r.code !== 0) throw new Error(`xpartition ${args.join(" ")} exited ${r.code}: ${r.err}`);
  return r;
}

const inputs = () => Array.from({ length: N }, (_, i) => join(root, "model", `out_${String(i).padStart(3, "0")}.nc`));

function check(name: string, out: string): string {
  return execFileSync(PY, ["-W", "ignore", join(FIX, "netcdf_check.py"), JSON.stringify([{ name, inputs: inputs(), out: join(root, out) }])], { encoding: "utf8" });
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "xp-nc-cli-"));
  execFileSync("mkdir", [join(root, "model")]);
  execFileSync(PY, ["-W", "ignore", "-c", WRITE, root], { stdio: ["ignore", "inherit", "inherit"] });
}, 120_000);

describe("netCDF files as a glob SOURCE, many ranks", () => {
  it("init records each file; ranks (write STORE by JOB_COMPLETION_INDEX) open only the files they overlap; status complete; xarray reads open_mfdataset's values", async () => {
    await ok(["init", "model/out_*.nc", "out.zarr", "--concat-dim", "time", "--ranks", "16", "--dims", "time", "--zarr-format", "2"]);
    const plan = JSON.parse(readFileSync(join(root, "out.zarr", ".xpartition", "plan.json"), "utf8")) as { source: SourceSpec & { kind: "sources" } };
    expect(plan.source.sources.length).toBe(N);
    expect(plan.source.sources[7]).toMatchObject({ location: inputs()[7], format: "netcdf", length: 2, size: expect.any(Number), mtimeMs: expect.any(Number), fingerprint: expect.any(String) });

    // A rank rebuilt from the record: one file opened up front, then only the files of its region.
    const before = mfOpenedFiles();
    const ds = await openSource(plan.source);
    expect(mfOpenedFiles() - before).toBe(1);
    expect(ds.sizes).toEqual({ time: 2 * N, lat: 6, lon: 8 });
    // Rank 3 of 16 along 200 time chunks of 1: steps 39..51, files 19..25.
    await ds.get("tas")!.data.compute!([{ start: 39, stop: 52 }, { start: 0, stop: 6 }, { start: 0, stop: 8 }]);
    expect(mfOpenedFiles() - before).toBe(1 + 7);

    for (let r = 0; r < 16; r++) await ok(["write", "out.zarr"], { JOB_COMPLETION_INDEX: String(r) });
    expect((await ok(["status", "out.zarr"])).out).toMatch(/complete: 16 of 16 ranks/);
    expect(check("init-write", "out.zarr")).toContain("init-write equal lat lon mask tas time");

    // A file touched after init: every rank is refused up front (files are stat'ed, not opened), naming the
    // file, before it writes anything (rank 0's first chunk is untouched).
    const chunk = join(root, "out.zarr", "tas", "0.0.0");
    const written = statSync(chunk).mtimeMs;
    utimesSync(inputs()[99]!, new Date(), new Date(Date.now() + 10_000));
    for (const rank of ["0", "15"]) {
      const r = await xp(["write", "out.zarr", "--rank", rank]);
      expect(r.code).not.toBe(0);
      expect(r.err).toContain(`${inputs()[99]}: changed since init`);
    }
    expect(statSync(chunk).mtimeMs).toBe(written);
  }, 300_000);

  it("the issue's example: run 'model/out_*.nc' out.zarr --concat-dim time --chunks time=24 --ranks 16 --dims time --workers 2", async () => {
    await ok(["run", "model/out_*.nc", "run.zarr", "--concat-dim", "time", "--chunks", "time=24", "--ranks", "16", "--dims", "time", "--workers", "2", "--zarr-format", "2"]);
    expect((await ok(["status", "run.zarr"])).out).toMatch(/complete/);
    expect(check("run", "run.zarr")).toContain("run equal lat lon mask tas time");
  }, 300_000);
});
