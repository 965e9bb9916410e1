// No code: `xpartition run|init|write SOURCE... STORE` on zarr v2 stores written by OTHER PEOPLE'S WRITER
// (Debian's xarray 2023.01 + zarr 2.13 `to_zarr`: Blosc lz4 + shuffle, CF-packed int16 with _FillValue,
// datetime coordinates, a 2-d non-dimension coordinate, NaN attributes). Copy, rechunk (--chunks), --isel and
// --concat-dim of two stores through the CLI with --zarr-format 2 on 2 workers; Debian's xarray reads each
// output equal to the source (or xr.concat of the sources) under xr.testing.assert_identical. An HTTP source
// served by a local server on 127.0.0.1. Bad input: each a clear error naming what, before anything is written.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../helpers/cli.js";

const PY = "/usr/bin/python3";
let root = "";

const xp = (args: string[], env: Record<string, string> = {}) => runCli(root, args, env);

async function ok(args: string[], env: Record<string, string> = {}) {
  const r = await xp(args, env);
  expect(r.code, `${args.join(" ")}: ${r.err}`).toBe(0);
  return r;
}

/** A clear error: one line naming what, exit 1 or 2, and the output store never created. */
async function refused(args: string[], pattern: RegExp, out: string) {
  const r = await xp(args);
  expect(r.err).toMatch(pattern);
  expect(r.err.trimEnd().split("\n")).toHaveLength(1);
  expect(r.code).toBeGreaterThan(0);
  expect(existsSync(join(root, out)), `${out} was created`).toBe(false);
}

const WRITE = `
import sys, numpy as np, pandas as pd, xarray as xr
from numcodecs import Blosc, BZ2
root = sys.argv[1]
T, Y, X = 24, 5, 6
rng = np.random.default_rng(11)
def dataset(t0):
    t2m = (250 + 40 * rng.random((T, Y, X))).astype('f4'); t2m[0, 0, 0] = np.nan
    packed = (270 + 20 * rng.random((T, Y, X))).astype('f4'); packed[1, 1, 1] = np.nan
    return xr.Dataset(
        {'t2m': (('time', 'y', 'x'), t2m, {'units': 'K', 'note': np.nan}),
         'packed': (('time', 'y', 'x'), packed, {'units': 'K'}),
         'depth': (('y', 'x'), np.arange(Y * X, dtype='f8').reshape(Y, X))},
        coords={'time': pd.date_range('2001-01-01', periods=2 * T, freq='6H')[t0:t0 + T], 'y': np.linspace(-30, 30, Y), 'x': np.arange(X, dtype='i4') * 10,
                'lat': (('y', 'x'), np.add.outer(np.linspace(-30, 30, Y), np.zeros(X)), {'standard_name': 'latitude'})},
        attrs={'title': 'source', 'missing': np.nan})
comp = Blosc(cname='lz4', clevel=5, shuffle=Blosc.SHUFFLE)
def enc():
    return {'t2m': {'chunks': (1, 5, 6), 'compressor': comp},
            'packed': {'dtype': 'int16', 'scale_factor': 0.01, 'add_offset': 280.0, '_FillValue': -32767, 'chunks': (3, 5, 6), 'compressor': comp},
            'depth': {'compressor': comp}}
dataset(0).to_zarr(f"{root}/a.zarr", mode='w', encoding=enc(), consolidated=True)
dataset(T).to_zarr(f"{root}/b.zarr", mode='w', encoding=enc(), consolidated=True)
bad = dataset(T); bad['x'] = bad['x'] + 1
bad.to_zarr(f"{root}/shifted.zarr", mode='w', encoding=enc())
s = dataset(0); s['station'] = ('x', np.array(['a', 'bb', 'ccc', 'd', 'e', 'f']))
s.to_zarr(f"{root}/strings.zarr", mode='w')
dataset(0).to_zarr(f"{root}/bz2.zarr", mode='w', encoding={'t2m': {'compressor': BZ2(level=5)}})
`;

const CHECK = `
import sys, zarr, xarray as xr
root = sys.argv[1]
o = lambda p: xr.open_zarr(f"{root}/{p}", consolidated=True).load()
raw = lambda p: xr.open_zarr(f"{root}/{p}", consolidated=True, decode_cf=False, mask_and_scale=False).load()
a, b = o('a.zarr'), o('b.zarr')
def same(want, out, chunks=None):
    xr.testing.assert_identical(want, o(out))
    g = zarr.open_group(f"{root}/{out}", mode='r')
    assert g['t2m'].compressor.cname == 'lz4' and g['packed'].dtype == 'int16', (out, g['t2m'].compressor, g['packed'].dtype)
    if chunks: assert g['t2m'].chunks[0] == chunks, (out, g['t2m'].chunks)
    print(out, 'identical')
same(a, 'copy.zarr', 1)
xr.testing.assert_identical(raw('a.zarr'), raw('copy.zarr'))
same(a, 'rechunk.zarr', 8)
same(a.isel(time=slice(2, 19), x=3), 'isel.zarr')
same(xr.concat([a, b], 'time', data_vars='minimal', coords='minimal', compat='override'), 'concat.zarr', 5)
same(a, 'http.zarr')
same(a, 'array-job.zarr', 12)
`;

let server: Server;
let url = "";

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "xp-sources-cli-"));
  writeFileSync(join(root, "write.py"), WRITE);
  writeFileSync(join(root, "check.py"), CHECK);
  execFileSync(PY, [join(root, "write.py"), root], { stdio: ["ignore", "inherit", "inherit"] });
  // a.zarr over HTTP (consolidated: HTTP cannot list); 404 for anything else.
  server = createServer((req, res) => {
    const key = decodeURIComponent(new URL(req.url!, "http://x").pathname).replace(/^\/data\/a\.zarr/, "");
    const path = join(root, "a.zarr", key);
    if (!key.startsWith("/") || key.includes("..") || !existsSync(path) || key === "/") return void res.writeHead(404).end();
    try {
      res.writeHead(200).end(readFileSync(path));
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/data/a.zarr`;
});

afterAll(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

describe("xpartition on zarr v2 sources written by Debian's xarray", () => {
  it("copy, --chunks, --isel, --concat-dim, an http:// source and an array job (init, write STORE per rank, status, verify): xarray reads each identical", async () => {
    const common = ["--zarr-format", "2", "--workers", "2"];
    await ok(["run", "a.zarr", "copy.zarr", "--ranks", "3", "--dims", "time", ...common]);
    await ok(["run", "a.zarr", "rechunk.zarr", "--chunks", "time=8", "--ranks", "3", "--dims", "time", ...common]);
    await ok(["run", "a.zarr", "isel.zarr", "--isel", "time=2:-5", "--isel", "x=3", "--ranks", "2", "--dims", "time", ...common]);
    await ok(["run", "[ab].zarr", "concat.zarr", "--concat-dim", "time", "--chunks", "time=5", "--ranks", "4", "--dims", "time", ...common]);
    await ok(["run", url, "http.zarr", "--ranks", "2", "--dims", "time", ...common]);
    // The example: then status and verify.
    await ok(["init", "a.zarr", "array-job.zarr", "--chunks", "time=12", "--ranks", "2", "--dims", "time", "--zarr-format", "2"]);
    for (const rank of ["0", "1"]) await ok(["write", "array-job.zarr"], { SLURM_ARRAY_TASK_ID: rank });
    expect((await ok(["status", "array-job.zarr"])).out).toMatch(/all ranks complete/);
    expect((await ok(["verify", "array-job.zarr"])).out).toMatch(/whole/);
    const log = execFileSync(PY, [join(root, "check.py"), root], { encoding: "utf8" });
    for (const s of ["copy", "rechunk", "isel", "concat", "http", "array-job"]) expect(log).toContain(`${s}.zarr identical`);
  });

  it("the issue's example: run in.zarr out.zarr --chunks time=24 --ranks 8 --dims time --workers 2, then status and verify", async () => {
    await ok(["run", "[ab].zarr", "in.zarr", "--concat-dim", "time", "--ranks", "2", "--dims", "time", "--workers", "2"]);
    await ok(["run", "in.zarr", "out.zarr", "--chunks", "time=24", "--ranks", "8", "--dims", "time", "--workers", "2"]);
    expect((await ok(["status", "out.zarr"])).out).toMatch(/complete: 8 of 8 ranks/);
    expect((await ok(["verify", "out.zarr"])).out).toMatch(/whole/);
    // v2 sources give a v2 copy by default; xarray reads it equal to the concatenation.
    expect(JSON.parse(readFileSync(join(root, "out.zarr", "t2m", ".zarray"), "utf8")).chunks).toEqual([24, 5, 6]);
    execFileSync(PY, ["-c", `import xarray as xr; a=xr.open_zarr('${root}/a.zarr').load(); b=xr.open_zarr('${root}/b.zarr').load(); xr.testing.assert_identical(xr.concat([a, b], 'time', data_vars='minimal', coords='minimal', compat='override'), xr.open_zarr('${root}/out.zarr').load())`]);
  });

  it("bad input: each a clear error naming what and where, before anything is written", async () => {
    const p = ["--ranks", "2", "--dims", "time"];
    execFileSync("mkdir", ["-p", join(root, "notastore")]);
    await refused(["run", "notastore", "e1.zarr", ...p], /notastore is not a source: expected .*a zarr store/, "e1.zarr");
    await refused(["run", "bz2.zarr", "e2.zarr", ...p], /bz2\.zarr.*"t2m".*codec "bz2" cannot be decoded/, "e2.zarr");
    await refused(["run", "strings.zarr", "e3.zarr", ...p], /variable "station" .*--drop station/, "e3.zarr");
    await ok(["run", "strings.zarr", "e3.zarr", "--drop", "station", ...p, "--zarr-format", "2"]);
    await refused(["run", "a.zarr", "e4.zarr", "--chunks", "lon=3", ...p], /--chunks names dimension "lon", which the source does not have \(dimensions: (time|x|y)(, (time|x|y)){2}\)/, "e4.zarr");
    await refused(["run", "a.zarr", "e5.zarr", "--isel", "level=0", ...p], /--isel names dimension "level"/, "e5.zarr");
    await refused(["run", "a.zarr", "shifted.zarr", "e6.zarr", "--concat-dim", "time", ...p], /"x".*values differ/, "e6.zarr");
    // A source changed between init and write: refused naming it, no rank written.
    await ok(["init", "b.zarr", "e7.zarr", ...p]);
    execFileSync(PY, ["-c", `import zarr; g = zarr.open_group('${root}/b.zarr'); g['t2m'].attrs['units'] = 'degC'; zarr.consolidate_metadata('${root}/b.zarr')`]);
    const r = await xp(["write", "e7.zarr", "--rank", "0"]);
    expect(r.err).toMatch(/source .*b\.zarr changed since the store was initialised/);
    expect(r.code).toBe(1);
    expect(existsSync(join(root, "e7.zarr", ".xpartition", "ranks", "0.json"))).toBe(false);
  });
});
