// A store re-opened from plain options in writeAll's worker threads, and writePlan taking any store argument
// initializeStore takes (issue 15, findings 2 and 8). Worker threads need the built dist/.
import { describe, expect, it } from "vitest";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { writeAll } from "../../dist/run/pool.js";
import { FileSystemStore } from "../../dist/store/index.js";
import { readPlan, writePlan } from "../../src/run/records.js";

const fixture = resolve(import.meta.dirname, "../fixtures/small-dataset.mjs");
const tmp = () => mkdtempSync(join(tmpdir(), "xp-reopen-"));

describe("writeAll reopens its store in each worker thread", () => {
  it.each(["path", "file: URL", "FileSystemStore"])("from a %s naming a hostile path", async (kind) => {
    const dir = tmp();
    const path = join(dir, "r e#o?p%41é.zarr");
    const store = kind === "path" ? path : kind === "file: URL" ? pathToFileURL(path) : new FileSystemStore(path);
    const res = await writeAll({ dataset: fixture, store, ranks: 3, dims: ["time"], workers: 2 });
    expect(res.written).toEqual([0, 1, 2]);
    expect(readdirSync(dir)).toEqual(["r e#o?p%41é.zarr"]);
    for (const r of [0, 1, 2]) expect(existsSync(join(path, ".xpartition", "ranks", `${r}.json`))).toBe(true);
    expect(existsSync(join(path, "a", "c", "5", "1"))).toBe(true);
  }, 60_000);

  it("refuses a Map (it lives in one thread) and an unsupported scheme before anything is written", async () => {
    await expect(writeAll({ dataset: fixture, store: new Map() as never, ranks: 2, dims: ["time"] })).rejects.toThrow(
      /store must be a path or a file: URL \(or a FileSystemStore\), since every worker thread reopens it: .*cannot be reopened in another thread/,
    );
    await expect(writeAll({ dataset: fixture, store: "gs://bucket/x.zarr", ranks: 2, dims: ["time"] })).rejects.toThrow(/unknown scheme "gs:"/);
    expect(existsSync("gs:")).toBe(false);
  });
});

describe("writePlan", () => {
  it("takes a path, a file: URL or a store object, as initializeStore does", async () => {
    const plan = { ranks: 4, dims: ["time"] };
    for (const arg of ["path", "url", "store", "map"] as const) {
      const dir = join(tmp(), "p q#é.zarr");
      const m = new Map<string, Uint8Array>();
      const store = arg === "path" ? dir : arg === "url" ? pathToFileURL(dir) : arg === "store" ? new FileSystemStore(dir) : m;
      if (arg !== "map") await new FileSystemStore(dir).createRoot();
      await writePlan(store, plan);
      if (arg === "map") expect(await readPlan(m, "map")).toEqual(plan);
      else expect(JSON.parse(readFileSync(join(dir, ".xpartition", "plan.json"), "utf8"))).toEqual(plan);
    }
  });
});
