// Deno users write `npm:xpartition`: the packed tarball served from a local npm registry (its dependencies
// passed through from registry.npmjs.org), a fresh DENO_DIR, and Deno resolving, downloading and running it —
// the CLI's demo (worker threads, the filesystem store's writer thread) and a program that imports it and
// reads its store back with zarrita. Node checks what Deno wrote.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile, execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import * as zarr from "zarrita";
import { FileSystemStore } from "xpartition";
import { d1Generate } from "xpartition/demo";

const root = resolve(import.meta.dirname, "../..");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const deno = join(root, "node_modules", ".bin", "deno");
const UPSTREAM = "https://registry.npmjs.org";
let server: http.Server;
let env: NodeJS.ProcessEnv;
let work = "";

beforeAll(async () => {
  if (!existsSync(join(root, "dist/index.js"))) execFileSync(process.execPath, [join(root, "scripts/build.mjs")], { cwd: root, stdio: "inherit" });
  work = mkdtempSync(join(tmpdir(), "xp-deno-npm-"));
  execFileSync("npm", ["pack", "--ignore-scripts", "--pack-destination", work], { cwd: root, stdio: "pipe" });
  const file = readdirSync(work).find((f) => f.endsWith(".tgz"))!;
  const tgz = readFileSync(join(work, file));
  server = http.createServer(async (req, res) => {
    const path = new URL(req.url!, "http://registry").pathname;
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    if (path === `/${pkg.name}`) {
      const { name, version, type, main, types, exports, bin, dependencies } = pkg;
      const dist = {
        tarball: `${base}/${name}/-/${file}`,
        shasum: createHash("sha1").update(tgz).digest("hex"),
        integrity: `sha512-${createHash("sha512").update(tgz).digest("base64")}`,
      };
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ name, "dist-tags": { latest: version }, versions: { [version]: { name, version, type, main, types, exports, bin, dependencies, dist } } }));
    } else if (path === `/${pkg.name}/-/${file}`) {
      res.end(tgz);
    } else {
      const r = await fetch(UPSTREAM + path, { headers: { accept: String(req.headers.accept ?? "application/json") } }).catch(() => undefined);
      res.statusCode = r?.status ?? 502;
      res.setHeader("content-type", r?.headers.get("content-type") ?? "text/plain");
      res.end(r ? Buffer.from(await r.arrayBuffer()) : `upstream ${UPSTREAM} unreachable`);
    }
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  env = {
    ...process.env, NO_COLOR: "1", DENO_DIR: mkdtempSync(join(tmpdir(), "xp-deno-dir-")),
    NPM_CONFIG_REGISTRY: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
  };
}, 180_000);

afterAll(() => new Promise<void>((ok) => (server ? server.close(() => ok()) : ok())));

// Asynchronously: the registry above is served by this process's event loop.
const runDeno = async (args: string[]) => (await promisify(execFile)(deno, args, { cwd: work, env, encoding: "utf8", timeout: 240_000, maxBuffer: 1 << 24 })).stdout;

describe("deno run npm:xpartition", () => {
  it("runs the CLI's demo from the npm specifier; Node's zarrita reads D1 back exactly", async () => {
    const store = join(work, "d1.zarr");
    const out = await runDeno(["run", "-A", `npm:${pkg.name}@${pkg.version}`, "demo", store, "--time", "16", "--ranks", "4"]);
    expect(out).toMatch(/demo: 4 ranks written on \d+ workers: 24 chunks, 50\.3 MB in/);
    const want = d1Generate(16);
    const grp = zarr.root(new FileSystemStore(store) as never);
    for (const name of ["temp", "wind"] as const) {
      const a = await zarr.open(grp.resolve(name), { kind: "array" });
      expect(a.shape).toEqual([16, 6, 256, 256]);
      const got = (await zarr.get(a)).data as Float32Array;
      expect(Buffer.from(got.buffer, got.byteOffset, got.byteLength).equals(Buffer.from(want[name].buffer))).toBe(true);
    }
  }, 300_000);

  it("imports it in a program: three ranks to a filesystem store, read back with npm:zarrita", async () => {
    const program = `
import { Dataset, lazy, initializeStore, writePartition } from "npm:${pkg.name}@${pkg.version}";
import * as zarr from "npm:zarrita@${String(pkg.dependencies.zarrita).replace(/^\^/, "")}";
const store = ${JSON.stringify(join(work, "prog.zarr"))};
const v = lazy({ shape: [10, 7], dtype: "float64", chunks: [3, 7], compute: ([a, b]) => {
  const out = new Float64Array((a.stop - a.start) * (b.stop - b.start));
  let p = 0;
  for (let i = a.start; i < a.stop; i++) for (let j = b.start; j < b.stop; j++) out[p++] = i * 10 + j + 0.5;
  return out;
} });
const ds = new Dataset({ dataVars: { v: { dims: ["t", "x"], data: v } } });
await initializeStore(ds, store, { zarrFormat: 3 });
for (let rank = 0; rank < 3; rank++) await writePartition(ds, store, { ranks: 3, dims: ["t"], rank });
const { FileSystemStore } = await import("npm:${pkg.name}@${pkg.version}");
const arr = await zarr.open(zarr.root(new FileSystemStore(store)).resolve("v"), { kind: "array" });
const got = Array.from((await zarr.get(arr)).data);
const ok = got.length === 70 && got.every((x, k) => x === Math.floor(k / 7) * 10 + (k % 7) + 0.5);
console.log(ok ? "ok" : "wrong " + got.slice(0, 8));
`;
    writeFileSync(join(work, "prog.ts"), program);
    expect((await runDeno(["run", "-A", "--no-check", "prog.ts"])).trim().split("\n").pop()).toBe("ok");
  }, 300_000);
});
