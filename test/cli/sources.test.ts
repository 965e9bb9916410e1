// Sources on the command line, in process (no worker threads): SOURCE detection and globs, the source options,
// init recording how to rebuild the dataset, `write STORE` rebuilding it, and refusals (a differing option, a
// source changed since init, not a store, unknown dims). Sources are written by zarrita (v3); outputs are read
// back with zarrita, never with our reader.
import { beforeAll, describe, expect, it } from "vitest";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import * as zarr from "zarrita";
import { readFile } from "node:fs/promises";
import { main } from "../../src/cli/main.js";
import { globPaths, expandSources } from "../../src/sources/detect.js";
import { openSource } from "../../src/sources/source-spec.js";

const [T, X] = [7, 6];
let dir = "";

/** A v3 group written by zarrita into `path`: temp(time, x) float32 with time offset `t0`, coords time and x. */
async function source(path: string, t0: number, units = "K"): Promise<void> {
  const map = new Map<string, Uint8Array>();
  const root = await zarr.create(map, { attributes: { title: "zarrita source" } });
  const temp = await zarr.create(root.resolve("temp"), {
    shape: [T, X], chunkShape: [2, 4], dtype: "float32", fillValue: NaN, dimensionNames: ["time", "x"], attributes: { units },
  });
  await zarr.set(temp, null, { data: Float32Array.from({ length: T * X }, (_, i) => (t0 * X + i) * 0.5), shape: [T, X], stride: [X, 1] });
  const time = await zarr.create(root.resolve("time"), { shape: [T], chunkShape: [T], dtype: "int32", fillValue: 0, dimensionNames: ["time"] });
  await zarr.set(time, null, { data: Int32Array.from({ length: T }, (_, i) => t0 + i), shape: [T], stride: [1] });
  const x = await zarr.create(root.resolve("x"), { shape: [X], chunkShape: [X], dtype: "int32", fillValue: 0, dimensionNames: ["x"] });
  await zarr.set(x, null, { data: Int32Array.from({ length: X }, (_, i) => i * 10), shape: [X], stride: [1] });
  for (const [k, v] of map) {
    mkdirSync(dirname(join(path, k)), { recursive: true });
    writeFileSync(join(path, k), v);
  }
}

async function xp(args: string[], env: Record<string, string> = {}) {
  let out = "", err = "";
  const code = await main(args, { out: { write: (s: string) => (out += s) }, err: { write: (s: string) => (err += s) }, env, cwd: dir });
  return { code, out, err };
}

async function fails(args: string[], pattern: RegExp, code = 1) {
  const r = await xp(args);
  expect(r.err, r.out).toMatch(pattern);
  expect(r.err.trimEnd().split("\n")).toHaveLength(1);
  expect(r.code).toBe(code);
}

/** A directory as zarrita reads it: keys are files (nothing of ours between zarrita and the bytes). */
const dirStore = (root: string) => ({ get: (key: string) => readFile(join(root, key)).then((b) => new Uint8Array(b), () => undefined) });

/** All of a variable as zarrita reads it. */
async function read(store: string, name: string): Promise<{ data: ArrayLike<number>; shape: number[]; chunks: number[] }> {
  const a = await zarr.open(zarr.root(dirStore(store)).resolve(name), { kind: "array" });
  const r = await zarr.get(a);
  return { data: r.data as ArrayLike<number>, shape: a.shape, chunks: a.chunks };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "xpartition-sources-"));
  await source(join(dir, "a.zarr"), 0);
  await source(join(dir, "b.zarr"), T);
  mkdirSync(join(dir, "plain"));
  writeFileSync(join(dir, "plain", "x.txt"), "not zarr");
  mkdirSync(join(dir, ".hidden.zarr"));
});

describe("SOURCE arguments", () => {
  it("globs: *, ? and [..] expanded and sorted; a leading dot only matched by a dot; an existing path used as given", () => {
    expect(globPaths(join(dir, "*.zarr"))).toEqual([join(dir, "a.zarr"), join(dir, "b.zarr")]);
    expect(globPaths(join(dir, "?.zarr", "zarr.json"))).toEqual([join(dir, "a.zarr", "zarr.json"), join(dir, "b.zarr", "zarr.json")]);
    expect(globPaths(join(dir, "[!a].zarr"))).toEqual([join(dir, "b.zarr")]);
    expect(globPaths(join(dir, ".*.zarr"))).toEqual([join(dir, ".hidden.zarr")]);
    expect(expandSources(["b.zarr", "[ab].zarr"], dir)).toEqual(["b.zarr", join(dir, "a.zarr"), join(dir, "b.zarr")]);
    expect(() => expandSources(["c*.zarr"], dir)).toThrow(/no file or directory matches "c\*\.zarr"/);
  });

  it("init records the sources (globs expanded, absolute), normalised options and fingerprints; write STORE rebuilds the dataset", async () => {
    let r = await xp(["init", "[ab].zarr", "out.zarr", "--concat-dim", "time", "--chunks", "time=4", "--isel", "x=1:5", "--vars", "temp", "--rename", "temp=t,x=lon", "--ranks", "2", "--dims", "time"]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/write each with 'xpartition write out\.zarr --rank R'/);
    const plan = JSON.parse(readFileSync(join(dir, "out.zarr", ".xpartition", "plan.json"), "utf8"));
    expect(plan.source.kind).toBe("sources");
    expect(plan.source.sources.map((s: { location: string }) => s.location)).toEqual([join(dir, "a.zarr"), join(dir, "b.zarr")]);
    expect(plan.source.sources.every((s: { format: string; fingerprint: string }) => s.format === "zarr" && /^[0-9a-f]{32}$/.test(s.fingerprint))).toBe(true);
    expect(plan.source.options).toEqual({ vars: ["temp"], concatDim: "time", isel: { x: { start: 1, stop: 5 } }, chunks: { time: 4 }, rename: { temp: "t", x: "lon" } });
    // Rank 0 from the array job's variable, rank 1 with the SOURCE arguments repeated (checked against the record).
    r = await xp(["write", "out.zarr"], { SLURM_ARRAY_TASK_ID: "0" });
    expect(r.code, r.err).toBe(0);
    r = await xp(["write", "a.zarr", "b.zarr", "out.zarr", "--rank", "1", "--concat-dim", "time", "--chunks", "time=4", "--isel", "x=1:5", "--vars", "temp", "--rename", "temp=t", "--rename", "x=lon"]);
    expect(r.code, r.err).toBe(0);
    expect((await xp(["status", "out.zarr"])).code).toBe(0);
    // zarrita reads the concatenation of the sources, sliced along x, in chunks of 4 along time.
    const t = await read(join(dir, "out.zarr"), "t");
    expect(t.shape).toEqual([2 * T, 4]);
    expect(t.chunks[0]).toBe(4);
    const want: number[] = [];
    for (let i = 0; i < 2 * T; i++) for (let j = 1; j < 5; j++) want.push((i * X + j) * 0.5);
    expect(Array.from(t.data)).toEqual(want);
    expect(Array.from((await read(join(dir, "out.zarr"), "lon")).data)).toEqual([10, 20, 30, 40]);
    expect(Array.from((await read(join(dir, "out.zarr"), "time")).data)).toEqual(Array.from({ length: 2 * T }, (_, i) => i));
  });

  it("write refuses a differing option, another source, or source options without SOURCE, naming them", async () => {
    const base = ["--concat-dim", "time", "--chunks", "time=4", "--isel", "x=1:5", "--vars", "temp", "--rename", "temp=t,x=lon", "--rank", "0"];
    await fails(["write", "a.zarr", "b.zarr", "out.zarr", ...base.map((s) => (s === "time=4" ? "time=5" : s))], /initialised from another source: --chunks time=5 differs from the recorded time=4/);
    await fails(["write", "b.zarr", "a.zarr", "out.zarr", ...base], /source .*b\.zarr is not the recorded one, .*a\.zarr/);
    await fails(["write", "a.zarr", "b.zarr", "out.zarr", ...base.filter((s, i) => i !== 2 && i !== 3)], /--chunks \(not given\) differs from the recorded time=4/);
    await fails(["write", "out.zarr", "--chunks", "time=4", "--rank", "0"], /--chunks needs the SOURCE arguments/, 2);
  });

  it("a source changed between init and write is refused before anything is written", async () => {
    await source(join(dir, "c.zarr"), 0);
    expect((await xp(["init", "c.zarr", "c-out.zarr", "--ranks", "2", "--dims", "time"])).code).toBe(0);
    await source(join(dir, "c.zarr"), 0, "degC"); // same shape, another attribute
    await fails(["write", "c-out.zarr", "--rank", "0"], /source .*c\.zarr changed since the store was initialised/);
    expect(existsSync(join(dir, "c-out.zarr", ".xpartition", "ranks", "0.json"))).toBe(false);
    expect(existsSync(join(dir, "c-out.zarr", "temp", "c", "0", "0"))).toBe(false);
  });

  it("bad SOURCE arguments and options: clear errors naming them, nothing written", async () => {
    await fails(["init", "plain", "o1.zarr", "--ranks", "2", "--dims", "time"], /plain is not a source: expected a dataset module .* or a zarr store/);
    await fails(["init", "nothing.zarr", "o1.zarr", "--ranks", "2", "--dims", "time"], /source not found: .*nothing\.zarr/);
    await fails(["init", "z*.zarr", "o1.zarr", "--ranks", "2", "--dims", "time"], /no file or directory matches "z\*\.zarr"/);
    await fails(["init", "a.zarr", "b.zarr", "o1.zarr", "--ranks", "2", "--dims", "time"], /2 sources \(a\.zarr, b\.zarr\) need --concat-dim DIM/);
    await fails(["init", "a.zarr", "o1.zarr", "--chunks", "tme=4", "--ranks", "2", "--dims", "time"], /--chunks names dimension "tme", which the source does not have \(dimensions: time, x\)/);
    await fails(["init", "a.zarr", "o1.zarr", "--isel", "y=0:2", "--ranks", "2", "--dims", "time"], /--isel names dimension "y"/);
    await fails(["init", "a.zarr", "o1.zarr", "--chunks", "time=0", "--ranks", "2", "--dims", "time"], /--chunks time=0 is not valid: expected a chunk length >= 1, or -1/, 2);
    await fails(["init", "a.zarr", "o1.zarr", "--isel", "time=0:9:2", "--ranks", "2", "--dims", "time"], /--isel time=0:9:2: only step 1/, 2);
    await fails(["init", "a.zarr", "o1.zarr", "--encoding", "{bad", "--ranks", "2", "--dims", "time"], /--encoding is not valid JSON/, 2);
    await fails(["init", "a.zarr", "http://127.0.0.1:9/o.zarr", "--ranks", "2", "--dims", "time"], /store http:\/\/127\.0\.0\.1:9\/o\.zarr is read-only/, 2);
    writeFileSync(join(dir, "m.mjs"), "export default null;\n");
    await fails(["init", "m.mjs", "o1.zarr", "--chunks", "time=2", "--ranks", "2", "--dims", "time"], /--chunks apply to data sources, not to a dataset module/);
    expect(existsSync(join(dir, "o1.zarr"))).toBe(false);
  });

  it("--concat-dim of sources whose length is not a multiple of their chunks (temp: 7 steps in chunks of 2) gives a regular grid", async () => {
    let r = await xp(["init", "a.zarr", "b.zarr", "reg.zarr", "--concat-dim", "time", "--ranks", "2", "--dims", "time"]);
    expect(r.code, r.err).toBe(0);
    for (const rank of ["0", "1"]) expect((r = await xp(["write", "reg.zarr", "--rank", rank])).code, r.err).toBe(0);
    const t = await read(join(dir, "reg.zarr"), "temp");
    expect(t.chunks).toEqual([2, 4]);
    expect(Array.from(t.data)).toEqual(Array.from({ length: 2 * T * X }, (_, i) => i * 0.5));
  });

  it("--concat-dim refuses sources that encode a variable differently (values pass through encoded), naming it", async () => {
    await source(join(dir, "d.zarr"), T, "degC");
    await fails(["init", "a.zarr", "d.zarr", "o2.zarr", "--concat-dim", "time", "--ranks", "2", "--dims", "time"], /concat along "time": variable "temp" of .*d\.zarr has units "degC", but .*a\.zarr has "K"/);
    expect(existsSync(join(dir, "o2.zarr"))).toBe(false);
  });

  it("--isel with an integer drops the dim; --drop and --encoding; plan names the sources' dims", async () => {
    const enc = join(dir, "enc.json");
    writeFileSync(enc, JSON.stringify({ temp: { compressor: null } }));
    let r = await xp(["init", "a.zarr", "i.zarr", "--isel", "x=2", "--encoding", `@${enc}`, "--zarr-format", "2", "--ranks", "1", "--dims", "time"]);
    expect(r.code, r.err).toBe(0);
    r = await xp(["write", "i.zarr", "--rank", "0"]);
    expect(r.code, r.err).toBe(0);
    const zarray = JSON.parse(readFileSync(join(dir, "i.zarr", "temp", ".zarray"), "utf8"));
    expect(zarray.compressor).toBeNull();
    expect(zarray.shape).toEqual([T]);
    expect(JSON.parse(readFileSync(join(dir, "i.zarr", "temp", ".zattrs"), "utf8"))._ARRAY_DIMENSIONS).toEqual(["time"]);
    expect(Array.from((await read(join(dir, "i.zarr"), "temp")).data)).toEqual(Array.from({ length: T }, (_, i) => (i * X + 2) * 0.5));
    r = await xp(["plan", "a.zarr", "--drop", "temp", "--ranks", "2", "--dims", "tim"]);
    expect(r.err).toMatch(/"tim"/);
  });

  it("writeAll({ source }): each worker thread rebuilds the dataset from the spec; the store records it", async () => {
    // The pool's workers run dist/ (built), so the library is taken from there too.
    const { writeAll } = await import("xpartition");
    const source = { kind: "sources" as const, sources: [{ location: join(dir, "a.zarr"), format: "zarr" }], options: { chunks: { time: 3 } } };
    const res = await writeAll({ source, store: join(dir, "pool.zarr"), ranks: 3, dims: ["time"], workers: 2 });
    expect(res.written).toEqual([0, 1, 2]);
    const plan = JSON.parse(readFileSync(join(dir, "pool.zarr", ".xpartition", "plan.json"), "utf8"));
    // The spec as given, with each source's metadata fingerprint added.
    expect(plan.source).toEqual({ ...source, sources: [{ ...source.sources[0], fingerprint: expect.stringMatching(/^[0-9a-f]{32}$/) }] });
    const t = await read(join(dir, "pool.zarr"), "temp");
    expect(t.chunks).toEqual([3, 4]);
    expect(Array.from(t.data)).toEqual(Array.from({ length: T * X }, (_, i) => i * 0.5));
    // resume with another spec: refused naming what differs.
    await expect(writeAll({ source: { ...source, options: { chunks: { time: 4 } } }, store: join(dir, "pool.zarr"), ranks: 3, dims: ["time"], resume: true }))
      .rejects.toThrow(/initialised from another source: --chunks time=4 differs from the recorded time=3/);
  });

  it("openSource rebuilds a spec; a module spec loads the module", async () => {
    const ds = await openSource({ kind: "sources", sources: [{ location: join(dir, "a.zarr"), format: "zarr" }], options: { isel: { time: { start: 2 } } } });
    expect(ds.sizes).toEqual({ time: T - 2, x: X });
    writeFileSync(join(dir, "mod.mjs"), `import { Dataset } from ${JSON.stringify(join(process.cwd(), "src", "model", "dataset.ts"))};\nexport const named = () => new Dataset({});\n`);
    await expect(openSource({ kind: "module", url: "file://" + join(dir, "mod.mjs"), export: "nope" })).rejects.toThrow(/has no export named "nope"/);
  });
});
