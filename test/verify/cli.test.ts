// `xpartition verify` as users run it (node on dist/cli/main.js): exit 0 on a whole store, 1 with the problems
// and the ranks to resubmit, 2 when the store cannot be verified; --json; a store path used as given; the
// live progress line on a terminal (in process, with a TTY-like stderr).
import { describe, expect, it, beforeAll } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { main } from "../../src/cli/main.js";

const root = resolve(import.meta.dirname, "../..");
const bin = join(root, "dist", "cli", "main.js");
const ds = join(root, "test", "fixtures", "small-dataset.mjs");
let dir = "";

function xp(args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: dir, encoding: "utf8", env: { PATH: process.env.PATH! } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "xpartition-verify-cli-"));
});

describe("xpartition verify", () => {
  it("--help: what it checks and its exit statuses; listed by xpartition --help", () => {
    const r = xp(["verify", "--help"]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^usage: xpartition verify <store> \[--json\] \[--concurrency N\]/);
    expect(r.out).toMatch(/exit status: 0 whole, 1 problems found, 2 error/);
    expect(xp(["--help"]).out).toMatch(/^  verify +Prove a store whole/m);
  });

  it("a whole store exits 0; missing ranks and a changed byte exit 1 naming them and what to resubmit; --json", () => {
    const store = "v 1#x?.zarr"; // used exactly as given
    let r = xp(["init", ds, store, "--ranks", "3", "--dims", "time"]);
    expect(r.code, r.err).toBe(0);
    for (const rank of [0, 1]) expect(xp(["write", ds, store, "--rank", String(rank)]).code).toBe(0);
    r = xp(["verify", store]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^  rank: rank 2 has no completion record/m);
    expect(r.out).toMatch(/^resubmit: --array=2$/m);
    expect(xp(["status", store]).out).toMatch(/^resubmit: --array=2$/m);
    expect(r.err).toBe(""); // no progress line when stderr is not a terminal

    expect(xp(["write", ds, store, "--rank", "2"]).code).toBe(0);
    r = xp(["verify", store]);
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out).toMatch(new RegExp(`^${store.replace(/[?#]/g, "\\$&")}: zarr v3, consolidated, 4 arrays`));
    expect(r.out).toMatch(/^whole: every chunk decodes and matches its rank's manifest$/m);
    const j = JSON.parse(xp(["verify", store, "--json", "--concurrency", "2"]).out);
    expect(j).toMatchObject({ store, ok: true, zarrFormat: 3, problems: [], problemCount: 0, resubmit: null, ranks: { ranks: 3, complete: [0, 1, 2] } });
    expect(j.chunks.checked).toBe(j.arrays.reduce((n: number, a: { present: number }) => n + a.present, 0));

    // a: time 12 in chunks of 2 over 3 ranks: rank 1 writes time chunks 2 and 3.
    const file = join(dir, store, "a", "c", "2", "1");
    const b = readFileSync(file);
    b[b.length - 1]! ^= 0x10;
    writeFileSync(file, b);
    r = xp(["verify", store]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^  hash: \/a\/c\/2\/1: its bytes differ from what rank 1 wrote/m);
    expect(r.out).toMatch(/^NOT whole: 1 problem \(1 hash\)$/m);
    expect(r.out).toMatch(/^resubmit: --array=1$/m);
    const jj = JSON.parse(xp(["verify", store, "--json"]).out);
    expect(jj).toMatchObject({ ok: false, resubmitRanks: [1], resubmit: "--array=1", problemKinds: { hash: 1 } });
    expect(jj.problems[0]).toMatchObject({ kind: "hash", key: "/a/c/2/1", variable: "a", chunk: [2, 1], rank: 1 });
  });

  it("exit 2: not a store, no such store, a file, a bad option; one line on stderr", () => {
    mkdirSync(join(dir, "plain"));
    writeFileSync(join(dir, "plain", "x.txt"), "x");
    writeFileSync(join(dir, "file.zarr"), "x");
    const cases: [string[], RegExp][] = [
      [["verify", "plain"], /^xpartition verify: plain is not a zarr store: no \/zarr\.json, \/\.zgroup or \/\.zarray\n$/],
      [["verify", "nope.zarr"], /^xpartition verify: (verify: )?no such store: nope\.zarr\n$/],
      [["verify", "file.zarr"], /file\.zarr is a file, not a store/],
      [["verify", "plain", "--concurrency", "0"], /--concurrency/],
      [["verify"], /store/],
    ];
    for (const [args, pattern] of cases) {
      const r = xp(args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.err).toMatch(pattern);
      expect(r.err.trimEnd().split("\n")).toHaveLength(1);
      expect(r.out).toBe("");
    }
  });

  it("an initialisation that did not complete exits 2, naming it", () => {
    const store = "half.zarr";
    expect(xp(["init", ds, store, "--ranks", "2", "--dims", "time"]).code).toBe(0);
    rmSync(join(dir, store, ".xpartition", "complete.json"));
    const r = xp(["verify", store]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^xpartition verify: half\.zarr: initialisation of this store did not complete/);
  });

  it("on a terminal, a live progress line on stderr ending with a newline", async () => {
    const store = join(dir, "tty.zarr");
    expect(xp(["run", ds, store, "--ranks", "2", "--dims", "time", "--workers", "1"]).code).toBe(0);
    let out = "", err = "";
    const code = await main(["verify", store], {
      out: { write: (s: string) => (out += s) },
      err: { write: (s: string) => (err += s), isTTY: true, columns: 80 },
      env: {}, cwd: dir,
    });
    expect(code, out + err).toBe(0);
    // a: 6 x 2 chunks, b: 3, the coordinates time and x: 1 each.
    expect(err).toMatch(/\r\[#+\] 17\/17 chunks +[\d.]+ MB\/s +ETA 0:00\x1b\[K\n$/);
    expect(out).toMatch(/^whole:/m);
  });
});
