// Deno: the worker-thread pool (node:worker_threads under Deno) with a stub task, 1..3 workers.
import { runTaskPool } from "../../dist/run/threads.js";

const workerUrl = new URL("../fixtures/stub-worker.mjs", import.meta.url);
const items = Array.from({ length: 9 }, (_, i) => i);

for (const workers of [1, 2, 3]) {
  Deno.test(`runTaskPool under Deno with ${workers} workers`, async () => {
    const res = await runTaskPool({ workerUrl, workerData: { fail: [4] }, items, workers });
    const done = [...res.done.keys()].sort((a, b) => a - b);
    if (done.join() !== "0,1,2,3,5,6,7,8") throw new Error(`done ${done}`);
    if (res.failed.get(4)?.message !== "item 4 failed") throw new Error("item 4 should fail");
  });
}
