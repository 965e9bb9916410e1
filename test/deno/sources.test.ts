// Deno: openZarr reads a zarr v3 group written by zarrita and a v2 group with bare NaN attributes (from memory).
import * as zarr from "zarrita";
import { openZarr } from "../../dist/sources/index.js";

function assert(cond: unknown, msg: string): asserts cond {
  if (!cond) throw new Error(msg);
}

Deno.test("openZarr reads v3 (zarrita) and v2 (bare NaN attributes) under Deno", async () => {
  const store = new Map<string, Uint8Array>();
  const root = await zarr.create(store, { attributes: { title: "deno" } });
  const rootDoc = new TextDecoder().decode(store.get("/zarr.json")!);
  const a = await zarr.create(root.resolve("a"), { shape: [4, 5], chunkShape: [3, 2], dtype: "int32", fillValue: -1, dimensionNames: ["y", "x"] });
  await zarr.set(a, [zarr.slice(0, 3), null], { data: Int32Array.from({ length: 15 }, (_, i) => i), shape: [3, 5], stride: [5, 1] });
  const aDoc = JSON.parse(new TextDecoder().decode(store.get("/a/zarr.json")!));
  store.set("/zarr.json", new TextEncoder().encode(JSON.stringify({ ...JSON.parse(rootDoc), consolidated_metadata: { kind: "inline", must_understand: false, metadata: { a: aDoc } } })));
  const ds = await openZarr(store);
  const got = Array.from(await ds.get("a")!.compute([{ start: 2, stop: 4 }, { start: 1, stop: 4 }]) as Int32Array);
  assert(JSON.stringify(got) === JSON.stringify([11, 12, 13, -1, -1, -1]), `v3 region: ${got}`);
  assert(ds.attrs.title === "deno", "v3 attributes");

  const v2 = new Map<string, Uint8Array>();
  const enc = (s: string) => new TextEncoder().encode(s);
  v2.set("/.zgroup", enc('{"zarr_format": 2}'));
  v2.set("/.zattrs", enc('{"bad": NaN}'));
  v2.set("/.zmetadata", enc('{"metadata": {".zgroup": {"zarr_format": 2}, ".zattrs": {"bad": NaN}, "b/.zarray": {"zarr_format": 2, "shape": [3], "chunks": [2], "dtype": "<f8", "order": "C", "compressor": null, "filters": null, "fill_value": "NaN"}, "b/.zattrs": {"_ARRAY_DIMENSIONS": ["n"]}}}'));
  v2.set("/b/0", new Uint8Array(Float64Array.from([1.5, 2.5]).buffer));
  const ds2 = await openZarr(v2);
  assert(Number.isNaN(ds2.attrs.bad), "bare NaN attribute");
  const b = Array.from(await ds2.get("b")!.compute() as Float64Array);
  assert(b[0] === 1.5 && b[1] === 2.5 && Number.isNaN(b[2]), `v2 values: ${b}`);
});
