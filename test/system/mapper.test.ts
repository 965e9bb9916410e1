// The original's test_PartitionMapper_integration, read back by Debian's xarray: for each case a zarr v2 store
// is written by a PartitionMapper (3 ranks over x, func = rename + assignAttrs), and xarray checks that
// open_zarr(store) is identical to func(ds) built and computed whole by xarray itself.
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileSystemStore } from "../../src/index.js";
import "../../src/mapper/index.js";
import { mapperDataset, renameFunc } from "../mapper/helpers.js";

const CHECK = String.raw`
import json, sys
import numpy as np, xarray as xr
errors = []
for case in json.loads(sys.argv[1]):
    ds = xr.Dataset({"z": (["x", "y"], (np.arange(50) * 0.5 + 1).reshape((5, 10)), {"an": "attr"})}).chunk(case["chunks"])
    if case["coord"]:
        ds = ds.assign_coords(x=range(5))
    if case["chunkedCoord"]:
        ds = ds.assign_coords(b=xr.DataArray(range(5), dims=["x"]).chunk({"x": 5}))
    expected = ds.rename(z="new_name").assign_attrs(dataset_attr="fun")
    written = xr.open_zarr(case["store"])
    try:
        xr.testing.assert_identical(expected, written)
        for name in expected.variables:
            if expected[name].dtype != written[name].dtype:
                errors.append("%s: %s dtype %s, expected %s" % (case["store"], name, written[name].dtype, expected[name].dtype))
    except AssertionError as e:
        errors.append("%s: %s" % (case["store"], e))
print(json.dumps(errors))
`;

describe("PartitionMapper read back by xarray (zarr v2)", () => {
  it("every case of the original's integration test: open_zarr(store) identical to func(ds)", async () => {
    const root = mkdtempSync(join(tmpdir(), "xp-mapper-system-"));
    const cases: { store: string; chunks: Record<string, number>; coord: boolean; chunkedCoord: boolean }[] = [];
    for (const coord of [true, false]) for (const chunkedCoord of [true, false]) for (const chunks of [{ x: 2 }, { x: 2, y: 5 }]) {
      const store = join(root, `c${cases.length}.zarr`);
      const ds = mapperDataset(chunks, coord, chunkedCoord);
      const mapper = ds.dataVars.z!.partition.map(new FileSystemStore(store), 3, ["x"], renameFunc, ds, { zarrFormat: 2 });
      for await (const rank of mapper) await mapper.write(rank);
      cases.push({ store, chunks, coord, chunkedCoord });
    }
    // A control the check must fail: the store of case 1 (with b) compared with a dataset without b.
    const control = { ...cases[0]!, chunkedCoord: false };
    const r = spawnSync("/usr/bin/python3", ["-c", CHECK, JSON.stringify([...cases, control])], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    const errors = JSON.parse(r.stdout) as string[];
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(control.store);
  });
});
