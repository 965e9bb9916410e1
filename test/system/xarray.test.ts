// zarr v2 stores written rank by rank by SEPARATE OS PROCESSES, read back by Debian's xarray + zarr
// (`xr.open_zarr(path, consolidated=True)`) and by zarrita: identical values, dims, coords, attrs and dtypes.
import { beforeAll, describe, expect, it } from "vitest";
import { execFile, execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import * as zarr from "zarrita";
import { FileSystemStore, initializeStore } from "xpartition";
// @ts-expect-error plain ESM fixture shared with the rank processes
import { CASES, caseDataset, fullArray } from "./fixtures/xarray-cases.mjs";
import { expectVerified } from "../helpers/verify.js";

const run = promisify(execFile);
const repo = resolve(import.meta.dirname, "../..");
const fixtures = join(repo, "test/system/fixtures");
const NUMPY: Record<string, string> = {
  bool: "|b1", int8: "|i1", uint8: "|u1", int16: "<i2", uint16: "<u2", int32: "<i4", uint32: "<u4",
  int64: "<i8", uint64: "<u8", float32: "<f4", float64: "<f8",
};

interface Case { name: string; ranks: number; dims: string[]; vars: [string, string, string[], number[], number[], Record<string, unknown>][]; time?: number }
let root = "";
const unchunkedFiles: string[] = [];
let mtimes: number[] = [];

beforeAll(async () => {
  if (!existsSync(join(repo, "dist/index.js"))) execFileSync(process.execPath, [join(repo, "scripts/build.mjs")], { cwd: repo, stdio: "inherit" });
  root = mkdtempSync(join(tmpdir(), "xp-xarray-"));
  const manifest = [];
  for (const c of CASES as Case[]) {
    const ds = caseDataset(c);
    const store = join(root, `${c.name}.zarr`);
    await initializeStore(ds, store, { zarrFormat: 2 });
    const vars = [];
    for (const [name, v] of Object.entries(ds.variables)) {
      const n = v.shape.reduce((p: number, s: number) => p * s, 1);
      const data = v.chunks ? await v.compute() : v.data;
      const file = `${c.name}.${name}.raw`;
      writeFileSync(join(root, file), new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      if (!v.chunks) unchunkedFiles.push(join(store, name, v.shape.map(() => "0").join(".")));
      const fill = (v.encoding as { fillValue?: number }).fillValue;
      vars.push({
        name, file, numpy: NUMPY[v.dtype], shape: v.shape, dims: v.dims,
        attrs: name === "time" ? {} : v.attrs, ...(fill !== undefined ? { maskValue: fill } : {}),
        ...(name === "time" ? { timeUnits: v.attrs.units } : {}),
      });
      if (c.vars.some((x) => x[0] === name)) expect(data.length).toBe(n);
    }
    const first = c.vars[0]![5] as { compressor?: { id: string } | null };
    // No compressor given: the default, Blosc lz4 clevel 5 with byte shuffle (bitshuffle for 1-byte types).
    const byDefault = first.compressor === undefined;
    const oneByte = NUMPY[c.vars[0]![1]]!.endsWith("1");
    manifest.push({
      name: c.name, attrs: { title: c.name, version: 3 }, coords: Object.keys(ds.coords), vars,
      codecVar: c.vars[0]![0], codec: byDefault ? "blosc" : first.compressor ? first.compressor.id : null,
      ...(byDefault ? { codecConfig: { cname: "lz4", clevel: 5, shuffle: oneByte ? 2 : 1 } } : {}),
    });
  }
  writeFileSync(join(root, "manifest.json"), JSON.stringify(manifest));
  mtimes = unchunkedFiles.map((f) => statSync(f).mtimeMs);
  await new Promise((r) => setTimeout(r, 20));
  // Every rank is its own OS process; all run at once, as an array job would.
  const maxRanks = Math.max(...(CASES as Case[]).map((c) => c.ranks));
  const outs = await Promise.all(Array.from({ length: maxRanks }, (_, rank) => run(process.execPath, [join(fixtures, "write-rank.mjs"), root, String(rank)], { cwd: repo })));
  outs.forEach((o, rank) => expect(o.stdout.trim()).toBe(`rank ${rank} done`));
}, 300_000);

describe("zarr v2 stores written by separate rank processes", () => {
  it("write never touched the unchunked variables' files", () => {
    expect(unchunkedFiles.length).toBeGreaterThan(5);
    expect(unchunkedFiles.map((f) => statSync(f).mtimeMs)).toEqual(mtimes);
  });

  it("Debian's xarray (consolidated) reads identical values, dims, coords, attrs, dtypes and codecs", async () => {
    const { stdout } = await run("/usr/bin/python3", [join(fixtures, "check_xarray.py"), root], { maxBuffer: 1 << 24 });
    const results = JSON.parse(stdout) as { case: string; errors: string[] }[];
    expect(results.map((r) => r.case)).toEqual((CASES as Case[]).map((c) => c.name));
    for (const r of results) expect({ case: r.case, errors: r.errors }).toEqual({ case: r.case, errors: [] });
  }, 120_000);

  it("zarrita reads the same stores with identical values", async () => {
    for (const c of CASES as Case[]) {
      const store = await zarr.withConsolidatedMetadata(new FileSystemStore(join(root, `${c.name}.zarr`)) as never, { format: "v2" });
      for (const [name, dtype, , shape] of c.vars) {
        const a = await zarr.open(zarr.root(store).resolve(name), { kind: "array" });
        const got = (await zarr.get(a)).data as ArrayLike<unknown>;
        const want = fullArray(dtype, shape.reduce((p, s) => p * s, 1)) as ArrayLike<unknown>;
        const norm = (x: ArrayLike<unknown>) => Array.from(x as Iterable<unknown>, (e) => String(typeof e === "boolean" ? Number(e) : e));
        expect(norm(got)).toEqual(norm(want));
      }
    }
  });

  it("xpartition verify proves every store whole: each chunk decoded by zarrita + numcodecs.js and matched against its rank's manifest", async () => {
    for (const c of CASES as Case[]) {
      const r = await expectVerified(join(root, `${c.name}.zarr`));
      expect(r.ranks, c.name).toMatchObject({ ranks: c.ranks, missing: [] });
      expect(r.chunks.manifested, c.name).toBeGreaterThan(0);
    }
  });
});
