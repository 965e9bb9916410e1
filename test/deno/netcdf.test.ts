// Deno: openNetCDF reads a netCDF-3 (CDF-2) file with interleaved record variables through node:fs, and
// openMfDataset joins two of them. The file is built here byte by byte (big-endian, per the classic format spec).
import * as zarr from "zarrita";
import { openMfDataset, openNetCDF } from "../../dist/sources/netcdf/index.js";

function assert(cond: unknown, msg: string): asserts cond {
  if (!cond) throw new Error(msg);
}

/** CDF-2: dims time (record) and x=3; vars t(time) double, v(time, x) short (6 bytes, padded to 8 per record). */
function file(t0: number, nrec: number): Uint8Array {
  const b: number[] = [];
  const u32 = (x: number) => b.push((x >>> 24) & 255, (x >>> 16) & 255, (x >>> 8) & 255, x & 255);
  const name = (s: string) => {
    u32(s.length);
    for (const c of s) b.push(c.charCodeAt(0));
    while (b.length % 4) b.push(0);
  };
  b.push(0x43, 0x44, 0x46, 2);
  u32(nrec);
  u32(0x0a), u32(2), name("time"), u32(0), name("x"), u32(3);
  u32(0x0c), u32(1), name("title"), u32(2), u32(4), b.push(...new TextEncoder().encode("deno"));
  u32(0x0b), u32(2);
  const begins: number[] = [];
  const vars = [["t", [0], 6, 8], ["v", [0, 1], 3, 8]] as const;
  for (const [n, dims, type, vsize] of vars) {
    name(n), u32(dims.length);
    for (const d of dims) u32(d);
    u32(0), u32(0), u32(type), u32(vsize);
    begins.push(b.length);
    u32(0), u32(0); // begin, 64-bit (filled below)
  }
  const start = b.length;
  const recsize = 16;
  // Record variables t then v: 8 bytes each per record.
  begins.forEach((at, i) => b.splice(at + 4, 4, ...[24, 16, 8, 0].map((s) => ((start + i * 8) >>> s) & 255)));
  const out = new Uint8Array(start + recsize * nrec);
  out.set(b);
  const dv = new DataView(out.buffer);
  for (let r = 0; r < nrec; r++) {
    dv.setFloat64(start + r * recsize, t0 + r);
    for (let k = 0; k < 3; k++) dv.setInt16(start + r * recsize + 8 + 2 * k, (t0 + r) * 10 + k);
  }
  return out;
}

Deno.test("openNetCDF reads a netCDF-3 file under Deno; openMfDataset joins two", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeFile(`${dir}/a.nc`, file(0, 3));
    await Deno.writeFile(`${dir}/b.nc`, file(3, 2));
    const ds = await openNetCDF(`${dir}/a.nc`);
    assert(ds.attrs.title === "deno", `title ${String(ds.attrs.title)}`);
    const v = Array.from(await ds.get("v")!.data.compute!([{ start: 1, stop: 3 }, { start: 1, stop: 3 }]) as Int16Array);
    assert(JSON.stringify(v) === JSON.stringify([11, 12, 21, 22]), `v region: ${v}`);
    const mf = await openMfDataset(`${dir}/*.nc`, { concatDim: "time" });
    const t = Array.from(await mf.get("t")!.data.compute!([{ start: 0, stop: 5 }]) as Float64Array);
    assert(JSON.stringify(t) === "[0,1,2,3,4]", `t: ${t}`);
    const w = Array.from(await mf.get("v")!.data.compute!([{ start: 2, stop: 4 }, { start: 0, stop: 1 }]) as Int16Array);
    assert(JSON.stringify(w) === "[20,30]", `v across files: ${w}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the CLI under Deno: init from a glob of netCDF files, write STORE per rank (the recorded files), status; run --workers 2; zarrita reads the joined values", async () => {
  const dir = await Deno.makeTempDir({ prefix: "xpartition-deno-nc-" });
  const cli = new URL("../../dist/cli/main.js", import.meta.url).pathname;
  const run = async (args: string[], env: Record<string, string> = {}) => {
    const r = await new Deno.Command(Deno.execPath(), { args: ["run", "-A", cli, ...args], cwd: dir, env, stdout: "piped", stderr: "piped" }).output();
    const out = new TextDecoder().decode(r.stdout), err = new TextDecoder().decode(r.stderr);
    if (r.code !== 0) throw new Error(`xpartition ${args.join(" ")}: ${err}`);
    return out;
  };
  // zarrita over plain file reads (not our store classes).
  const read = async (store: string, name: string) => {
    const s = { get: (key: string) => Deno.readFile(`${dir}/${store}${key}`).catch(() => undefined) };
    return Array.from((await zarr.get(await zarr.open(zarr.root(s as never).resolve(name), { kind: "array" }))).data as ArrayLike<number>);
  };
  try {
    for (let i = 0; i < 3; i++) await Deno.writeFile(`${dir}/out_${i}.nc`, file(2 * i, 2));
    await run(["init", "out_*.nc", "a.zarr", "--concat-dim", "time", "--ranks", "2", "--dims", "time"]);
    await run(["write", "a.zarr", "--rank", "0"]);
    await run(["write", "a.zarr"], { JOB_COMPLETION_INDEX: "1" });
    const st = await run(["status", "a.zarr"]);
    assert(st.includes("all ranks complete"), st);
    await run(["run", "out_*.nc", "b.zarr", "--concat-dim", "time", "--chunks", "time=4", "--ranks", "2", "--dims", "time", "--workers", "2"]);
    for (const store of ["a.zarr", "b.zarr"]) {
      const t = await read(store, "t"), v = await read(store, "v");
      assert(JSON.stringify(t) === "[0,1,2,3,4,5]", `${store} t: ${t}`);
      const want = [0, 1, 2, 3, 4, 5].flatMap((r) => [10 * r, 10 * r + 1, 10 * r + 2]);
      assert(JSON.stringify(v) === JSON.stringify(want), `${store} v: ${v}`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
