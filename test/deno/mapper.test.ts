// Deno: a PartitionMapper (func over each rank's region, the store initialised from rank 0's output) and
// writeRegion into a sharded (innerChunks) store; zarrita reads the result through shard byte ranges.
import * as zarr from "zarrita";
import { Dataset, fromArray, FileSystemStore } from "xpartition";
import "../../dist/mapper/index.js";

Deno.test("PartitionMapper with innerChunks under Deno, read back with zarrita", async () => {
  const dir = await Deno.makeTempDir({ prefix: "xp-deno-mapper-" });
  try {
    const z = Float64Array.from({ length: 8 * 6 }, (_, i) => i * 0.5);
    const ds = new Dataset({
      coords: { x: { dims: ["x"], data: Float64Array.from({ length: 8 }, (_, i) => 10 + i) } },
      dataVars: { z: { dims: ["x", "y"], data: fromArray(z, [8, 6], { chunks: [2, 6] }), attrs: { units: "m" } } },
    });
    const func = async (d: Dataset) => d.rename({ z: "h" }).assignAttrs({ mapped: "yes" });
    const mapper = ds.dataVars.z!.partition.map(`${dir}/m.zarr`, 3, ["x"], func, ds, { innerChunks: { y: 3 } });
    for await (const rank of mapper) await mapper.write(rank);
    const store = await zarr.withConsolidatedMetadata(new FileSystemStore(`${dir}/m.zarr`) as never, { format: "v3" });
    const grp = await zarr.open(store, { kind: "group" });
    if ((grp.attrs as { mapped?: string }).mapped !== "yes") throw new Error("dataset attrs lost");
    const h = await zarr.open(grp.resolve("h"), { kind: "array" });
    const got = await zarr.get(h);
    if (Array.from(got.data as Float64Array).join() !== Array.from(z).join()) throw new Error("h differs");
    const meta = JSON.parse(await Deno.readTextFile(`${dir}/m.zarr/h/zarr.json`));
    if (JSON.stringify(meta.codecs[0].configuration.chunk_shape) !== "[2,3]") throw new Error(`inner chunks ${JSON.stringify(meta.codecs[0])}`);
    const x = await zarr.get(await zarr.open(grp.resolve("x"), { kind: "array" }));
    if (Array.from(x.data as Float64Array).join() !== "10,11,12,13,14,15,16,17") throw new Error("x differs");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
