// Limits: planning 150 000 ranks (no argument spread per rank, no ranks x chunks walk), `plan`/`init`/`status`
// at that rank count through the CLI with bounded output, and chunk grids too large to index refused up front.
import { describe, expect, it, beforeAll } from "vitest";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { Dataset } from "../../src/model/dataset.js";
import { lazy } from "../../src/model/lazy.js";
import { ChunksError } from "../../src/model/errors.js";
import { describePlan } from "../../src/run/describe.js";

const root = resolve(import.meta.dirname, "../..");
const bin = join(root, "dist", "cli", "main.js");
let dir = "";

const RANKS = 150_000;
/** float32 a (t 300 000, x 10) in chunks of (2, 10): two chunks per rank at 150 000 ranks; b has 1000 chunks. */
function manyChunks(): Dataset {
  const a = lazy({ shape: [300_000, 10], dtype: "float32", chunks: [2, 10], compute: ([t, x]) => new Float32Array((t!.stop - t!.start) * (x!.stop - x!.start)) });
  const b = lazy({ shape: [300_000], dtype: "int16", chunks: [300], compute: ([t]) => new Int16Array(t!.stop - t!.start) });
  return new Dataset({ dataVars: { a: { dims: ["t", "x"], data: a }, b: { dims: ["t"], data: b } } });
}

function xp(args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: dir, encoding: "utf8", env: { PATH: process.env.PATH! }, maxBuffer: 1 << 28 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "xpartition-limits-"));
  const index = pathToFileURL(join(root, "dist", "index.js")).href;
  writeFileSync(
    join(dir, "many.mjs"),
    `import { Dataset, lazy } from ${JSON.stringify(index)};\n` +
      `export default () => new Dataset({ dataVars: {\n` +
      `  a: { dims: ["t", "x"], data: lazy({ shape: [300000, 10], dtype: "float32", chunks: [2, 10], compute: ([t, x]) => new Float32Array((t.stop - t.start) * (x.stop - x.start)) }) },\n` +
      `  b: { dims: ["t"], data: lazy({ shape: [300000], dtype: "int16", chunks: [300], compute: ([t]) => new Int16Array(t.stop - t.start) }) } } });\n`,
  );
  writeFileSync(
    join(dir, "huge.mjs"),
    `import { Dataset, lazy } from ${JSON.stringify(index)};\n` +
      `export default () => new Dataset({ dataVars: { big: { dims: ["t"], data: lazy({ name: "big", shape: [2 ** 30], dtype: "uint8", chunks: [1], compute: ([t]) => new Uint8Array(t.stop - t.start) }) } } });\n`,
  );
});

describe("150 000 ranks", () => {
  it("describePlan: every rank, no stack overflow, and not quadratic (the old walk took minutes; the bound is loose: a guard, not a speed target)", () => {
    const t0 = performance.now();
    const report = describePlan(manyChunks(), RANKS, ["t"]);
    expect(performance.now() - t0).toBeLessThan(45_000);
    expect(report.perRank).toHaveLength(RANKS);
    expect(report.variables[0]!.perRank[RANKS - 1]).toEqual({ rank: RANKS - 1, region: [[299_998, 300_000], [0, 10]], chunks: 1, bytes: 80 });
    // b: 1000 chunks of 300 over 150 000 ranks, one chunk per rank for the first 1000.
    expect(report.variables[1]!.perRank[999]).toEqual({ rank: 999, region: [[299_700, 300_000]], chunks: 1, bytes: 600 });
    expect(report.variables[1]!.perRank[1000]!.region).toBeNull();
    expect(report.spread).toMatchObject({ minChunks: 1, maxChunks: 2, minBytes: 80, maxBytes: 680 });
    expect(report.idle).toEqual([]);
  });

  it("xpartition plan, init and status: bounded output, exit statuses as --help says", () => {
    let r = xp(["plan", "many.mjs", "--ranks", String(RANKS), "--dims", "t"]);
    expect(r.code, r.err).toBe(0);
    expect(r.out.split("\n").length).toBeLessThan(60);
    expect(r.out).toMatch(/^ {2}\.\.\. 149982 more ranks \(--json lists every rank\)$/m);
    expect(r.out).toMatch(/^ {2}rank 149999 {2}t 299998:300000, x 0:10 +1 chunks/m);
    r = xp(["init", "many.mjs", "s", "--ranks", String(RANKS), "--dims", "t"]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^initialised s for 150000 ranks over t/);
    r = xp(["status", "s"]);
    expect(r.code, r.err).toBe(1); // ranks missing
    expect(r.out).toMatch(/^missing: 150000 ranks: 0-149999$/m);
  });
});

describe("chunk grids too large to index", () => {
  it("2^30 chunks along one axis: refused naming the array, axis and counts (not a V8 out-of-memory abort)", () => {
    expect(() => lazy({ name: "big", shape: [2 ** 30], dtype: "uint8", chunks: [1], compute: () => new Uint8Array(0) })).toThrow(ChunksError);
    expect(() => lazy({ name: "big", shape: [2 ** 30], dtype: "uint8", chunks: [1], compute: () => new Uint8Array(0) })).toThrow(
      /chunks for axis 0 of "big": 1073741824 chunks \(size 1073741824, chunk length 1\) are more than 33554432 along one dimension/,
    );
  });

  it("Dataset.chunk to such a grid: refused naming the variable and dimension", () => {
    const ds = new Dataset({ dataVars: { big: { dims: ["t"], data: lazy({ shape: [2 ** 30], dtype: "uint8", chunks: [2 ** 20], compute: () => new Uint8Array(0) }) } } });
    expect(() => ds.chunk({ t: 1 })).toThrow(/chunks for dimension "t" of "big": 1073741824 chunks \(size 1073741824, chunk length 1\)/);
  });

  it("more chunks in all than a safe integer: refused", () => {
    expect(() => lazy({ name: "cube", shape: [2 ** 20, 2 ** 20, 2 ** 20], dtype: "uint8", chunks: [1, 1, 1], compute: () => new Uint8Array(0) })).toThrow(
      /chunks of "cube" make a grid of 1048576 x 1048576 x 1048576 chunks, more than 9007199254740991/,
    );
    // At the limit it is fine: 2^20 x 2^20 chunks.
    expect(lazy({ shape: [2 ** 20, 2 ** 20], dtype: "uint8", chunks: [1, 1], compute: () => new Uint8Array(0) }).chunks[0]).toHaveLength(2 ** 20);
  });

  it("xpartition plan and init refuse it before anything is written: exit 1, one line", () => {
    for (const args of [["plan", "huge.mjs", "--ranks", "2", "--dims", "t"], ["init", "huge.mjs", "h", "--ranks", "2", "--dims", "t"]]) {
      const r = xp(args);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/chunks for axis 0 of "big": 1073741824 chunks .* too many to index: use larger chunks/);
      expect(r.err.trimEnd().split("\n")).toHaveLength(1);
    }
    expect(existsSync(join(dir, "h"))).toBe(false);
  });
});
