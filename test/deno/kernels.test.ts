// Deno: the package loads by its name (through package.json's exports) and its WASM kernels run.
import { fill, allEqual, kernels } from "xpartition/kernels";

Deno.test("kernels load and fill under Deno", () => {
  const a = new Float64Array(1001);
  fill(a, -0);
  if (!Object.is(a[1000], -0)) throw new Error("fill(-0) did not write -0.0");
  if (!allEqual(a, -0) || allEqual(a, 0)) throw new Error("allEqual is not bitwise");
  const v = kernels().arena.allocView(Float32Array, 1 << 20);
  fill(v, NaN);
  if (!Number.isNaN(v[12345])) throw new Error("fill in WASM memory failed");
});
