// openZarr on zarr v2 stores written by OTHER PEOPLE'S WRITER — Debian's xarray 2023.01 + zarr 2.13 `to_zarr` —
// with every common codec (Blosc lz4/zstd/zlib, Zstd, GZip, shuffle filter), fill values, CF-packed int16 with
// _FillValue, datetime coordinates, a 2-d non-dimension coordinate and NaN attributes, consolidated or not.
// Each is copied by our writer (initializeStore + writePartition, 2 ranks) to a zarr v2 store, and Debian's
// xarray reads the copy identical to the source (`xr.testing.assert_identical`, decoded and raw), with the
// same dtype, fill value, chunks and codecs per variable.
import { beforeAll, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openZarr } from "../../src/sources/zarr.js";
import { initializeStore } from "../../src/write/initialize.js";
import { writePartition } from "../../src/write/write.js";

const PY = "/usr/bin/python3";
const CASES = [
  { name: "blosc-lz4", compressor: "Blosc(cname='lz4', clevel=5, shuffle=Blosc.SHUFFLE)", filters: "None", consolidated: true },
  { name: "blosc-zstd", compressor: "Blosc(cname='zstd', clevel=3, shuffle=Blosc.BITSHUFFLE)", filters: "None", consolidated: false },
  { name: "blosc-zlib", compressor: "Blosc(cname='zlib', clevel=1, shuffle=Blosc.NOSHUFFLE)", filters: "None", consolidated: true },
  { name: "zstd", compressor: "Zstd(level=3)", filters: "None", consolidated: false },
  { name: "gzip", compressor: "GZip(level=4)", filters: "None", consolidated: true },
  { name: "shuffle-zlib", compressor: "Zlib(level=2)", filters: "[Shuffle(elementsize=4)]", consolidated: true },
];

const WRITE = `
import sys, json, numpy as np, pandas as pd, xarray as xr
from numcodecs import Blosc, Zstd, GZip, Zlib, Shuffle, BZ2
root, cases = sys.argv[1], json.loads(sys.argv[2])
T, Y, X = 10, 6, 7
rng = np.random.default_rng(5)
def dataset():
    t2m = (250 + 40 * rng.random((T, Y, X))).astype('f4'); t2m[0, 0, 0] = np.nan; t2m[3, 2, :] = np.nan
    packed = (270 + 20 * rng.random((T, Y, X))).astype('f4'); packed[1, 1, 1] = np.nan
    ds = xr.Dataset(
        {'t2m': (('time', 'y', 'x'), t2m, {'units': 'K', 'long_name': 'air temperature', 'note': np.nan}),
         'packed': (('time', 'y', 'x'), packed, {'units': 'K'}),
         'depth': (('y', 'x'), np.where(rng.random((Y, X)) < 0.2, -999.0, rng.random((Y, X)) * 100)),
         'count': (('time', 'y'), rng.integers(0, 1000, (T, Y)).astype('i4'))},
        coords={'time': pd.date_range('2001-03-01', periods=T, freq='6H'), 'y': np.linspace(-30, 30, Y), 'x': np.arange(X, dtype='i4') * 10,
                'lat': (('y', 'x'), np.add.outer(np.linspace(-30, 30, Y), np.zeros(X)), {'standard_name': 'latitude'})},
        attrs={'title': 'source', 'missing': np.nan, 'history': 'made by xarray'})
    return ds
for c in cases:
    comp, filt = eval(c['compressor']), eval(c['filters'])
    filt2 = eval(c['filters'].replace('elementsize=4', 'elementsize=2'))  # int16: a shuffle of its own element size
    enc = {'t2m': {'chunks': (3, 4, 7), 'compressor': comp, 'filters': filt},
           'packed': {'dtype': 'int16', 'scale_factor': 0.01, 'add_offset': 280.0, '_FillValue': -32767, 'chunks': (2, 6, 7), 'compressor': comp, 'filters': filt2},
           'depth': {'_FillValue': -999.0, 'compressor': comp},
           'count': {'chunks': (5, 3), 'compressor': comp, 'filters': filt}}
    dataset().to_zarr(f"{root}/{c['name']}.zarr", mode='w', encoding=enc, consolidated=c['consolidated'])
# Refusals: a string variable, a codec zarrita cannot decode.
s = dataset(); s['station'] = ('x', np.array(['a', 'bb', 'ccc', 'd', 'e', 'f', 'g']))
s.to_zarr(f"{root}/strings.zarr", mode='w')
dataset().to_zarr(f"{root}/bz2.zarr", mode='w', encoding={'count': {'compressor': BZ2(level=5)}})
`;

const CHECK = `
import sys, json, zarr, xarray as xr
root, cases = sys.argv[1], json.loads(sys.argv[2])
for c in cases:
    src, out = f"{root}/{c['name']}.zarr", f"{root}/{c['name']}.copy.zarr"
    a = xr.open_zarr(src, consolidated=c['consolidated']).load()
    b = xr.open_zarr(out, consolidated=True).load()
    xr.testing.assert_identical(a, b)
    # The encoded values too: no CF decoding on either side.
    ra = xr.open_zarr(src, consolidated=c['consolidated'], decode_cf=False, mask_and_scale=False).load()
    rb = xr.open_zarr(out, consolidated=True, decode_cf=False, mask_and_scale=False).load()
    xr.testing.assert_identical(ra, rb)
    za, zb = zarr.open_group(src, mode='r'), zarr.open_group(out, mode='r')
    for v in za.array_keys():
        x, y = za[v], zb[v]
        for k in ('dtype', 'chunks', 'compressor', 'filters', 'shape'):
            assert getattr(x, k) == getattr(y, k), (c['name'], v, k, getattr(x, k), getattr(y, k))
        assert (x.fill_value is None and y.fill_value is None) or str(x.fill_value) == str(y.fill_value), (c['name'], v, x.fill_value, y.fill_value)
    print(c['name'], 'identical', sorted(za.array_keys()))
`;

let root = "";
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "xp-zarr-source-"));
  writeFileSync(join(root, "write.py"), WRITE);
  writeFileSync(join(root, "check.py"), CHECK);
  execFileSync(PY, [join(root, "write.py"), root, JSON.stringify(CASES)], { stdio: ["ignore", "inherit", "inherit"] });
});

describe("openZarr: zarr v2 stores written by Debian's xarray + zarr-python 2", () => {
  it("copies each (6 codec setups, consolidated and not) with 2 ranks; xarray reads every copy identical to its source", async () => {
    for (const c of CASES) {
      const warnings: string[] = [];
      const ds = await openZarr(join(root, `${c.name}.zarr`), { onWarning: (m) => warnings.push(m) });
      expect(warnings, c.name).toEqual([]);
      expect(Object.keys(ds.coords).sort(), c.name).toEqual(["lat", "time", "x", "y"]);
      expect(Object.keys(ds.dataVars).sort(), c.name).toEqual(["count", "depth", "packed", "t2m"]);
      expect(ds.attrs.missing, c.name).toBeNaN();
      const packed = ds.get("packed")!;
      expect(packed.dtype).toBe("int16");
      expect(packed.encoding.fillValue).toBe(-32767);
      expect(packed.attrs).toEqual({ units: "K", scale_factor: 0.01, add_offset: 280 });
      expect(ds.get("time")!.dtype).toBe("int64");
      expect(ds.get("time")!.attrs.units).toMatch(/since 2001-03-01/);
      const out = join(root, `${c.name}.copy.zarr`);
      await initializeStore(ds, out, { zarrFormat: 2 });
      for (const rank of [0, 1]) await writePartition(ds, out, { ranks: 2, rank, dims: ["time"] });
    }
    const log = execFileSync(PY, [join(root, "check.py"), root, JSON.stringify(CASES)], { encoding: "utf8" });
    for (const c of CASES) expect(log).toContain(`${c.name} identical ['count', 'depth', 'lat', 'packed', 't2m', 'time', 'x', 'y']`);
  });

  it("refuses a string variable (naming it, suggesting --drop) and a codec zarrita cannot decode (naming it)", async () => {
    await expect(openZarr(join(root, "strings.zarr"))).rejects.toThrow(/variable "station" has dtype <U3 \(strings or objects\).*--drop station/);
    const ds = await openZarr(join(root, "strings.zarr"), { dropVariables: ["station"] });
    expect(ds.get("station")).toBeUndefined();
    await expect(openZarr(join(root, "bz2.zarr"))).rejects.toThrow(/array "count": codec "bz2" cannot be decoded/);
  });
});
