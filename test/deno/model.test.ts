// Deno: build a Dataset through the package's name and plan its partitions.
import { Dataset, lazy, fromArray, full, regionToRanges, UnknownDimensionError } from "xpartition";
import { ComputeCache } from "../../dist/internal.js";

function assert(cond: unknown, msg: string): asserts cond {
  if (!cond) throw new Error(msg);
}

Deno.test("a Dataset is built and planned under Deno", async () => {
  let calls = 0;
  const temp = lazy({
    shape: [4, 6],
    dtype: "float32",
    chunks: [1, 3],
    compute: (region, out) => {
      calls++;
      const n = (region[0]!.stop - region[0]!.start) * (region[1]!.stop - region[1]!.start);
      const a = (out as Float32Array | undefined) ?? new Float32Array(n);
      a.fill(region[0]!.start);
      return a;
    },
  });
  const ds = new Dataset({
    coords: { time: { dims: ["time"], data: Float64Array.from([0, 1, 2, 3]) } },
    dataVars: {
      temp: { dims: ["time", "x"], data: temp, attrs: { units: "K" } },
      twice: { dims: ["time", "x"], data: temp.map((v: number) => 2 * v) },
      mask: { dims: ["time", "x"], data: full([4, 6], "bool", true, { chunks: [2, 6] }) },
      grid: { dims: ["x"], data: fromArray(new Float64Array(6), [6], { chunks: [6] }) },
    },
  });
  assert(ds.sizes.time === 4 && ds.sizes.x === 6, "sizes");
  const plan = ds.partition.indexers(4, 3, ["time", "x"]);
  assert(JSON.stringify(plan.temp) === JSON.stringify({ time: { start: 3, stop: 4 }, x: { start: 0, stop: 6 } }), `temp plan ${JSON.stringify(plan.temp)}`);
  assert(plan.grid === null, "grid has nothing to do on rank 3");
  assert(ds.dataVars.temp!.partition.partition(4, ["time"]).every((r) => r !== null), "4 ranks over 4 time chunks");
  const cache = new ComputeCache();
  const ranges = regionToRanges(ds.dataVars.temp!, plan.temp!);
  const twice = await ds.dataVars.twice!.compute(ranges, undefined, cache);
  const t = await ds.dataVars.temp!.compute(ranges, undefined, cache);
  assert(twice[0] === 6 && t[0] === 3 && calls === 1, `cache: calls ${calls}`);
  let threw = false;
  try {
    ds.partition.indexers(4, 0, ["level"]);
  } catch (e) {
    threw = e instanceof UnknownDimensionError;
  }
  assert(threw, "unknown partition dim is an UnknownDimensionError");
});
