// Deno: the writer writes a small store through the filesystem store and zarrita reads it back.
import * as zarr from "zarrita";
import { Dataset, fromArray, lazy, initializeStore, writePartition, FileSystemStore } from "xpartition";

Deno.test("write a zarr v3 store to the filesystem under Deno and read it back with zarrita", async () => {
  const dir = await Deno.makeTempDir({ prefix: "xp-deno-" });
  try {
    const values = Float32Array.from({ length: 6 * 10 }, (_, i) => i * 0.5);
    const ds = new Dataset({
      coords: { x: { dims: ["x"], data: Float64Array.from({ length: 10 }, (_, i) => i) } },
      dataVars: {
        v: {
          dims: ["t", "x"],
          data: lazy({
            shape: [6, 10], dtype: "float32", chunks: [4, 3],
            compute: (region, out) => {
              const [rt, rx] = region;
              const o = (out as Float32Array) ?? new Float32Array((rt.stop - rt.start) * (rx.stop - rx.start));
              let p = 0;
              for (let t = rt.start; t < rt.stop; t++) for (let x = rx.start; x < rx.stop; x++) o[p++] = values[t * 10 + x];
              return o;
            },
          }),
        },
        w: { dims: ["x"], data: fromArray(Int16Array.from({ length: 10 }, (_, i) => -i), [10], { chunks: [4] }) },
      },
      attrs: { title: "deno" },
    });
    for (const format of [2, 3] as const) {
      const path = `${dir}/s${format}.zarr`;
      await initializeStore(ds, path, { zarrFormat: format, durable: true });
      for (let r = 0; r < 3; r++) await writePartition(ds, path, { ranks: 3, dims: ["x", "t"], rank: r, durable: true });
      const store = await zarr.withConsolidatedMetadata(new FileSystemStore(path) as never, { format: format === 2 ? "v2" : "v3" });
      const grp = await zarr.open(store, { kind: "group" });
      if ((grp.attrs as { title?: string }).title !== "deno") throw new Error("group attrs lost");
      const v = await zarr.get(await zarr.open(grp.resolve("v"), { kind: "array" }));
      if (Array.from(v.data as Float32Array).join() !== Array.from(values).join()) throw new Error(`v${format}: values differ`);
      const w = await zarr.get(await zarr.open(grp.resolve("w"), { kind: "array" }));
      if (Array.from(w.data as Int16Array).join() !== Array.from({ length: 10 }, (_, i) => -i).join()) throw new Error(`v${format}: w differs`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a sharded zarr v3 variable written to the filesystem under Deno reads back with zarrita (getRange)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "xp-deno-shard-" });
  try {
    const values = Float32Array.from({ length: 9 * 7 }, (_, i) => (i % 5 === 0 ? 0 : i * 0.25));
    const ds = new Dataset({
      dataVars: {
        s: {
          dims: ["t", "x"],
          data: fromArray(values, [9, 7], { chunks: [2, 3] }),
          encoding: { shards: [4, 6], codecs: [{ name: "zstd", configuration: { level: 1, checksum: false } }] },
        },
      },
    });
    const path = `${dir}/sharded.zarr`;
    await initializeStore(ds, path, { zarrFormat: 3 });
    for (let r = 0; r < 2; r++) await writePartition(ds, path, { ranks: 2, dims: ["t"], rank: r });
    const store = await zarr.withConsolidatedMetadata(new FileSystemStore(path) as never, { format: "v3" });
    const s = await zarr.get(await zarr.open((await zarr.open(store, { kind: "group" })).resolve("s"), { kind: "array" }));
    if (Array.from(s.data as Float32Array).join() !== Array.from(values).join()) throw new Error("sharded values differ");
    const meta = JSON.parse(await Deno.readTextFile(`${path}/s/zarr.json`));
    if (meta.codecs[0].name !== "sharding_indexed" || meta.chunk_grid.configuration.chunk_shape.join() !== "4,6") throw new Error("not sharded");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
