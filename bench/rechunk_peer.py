# The Python side of bench/rechunk.bench.mjs (Debian's xarray + dask + zarr 2, and the original xpartition
# v0.2.2 from the path in XPARTITION_PY). Modes:
#   make RAW_DIR TIME STORE      D1 from raw float32 files (written by the benchmark from xpartition/demo) to a
#                                zarr v2 store, Blosc lz4+shuffle clevel 5, chunks (1, 1, 256, 256), by xarray
#   rechunk SRC DST RANKS        xarray open_zarr + chunk(time=24) + xpartition v0.2.2 on a spawn Pool(RANKS);
#                                prints JSON {seconds, ranks: [{rank, maxRSS, seconds}]}
#   compare A B [SRC]            both stores: same variables, chunks, compressor, filters, dtype; equal values
#                                (and equal to SRC's)
import json
import os
import sys

from xp_pool import run_pool


def d1_dataset(raw_dir, t):
    import numpy as np
    import xarray as xr

    shape = (t, 6, 256, 256)
    dims = ("time", "tile", "y", "x")
    data = {v: np.fromfile(os.path.join(raw_dir, f"{v}.f32"), dtype="<f4").reshape(shape) for v in ("temp", "wind")}
    return xr.Dataset(
        {
            "temp": (dims, data["temp"], {"units": "K", "long_name": "temperature"}),
            "wind": (dims, data["wind"], {"units": "m s-1", "long_name": "wind speed"}),
        },
        coords={"time": ("time", np.arange(t, dtype="f8"))},
        attrs={"title": "D1"},
    )


def make(raw_dir, t, store):
    from numcodecs import Blosc

    ds = d1_dataset(raw_dir, int(t))
    comp = Blosc(cname="lz4", clevel=5, shuffle=Blosc.SHUFFLE)
    enc = {v: {"chunks": (1, 1, 256, 256), "compressor": comp} for v in ("temp", "wind")}
    ds.to_zarr(store, mode="w", encoding=enc, consolidated=True)


def _open(src):
    import xarray as xr

    ds = xr.open_zarr(src).chunk({"time": 24, "tile": 1, "y": 256, "x": 256})
    for v in ds.variables.values():
        # Without this, to_zarr would keep the source's chunks (1, 1, 256, 256): drop it so that it rechunks.
        v.encoding.pop("chunks", None)
        v.encoding.pop("preferred_chunks", None)
    return ds


def rechunk(src, dst, ranks):
    run_pool(_open, src, dst, ranks)


def compare(a, b, src=None):
    import numpy as np
    import zarr

    ga, gb = zarr.open_group(a, mode="r"), zarr.open_group(b, mode="r")
    names = sorted(k for k, _ in ga.arrays())
    assert names == sorted(k for k, _ in gb.arrays()), f"variables differ: {names} vs {sorted(k for k, _ in gb.arrays())}"
    out = {}
    for n in names:
        x, y = ga[n], gb[n]
        # A dimension coordinate: xarray keeps it in memory as an index and writes it as one chunk, we chunk it
        # like the data (--chunks time=24): its values are compared, not its chunks.
        dimcoord = x.attrs.get("_ARRAY_DIMENSIONS") == [n]
        for attr in ("shape", "dtype", "compressor", "filters", "order") + (() if dimcoord else ("chunks",)):
            assert getattr(x, attr) == getattr(y, attr), f"{n}: {attr} {getattr(x, attr)} vs {getattr(y, attr)}"
        assert x.attrs.get("_ARRAY_DIMENSIONS") == y.attrs.get("_ARRAY_DIMENSIONS"), f"{n}: dimensions differ"
        xv = x[...]
        np.testing.assert_array_equal(xv, y[...], err_msg=n)
        if src is not None:
            np.testing.assert_array_equal(xv, zarr.open_group(src, mode="r")[n][...], err_msg=f"{n} vs the source")
        out[n] = {"chunks": list(x.chunks), "peerChunks": list(y.chunks), "compressor": x.compressor.get_config() if x.compressor else None}
    print(json.dumps(out))


if __name__ == "__main__":
    mode, *args = sys.argv[1:]
    {"make": make, "rechunk": rechunk, "compare": compare}[mode](*args)
