// PartitionMapper: the original's test_PartitionMapper_integration and its error test, ported; read back with
// zarrita (an independent reader). The same cases read by Debian's xarray: test/system/mapper.test.ts.
import { describe, expect, it } from "vitest";
import { mkdtempSync, readdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Dataset, FileSystemStore, fromArray, type TypedArray } from "../../src/index.js";
import { readCompletionRecord } from "../../src/write/write.js";
import "../../src/mapper/index.js";
import { PartitionMapperError } from "../../src/mapper/index.js";
import { readAll } from "../write/helpers.js";
import { mapperDataset, renameFunc } from "./helpers.js";

const tmp = () => mkdtempSync(join(tmpdir(), "xp-mapper-"));
const arr = (a: ArrayLike<unknown>) => Array.from(a as ArrayLike<number>);

function mtimes(dir: string, names: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const n of names) for (const f of readdirSync(join(dir, n), { recursive: true }) as string[]) {
    const p = join(dir, n, f);
    if (statSync(p).isFile()) out[p] = statSync(p).mtimeMs;
  }
  return out;
}

describe("PartitionMapper (the original's integration test)", () => {
  for (const hasCoord of [true, false]) for (const hasChunkedCoord of [true, false]) for (const chunks of [{ x: 2 }, { x: 2, y: 5 }]) {
    it(`coord ${hasCoord}, chunked coord ${hasChunkedCoord}, chunks ${JSON.stringify(chunks)}: equal to func(data) computed whole`, async () => {
      const ds = mapperDataset(chunks, hasCoord, hasChunkedCoord);
      const dir = tmp();
      const store = new FileSystemStore(dir);
      const mapper = ds.dataVars.z!.partition.map(store, 3, ["x"], renameFunc, ds);
      expect(mapper.ranks).toEqual([0, 1, 2]);
      const unchunked = Object.values(ds.variables).filter((v) => !v.chunked).map((v) => v.name!);
      let before: Record<string, number> | undefined;
      let i = 0;
      for await (const rank of mapper) {
        if (i++ === 0) before = mtimes(dir, unchunked);
        const record = await mapper.write(rank);
        expect(record.rank).toBe(rank);
      }
      expect(i).toBe(3);
      // Unchunked variables are written once, by the initialisation.
      expect(mtimes(dir, unchunked)).toEqual(before);
      for (const r of [0, 1, 2]) expect((await readCompletionRecord(store, r))?.idle).toBe(false);

      const expected = renameFunc(ds);
      const got = await readAll(store, 3);
      expect(got.attrs).toMatchObject({ dataset_attr: "fun" });
      expect(Object.keys(got.arrays).sort()).toEqual(Object.keys(expected.variables).sort());
      for (const [name, v] of Object.entries(expected.variables)) {
        expect(got.arrays[name]!.shape).toEqual([...v.shape]);
        expect(arr(got.arrays[name]!.data)).toEqual(arr(await v.compute() as TypedArray));
      }
      expect(got.arrays.new_name!.attrs).toMatchObject({ an: "attr" });
    });
  }

  it("output with unchunked data variables or non-dimension coordinates is the original's error, naming them", async () => {
    // The original's test_PartitionMapper_integration_error: a unchunked, b chunked {x: 1}, func = identity.
    const a = Float64Array.from({ length: 50 }, () => 1);
    const ds = new Dataset({
      coords: { x: { dims: ["x"], data: Float64Array.from([0, 1, 2, 3, 4]) }, c: { dims: ["x"], data: Float64Array.from([0, 1, 2, 3, 4]) } },
      dataVars: { a: { dims: ["x", "y"], data: fromArray(a, [5, 10]) }, b: { dims: ["x", "y"], data: fromArray(a, [5, 10], { chunks: [1, 10] }) } },
    });
    const dir = tmp();
    const mapper = ds.dataVars.b!.partition.map(new FileSystemStore(dir), 3, ["x"], (d) => d, ds);
    const run = async () => { for await (const rank of mapper) await mapper.write(rank); };
    await expect(run()).rejects.toThrow(PartitionMapperError);
    await expect(mapper.template()).rejects.toThrow(/The PartitionMapper approach does not support .*"c", "a"/);
    expect(readdirSync(dir)).toEqual([]); // nothing written
  });

  it("idle ranks write an idle record; ds.partition.map partitions by the dataset's own chunks; func may be async", async () => {
    const ds = mapperDataset({ x: 2 }, true, false);
    const dir = tmp();
    const store = new FileSystemStore(dir);
    const mapper = ds.partition.map(store, 5, ["x"], async (d) => renameFunc(d));
    expect(mapper.region(3)).toBeNull();
    for await (const rank of mapper) await mapper.write(rank);
    expect((await readCompletionRecord(store, 4))?.idle).toBe(true);
    expect((await readCompletionRecord(store, 1))?.idle).toBe(false);
    const got = await readAll(store, 3);
    expect(arr(got.arrays.new_name!.data)).toEqual(Array.from({ length: 50 }, (_, i) => i * 0.5 + 1));
  });
});
