// Every CLI argument naming a store is used exactly as given (issue 15, finding 2): spaces, "#", "?", "%41",
// non-ASCII, glob characters and a leading "-" (after "--") neither become URL escapes, nor cut the path, nor
// expand. Each command that takes a store writes, reads or cleans exactly that path and creates no sibling.
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const root = resolve(import.meta.dirname, "../..");
const bin = join(root, "dist", "cli", "main.js");
const ds = join(root, "test", "fixtures", "small-dataset.mjs");

function xp(cwd: string, args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: "utf8", env: { PATH: process.env.PATH! } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
const ok = (r: ReturnType<typeof xp>) => expect(r.code, r.err).toBe(0);

const HOSTILE = ["a b.zarr", "c#d.zarr", "q?x=1&y.zarr", "%41%20.zarr", "é ü.zarr", "-lead.zarr", "*.zarr", "[ab]{c,d}.zarr", "foo:bar.zarr", "x'\"$HOME;.zarr"];

/** The store's files, at exactly `dir/name`, and nothing else beside it. */
function expectStoreAt(dir: string, name: string, others: string[] = []) {
  expect(readdirSync(dir).sort()).toEqual([name, ...others].sort());
  expect(existsSync(join(dir, name, "zarr.json"))).toBe(true);
  expect(existsSync(join(dir, name, "a", "c", "0", "0"))).toBe(true); // a chunk a rank wrote
  expect(JSON.parse(readFileSync(join(dir, name, ".xpartition", "plan.json"), "utf8")).ranks).toBeGreaterThan(0);
}

describe("store arguments are used exactly as given", () => {
  it.each(HOSTILE.map((n, i) => [n, i % 2 === 0 ? "relative" : "absolute"]))("%s (%s): init, write, status, clean, run", (name, how) => {
    const dir = mkdtempSync(join(tmpdir(), "xp-paths-"));
    const work = join(dir, "w");
    mkdirSync(work);
    // A sibling that a glob such as "*.zarr" would match: it must stay untouched.
    mkdirSync(join(work, "other.zarr"));
    writeFileSync(join(work, "other.zarr", "keep"), "x");
    const store = how === "relative" ? name : join(work, name);
    ok(xp(work, ["init", "--ranks", "2", "--dims", "time", "--", ds, store]));
    for (const rank of ["0", "1"]) ok(xp(work, ["write", "--rank", rank, "--", ds, store]));
    expectStoreAt(work, name, ["other.zarr"]);
    let r = xp(work, ["status", "--", store]);
    ok(r);
    expect(r.out).toContain(`${store}: 2 ranks over time`);
    expect(r.out).toContain("all ranks complete");
    r = xp(work, ["status", "--json", "--", store]);
    expect(JSON.parse(r.out).store).toBe(store);
    r = xp(work, ["verify", "--", store]);
    ok(r);
    expect(r.out).toContain(`${store}: zarr v3, consolidated`);
    expect(r.out).toMatch(/^whole: every chunk decodes/m);
    writeFileSync(join(work, name, "a", `.0.1.xptmp`), "left by a kill");
    r = xp(work, ["clean", "--min-age", "0", "--", store]);
    ok(r);
    expect(r.out).toContain(`${store}: removed 1 temporary file`);
    expect(readFileSync(join(work, "other.zarr", "keep"), "utf8")).toBe("x");

    // run: the pool's worker threads open the same path.
    const work2 = join(dir, "r");
    mkdirSync(work2);
    ok(xp(work2, ["run", "--ranks", "3", "--dims", "time", "--workers", "2", "--", ds, how === "relative" ? name : join(work2, name)]));
    expectStoreAt(work2, name);
    ok(xp(work2, ["status", "--", how === "relative" ? name : join(work2, name)]));
  }, 60_000);

  it("demo writes to the path as given", () => {
    const dir = mkdtempSync(join(tmpdir(), "xp-paths-"));
    const name = "-d e#f?g%41é.zarr";
    ok(xp(dir, ["demo", "--time", "8", "--ranks", "2", "--workers", "1", "--", name]));
    expect(readdirSync(dir)).toEqual([name]);
    expect(existsSync(join(dir, name, "zarr.json"))).toBe(true);
    ok(xp(dir, ["status", "--", name]));
  }, 60_000);

  it("a file: URL names the decoded path", () => {
    const dir = mkdtempSync(join(tmpdir(), "xp-paths-"));
    const name = "u v#w.zarr";
    const url = pathToFileURL(join(dir, name)).href;
    expect(url).toContain("u%20v%23w.zarr");
    ok(xp(dir, ["init", ds, url, "--ranks", "1", "--dims", "time"]));
    ok(xp(dir, ["write", ds, url, "--rank", "0"]));
    expectStoreAt(dir, name);
    ok(xp(dir, ["status", url]));
    ok(xp(dir, ["clean", url]));
    ok(xp(dir, ["verify", url]));
  }, 30_000);

  it("init --mode w of experiment.zarr#v2 leaves experiment.zarr alone", () => {
    const dir = mkdtempSync(join(tmpdir(), "xp-paths-"));
    ok(xp(dir, ["init", ds, "experiment.zarr", "--ranks", "1", "--dims", "time"]));
    ok(xp(dir, ["write", ds, "experiment.zarr", "--rank", "0"]));
    const before = readFileSync(join(dir, "experiment.zarr", "a", "c", "0", "0"));
    ok(xp(dir, ["init", ds, join(dir, "experiment.zarr#v2"), "--ranks", "2", "--dims", "time", "--mode", "w"]));
    expect(readdirSync(dir).sort()).toEqual(["experiment.zarr", "experiment.zarr#v2"]);
    expect(readFileSync(join(dir, "experiment.zarr", "a", "c", "0", "0"))).toEqual(before);
    expect(xp(dir, ["status", "experiment.zarr"]).out).toContain("all ranks complete");
    expect(JSON.parse(readFileSync(join(dir, "experiment.zarr#v2", ".xpartition", "plan.json"), "utf8")).ranks).toBe(2);
  }, 30_000);

  it("a URL of an unknown scheme is refused naming it, and never becomes a local directory (s3: is an S3 store, test/store/s3.test.ts)", () => {
    const dir = mkdtempSync(join(tmpdir(), "xp-paths-"));
    for (const cmd of [["init", ds], ["write", ds], ["run", ds], ["status"], ["verify"], ["demo"]]) {
      const extra = cmd[0] === "init" || cmd[0] === "run" ? ["--ranks", "1", "--dims", "time"] : cmd[0] === "write" ? ["--rank", "0"] : [];
      const r = xp(dir, [...cmd, "gs://bucket/x.zarr", ...extra]);
      expect(r.code, r.err).toBe(2);
      expect(r.err).toMatch(/unknown scheme "gs:"/);
    }
    expect(readdirSync(dir)).toEqual([]);
  }, 60_000);
});

describe("status and clean exit as their --help says", () => {
  it("a regular file or a missing path exits 2 with a clear message (1 is reserved for missing ranks)", () => {
    const dir = mkdtempSync(join(tmpdir(), "xp-paths-"));
    writeFileSync(join(dir, "file.zarr"), "not a store");
    for (const cmd of ["status", "clean"]) {
      let r = xp(dir, [cmd, "file.zarr"]);
      expect(r.code).toBe(2);
      expect(r.err.trim()).toBe(`xpartition ${cmd}: file.zarr is a file, not a store (a store is a directory)`);
      r = xp(dir, [cmd, "nowhere.zarr"]);
      expect(r.code).toBe(2);
      expect(r.err.trim()).toBe(`xpartition ${cmd}: no such store: nowhere.zarr`);
    }
    mkdirSync(join(dir, "empty.zarr"));
    const r = xp(dir, ["status", "empty.zarr"]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^xpartition status: empty\.zarr is not an initialised xpartition store/);
    expect(xp(dir, ["status", "--help"]).out).toMatch(/exit status: 0 all ranks complete, 1 some missing, 2 error/);
    expect(xp(dir, ["clean", "--help"]).out).toMatch(/exit status: 0 done .*, 2 error/);
  });
});
