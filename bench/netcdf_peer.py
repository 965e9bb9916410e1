# The Python side of bench/netcdf.bench.mjs (Debian's python3-netcdf4, xarray + dask + zarr 2, and the original
# xpartition v0.2.2 from the path in XPARTITION_PY). Modes:
#   make RAW_DIR TIME DIR FILES   D1 (time TIME) split into FILES netCDF-4 files DIR/out_NNN.nc along time,
#                                 deflate level 1 + shuffle, HDF5 chunks (1, 1, 256, 256), by netCDF4-python
#   small DIR FILES               FILES tiny netCDF-4 files (1 time step each) for the many-files measurement
#   convert DIR DST RANKS         open_mfdataset(nested, minimal, override) + chunk (8, 1, 256, 256), Blosc
#                                 lz4+shuffle clevel 5, xpartition v0.2.2 on a spawn Pool(RANKS); prints JSON
#                                 {seconds, initSeconds, ranks: [{rank, maxRSS, seconds}]}
#   compare A B DIR               both stores: same chunks, compressor, dtype; xarray reads them equal to the inputs
import glob
import json
import os
import sys

from xp_pool import run_pool

VARS = ("temp", "wind")


def make(raw_dir, t, out_dir, files):
    import netCDF4 as nc
    import numpy as np

    t, files = int(t), int(files)
    per = t // files
    shape = (t, 6, 256, 256)
    data = {v: np.memmap(os.path.join(raw_dir, f"{v}.f32"), dtype="<f4", mode="r", shape=shape) for v in VARS}
    for i in range(files):
        d = nc.Dataset(os.path.join(out_dir, f"out_{i:03d}.nc"), "w", format="NETCDF4")
        d.createDimension("time", None)
        for k, n in (("tile", 6), ("y", 256), ("x", 256)):
            d.createDimension(k, n)
        d.title = "D1"
        tv = d.createVariable("time", "f8", ("time",))
        tv.units = "hours since 2000-01-01"
        tv[:] = np.arange(i * per, (i + 1) * per, dtype="f8")
        for v, units in (("temp", "K"), ("wind", "m s-1")):
            x = d.createVariable(v, "f4", ("time", "tile", "y", "x"), zlib=True, complevel=1, shuffle=True, chunksizes=(1, 1, 256, 256))
            x.units = units
            x[:] = data[v][i * per:(i + 1) * per]
        d.close()


def small(out_dir, files):
    import netCDF4 as nc
    import numpy as np

    for i in range(int(files)):
        d = nc.Dataset(os.path.join(out_dir, f"f_{i:04d}.nc"), "w", format="NETCDF4")
        d.createDimension("time", None)
        d.createDimension("x", 64)
        tv = d.createVariable("time", "f8", ("time",))
        tv.units = "hours since 2000-01-01"
        tv[:] = [i]
        v = d.createVariable("v", "f4", ("time", "x"), zlib=True, shuffle=True)
        v[:] = np.arange(64, dtype="f4")[None] + i
        d.close()


def _inputs(in_dir):
    return sorted(glob.glob(os.path.join(in_dir, "out_*.nc")))


def _open(in_dir):
    import xarray as xr
    from numcodecs import Blosc

    ds = xr.open_mfdataset(_inputs(in_dir), combine="nested", concat_dim="time", data_vars="minimal", coords="minimal", compat="override")
    ds = ds.chunk({"time": 8, "tile": 1, "y": 256, "x": 256})
    comp = Blosc(cname="lz4", clevel=5, shuffle=Blosc.SHUFFLE)
    for name, v in ds.variables.items():
        # The netCDF encoding (zlib, chunksizes...) means nothing to zarr: keep only what decodes the values.
        v.encoding = {k: v.encoding[k] for k in ("units", "calendar", "dtype", "_FillValue") if k in v.encoding}
        if name in VARS:
            v.encoding["compressor"] = comp
    return ds


def convert(in_dir, dst, ranks):
    run_pool(_open, in_dir, dst, ranks)


def compare(a, b, in_dir):
    import xarray as xr
    import zarr

    ga, gb = zarr.open_group(a, mode="r"), zarr.open_group(b, mode="r")
    out = {}
    for n in VARS:
        x, y = ga[n], gb[n]
        for attr in ("shape", "chunks", "dtype", "compressor"):
            assert getattr(x, attr) == getattr(y, attr), f"{n}: {attr} {getattr(x, attr)} vs {getattr(y, attr)}"
        out[n] = {"chunks": list(x.chunks), "compressor": x.compressor.get_config()}
    ref = xr.open_mfdataset(_inputs(in_dir), combine="nested", concat_dim="time", data_vars="minimal", coords="minimal", compat="override").load()
    for s in (a, b):
        xr.testing.assert_equal(ref, xr.open_zarr(s).load())
    print(json.dumps(out))


if __name__ == "__main__":
    mode, *args = sys.argv[1:]
    {"make": make, "small": small, "convert": convert, "compare": compare}[mode](*args)
