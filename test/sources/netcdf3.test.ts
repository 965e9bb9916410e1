// netCDF-3 reader: files built byte by byte here from the NetCDF Classic Format Specification (CDF-1, CDF-2,
// CDF-5; record variables interleaved, each padded to 4 bytes unless there is exactly one; "streaming" numrecs).
// A cross-check only, needing nothing but Node: the proof against independent writers (ncgen, netCDF4-python,
// xarray) is test/system/netcdf.test.ts.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { byteRuns } from "../../src/sources/netcdf/cdf.js";
import { fileHandles, mfRecords, openMfDataset, openMfRecords, openNetCDF } from "../../src/sources/netcdf/index.js";

type Typed = "byte" | "char" | "short" | "int" | "float" | "double" | "ubyte" | "ushort" | "uint" | "int64" | "uint64";
const CODE: Record<Typed, number> = { byte: 1, char: 2, short: 3, int: 4, float: 5, double: 6, ubyte: 7, ushort: 8, uint: 9, int64: 10, uint64: 11 };
const SIZE: Record<Typed, number> = { byte: 1, char: 1, short: 2, int: 4, float: 4, double: 8, ubyte: 1, ushort: 2, uint: 4, int64: 8, uint64: 8 };

interface Attr { type: Typed; values: number[] | bigint[] | string }
interface Var { name: string; dims: string[]; type: Typed; attrs?: Record<string, Attr>; data: number[] | bigint[] }
interface Spec { version: 1 | 2 | 5; dims: [string, number][]; numrecs: number; attrs?: Record<string, Attr>; vars: Var[]; streaming?: boolean }

/** Big-endian bytes of a netCDF file as the spec lays it out. */
function cdf(s: Spec): Uint8Array {
  const out: number[] = [];
  const v5 = s.version === 5;
  const u32 = (x: number) => out.push((x >>> 24) & 255, (x >>> 16) & 255, (x >>> 8) & 255, x & 255);
  const u64 = (x: number | bigint) => {
    const b = BigInt(x);
    u32(Number(b >> 32n));
    u32(Number(b & 0xffffffffn));
  };
  const nonNeg = (x: number) => (v5 ? u64(x) : u32(x));
  const pad = () => {
    while (out.length % 4) out.push(0);
  };
  const name = (n: string) => {
    const b = new TextEncoder().encode(n);
    nonNeg(b.length);
    out.push(...b);
    pad();
  };
  const value = (type: Typed, x: number | bigint) => {
    const dv = new DataView(new ArrayBuffer(8));
    switch (type) {
      case "byte": dv.setInt8(0, Number(x)); break;
      case "ubyte": case "char": dv.setUint8(0, Number(x)); break;
      case "short": dv.setInt16(0, Number(x)); break;
      case "ushort": dv.setUint16(0, Number(x)); break;
      case "int": dv.setInt32(0, Number(x)); break;
      case "uint": dv.setUint32(0, Number(x)); break;
      case "float": dv.setFloat32(0, Number(x)); break;
      case "double": dv.setFloat64(0, Number(x)); break;
      case "int64": dv.setBigInt64(0, BigInt(x)); break;
      case "uint64": dv.setBigUint64(0, BigInt(x)); break;
    }
    out.push(...new Uint8Array(dv.buffer, 0, SIZE[type]));
  };
  const attrs = (a: Record<string, Attr> | undefined) => {
    const e = Object.entries(a ?? {});
    if (!e.length) return (u32(0), nonNeg(0));
    u32(0x0c);
    nonNeg(e.length);
    for (const [k, at] of e) {
      name(k);
      u32(CODE[at.type]);
      const vals = typeof at.values === "string" ? Array.from(new TextEncoder().encode(at.values)) : at.values;
      nonNeg(vals.length);
      for (const x of vals) value(at.type, x);
      pad();
    }
  };
  const dimLen = Object.fromEntries(s.dims.map(([n, l], i) => [n, { l, i }]));
  const isRec = (v: Var) => v.dims.length > 0 && dimLen[v.dims[0]!]!.l === 0;
  const innerBytes = (v: Var) => v.dims.filter((d, i) => !(i === 0 && isRec(v))).reduce((p, d) => p * dimLen[d]!.l, 1) * SIZE[v.type];
  const recVars = s.vars.filter(isRec);
  const vsize = (v: Var) => Math.ceil(innerBytes(v) / 4) * 4;
  const recsize = recVars.length === 1 ? innerBytes(recVars[0]!) : recVars.reduce((p, v) => p + vsize(v), 0);
  const header = (begins: number[]) => {
    out.length = 0;
    out.push(0x43, 0x44, 0x46, s.version);
    nonNeg(s.streaming ? (v5 ? -1 : 0xffffffff) : s.numrecs);
    if (s.dims.length) {
      u32(0x0a);
      nonNeg(s.dims.length);
      for (const [n, l] of s.dims) (name(n), nonNeg(l));
    } else (u32(0), nonNeg(0));
    attrs(s.attrs);
    u32(0x0b);
    nonNeg(s.vars.length);
    s.vars.forEach((v, i) => {
      name(v.name);
      nonNeg(v.dims.length);
      for (const d of v.dims) nonNeg(dimLen[d]!.i);
      attrs(v.attrs);
      u32(CODE[v.type]);
      nonNeg(vsize(v));
      if (s.version === 1) u32(begins[i]!);
      else u64(begins[i]!);
    });
    return out.length;
  };
  const hlen = header(s.vars.map(() => 0));
  const begins: number[] = [];
  let at = hlen;
  for (const v of s.vars) if (!isRec(v)) (begins[s.vars.indexOf(v)] = at, (at += vsize(v)));
  const recStart = at;
  for (const v of recVars) (begins[s.vars.indexOf(v)] = at, (at += vsize(v)));
  header(begins);
  const total = recStart + recsize * s.numrecs;
  const bytes: number[] = [...out, ...new Array(total - out.length).fill(0)];
  s.vars.forEach((v, i) => {
    const n = innerBytes(v) / SIZE[v.type];
    const recs = isRec(v) ? s.numrecs : 1;
    for (let r = 0; r < recs; r++) {
      out.length = 0;
      for (let k = 0; k < n; k++) value(v.type, v.data[r * n + k]!);
      bytes.splice(begins[i]! + r * (isRec(v) ? recsize : 0), out.length, ...out);
    }
  });
  return Uint8Array.from(bytes);
}

const range = (n: number, f: (i: number) => number = (i) => i) => Array.from({ length: n }, (_, i) => f(i));
let dir = "";
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "xp-cdf-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, s: Spec | Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, s instanceof Uint8Array ? s : cdf(s));
  return p;
}

const base = (version: 1 | 2 | 5, numrecs = 4): Spec => ({
  version, numrecs,
  dims: [["time", 0], ["y", 3], ["x", 2]],
  attrs: { title: { type: "char", values: "hand made" }, n: { type: "short", values: [1, -2, 3] }, one: { type: "double", values: [0.5] } },
  vars: [
    { name: "time", dims: ["time"], type: "double", attrs: { units: { type: "char", values: "days since 2000-01-01" } }, data: range(numrecs, (i) => i * 1.5) },
    { name: "fixed", dims: ["y", "x"], type: "float", data: range(6, (i) => i / 4) },
    // 3 shorts a record: 6 bytes padded to 8 in the interleaved records.
    { name: "rec", dims: ["time", "y"], type: "short", attrs: { _FillValue: { type: "short", values: [-99] }, scale_factor: { type: "float", values: [0.5] } }, data: range(3 * numrecs, (i) => i * 100 - 7) },
    { name: "b", dims: ["x"], type: "byte", data: [-128, 127] },
    { name: "rec3", dims: ["time", "y", "x"], type: "int", data: range(6 * numrecs, (i) => i * 1000 - 1) },
  ],
});

describe("netCDF-3 reader (hand-built files)", () => {
  it.each([1, 2, 5] as const)("CDF-%i: header, attributes, fixed and interleaved record variables, any region", async (version) => {
    const ds = await openNetCDF(file(`v${version}.nc`, base(version)));
    expect(ds.attrs).toEqual({ title: "hand made", n: Int16Array.from([1, -2, 3]), one: 0.5 });
    expect(Object.keys(ds.coords)).toEqual(["time"]);
    expect(ds.get("rec")!.encoding.fillValue).toBe(-99);
    expect(ds.get("rec")!.attrs).toEqual({ scale_factor: 0.5 });
    expect(Array.from(await ds.get("time")!.data.compute!([{ start: 0, stop: 4 }]))).toEqual([0, 1.5, 3, 4.5]);
    expect(Array.from(await ds.get("fixed")!.data.compute!([{ start: 1, stop: 3 }, { start: 1, stop: 2 }]))).toEqual([0.75, 1.25]);
    expect(Array.from(await ds.get("b")!.data.compute!([{ start: 0, stop: 2 }]))).toEqual([-128, 127]);
    expect(Array.from(await ds.get("rec")!.data.compute!([{ start: 1, stop: 3 }, { start: 0, stop: 3 }]))).toEqual(range(6, (i) => (i + 3) * 100 - 7));
    const r3 = await ds.get("rec3")!.data.compute!([{ start: 1, stop: 4 }, { start: 1, stop: 3 }, { start: 1, stop: 2 }]);
    expect(Array.from(r3)).toEqual([1, 2, 3].flatMap((t) => [1, 2].map((y) => (t * 6 + y * 2 + 1) * 1000 - 1)));
  });

  it("CDF-5 types: ubyte, ushort, uint, int64, uint64 (values past 2^53 exact)", async () => {
    const s: Spec = {
      version: 5, numrecs: 2, dims: [["t", 0], ["x", 3]], attrs: { big: { type: "int64", values: [-(2n ** 40n)] } },
      vars: [
        { name: "ub", dims: ["x"], type: "ubyte", data: [0, 128, 255] },
        { name: "us", dims: ["t", "x"], type: "ushort", data: [0, 1, 65535, 2, 3, 40000] },
        { name: "ui", dims: ["x"], type: "uint", data: [0, 2 ** 31, 2 ** 32 - 1] },
        { name: "i8", dims: ["t"], type: "int64", data: [-(2n ** 62n), 2n ** 53n + 1n] },
        { name: "u8", dims: ["x"], type: "uint64", data: [0n, 2n ** 64n - 1n, 5n] },
      ],
    };
    const ds = await openNetCDF(file("types5.nc", s));
    expect(ds.attrs.big).toBe(-(2n ** 40n));
    const all = async (n: string) => Array.from(await ds.get(n)!.data.compute!(ds.get(n)!.shape.map((k) => ({ start: 0, stop: k }))) as ArrayLike<number | bigint>);
    expect(await all("ub")).toEqual([0, 128, 255]);
    expect(await all("us")).toEqual([0, 1, 65535, 2, 3, 40000]);
    expect(await all("ui")).toEqual([0, 2 ** 31, 2 ** 32 - 1]);
    expect(await all("i8")).toEqual([-(2n ** 62n), 2n ** 53n + 1n]);
    expect(await all("u8")).toEqual([0n, 2n ** 64n - 1n, 5n]);
    expect(ds.get("u8")!.dtype).toBe("uint64");
  });

  it("one record variable: records are not padded; streaming numrecs is derived from the file size", async () => {
    const one: Spec = { version: 1, numrecs: 5, dims: [["t", 0]], vars: [{ name: "v", dims: ["t"], type: "short", data: [-2, -1, 0, 1, 2] }] };
    const bytes = cdf(one);
    expect(bytes.length % 4).toBe(2); // 5 unpadded shorts after the header
    const ds = await openNetCDF(file("one.nc", bytes));
    expect(Array.from(await ds.get("v")!.data.compute!([{ start: 1, stop: 5 }]))).toEqual([-1, 0, 1, 2]);
    const st = await openNetCDF(file("stream.nc", { ...base(2), streaming: true }));
    expect(st.sizes.time).toBe(4);
  });

  it("byte runs of a region: one per innermost row, merged when contiguous, per record for record variables", () => {
    // SOURCES.md §2.2: rec3(time, y=3, x=4) float, begin 336, recsize 64: element [2, 1, 1] at 484.
    expect(byteRuns(336, [4, 3, 4], true, 64, 4, [{ start: 2, stop: 3 }, { start: 1, stop: 2 }, { start: 1, stop: 2 }])).toEqual([[484, 4]]);
    // Whole rows merge into one run per record; a fixed variable's whole block is one run.
    expect(byteRuns(100, [2, 3, 4], true, 64, 4, [{ start: 0, stop: 2 }, { start: 0, stop: 3 }, { start: 0, stop: 4 }])).toEqual([[100, 48], [164, 48]]);
    expect(byteRuns(8, [3, 4], false, 0, 2, [{ start: 1, stop: 3 }, { start: 0, stop: 4 }])).toEqual([[16, 16]]);
    expect(byteRuns(8, [3, 4], false, 0, 2, [{ start: 0, stop: 3 }, { start: 1, stop: 3 }])).toEqual([[10, 4], [18, 4], [26, 4]]);
  });

  it("refuses a char variable naming it and the file (dropVariables leaves it out); a truncated file; a non-netCDF file", async () => {
    const s: Spec = { ...base(1), vars: [...base(1).vars, { name: "label", dims: ["x"], type: "char", data: [65, 66] }] };
    const p = file("char.nc", s);
    await expect(openNetCDF(p)).rejects.toThrow(`${p}: variable "label" has type char (text): xpartition reads numeric variables only; leave it out with dropVariables: ["label"] (--drop label on the command line)`);
    expect((await openNetCDF(p, { dropVariables: ["label"] })).get("label")).toBeUndefined();
    const full = cdf(base(1));
    const cut = file("cut.nc", full.subarray(0, full.length - 10));
    await expect(openNetCDF(cut)).rejects.toThrow(/cut\.nc \(netCDF-3 classic\): variable "\w+" needs bytes up to \d+, but the file has \d+: truncated file/);
    await expect(openNetCDF(file("head.nc", full.subarray(0, 40)))).rejects.toThrow(/head\.nc: the netCDF-3 header runs past the end of the file \(40 bytes\): truncated file/);
    await expect(openNetCDF(file("junk.nc", new TextEncoder().encode("hello world")))).rejects.toThrow(/junk\.nc: not a netCDF file/);
  });
});

describe("openMfDataset (hand-built netCDF-3 files)", () => {
  const part = (i: number, y = 3): Spec => {
    const s = base(1, 2);
    s.dims = [["time", 0], ["y", y], ["x", 2]];
    s.vars = s.vars.map((v) => v.name === "time" ? { ...v, data: [2 * i, 2 * i + 1] }
      : v.name === "rec" ? { ...v, data: range(2 * y, (k) => i * 1000 + k) }
      : v.name === "fixed" ? { ...v, data: range(y * 2, (k) => k / 4) }
      : v.name === "rec3" ? { ...v, data: range(2 * y * 2, (k) => i * 100 + k) } : v);
    return s;
  };

  it("joins along time in glob order, opens only the files a region overlaps, keeps at most the LRU's descriptors", async () => {
    for (let i = 0; i < 6; i++) file(`mf_${i}.nc`, part(i));
    const max = fileHandles.max;
    fileHandles.max = 2;
    try {
      const ds = await openMfDataset(join(dir, "mf_*.nc"), { concatDim: "time" });
      expect(fileHandles.size).toBeLessThanOrEqual(2);
      expect(ds.sizes.time).toBe(12);
      expect(Array.from(await ds.get("time")!.data.compute!([{ start: 0, stop: 12 }]))).toEqual(range(12));
      await fileHandles.closeAll();
      const before = fileHandles.opens;
      // Steps 6..7 are file 3's: one file opened.
      const r = await ds.get("rec")!.data.compute!([{ start: 6, stop: 8 }, { start: 0, stop: 3 }]);
      expect(Array.from(r)).toEqual(range(6, (k) => 3000 + k));
      expect(fileHandles.opens - before).toBe(1);
      // A region across all files: every file read, never more than 2 open.
      const all = await ds.get("rec3")!.data.compute!([{ start: 0, stop: 12 }, { start: 0, stop: 3 }, { start: 1, stop: 2 }]);
      expect(Array.from(all).slice(0, 4)).toEqual([1, 3, 5, 7]);
      expect(fileHandles.size).toBeLessThanOrEqual(2);
      // Without the concat dim: the first file's.
      expect(ds.get("fixed")!.dims).toEqual(["y", "x"]);
    } finally {
      fileHandles.max = max;
    }
  });

  it("keeps an explicit list in its order; refuses a file whose dimensions disagree, naming it and the variable", async () => {
    const a = file("l_a.nc", part(5)), b = file("l_b.nc", part(1));
    const ds = await openMfDataset([a, b], { concatDim: "time" });
    expect(Array.from(await ds.get("time")!.data.compute!([{ start: 0, stop: 4 }]))).toEqual([10, 11, 2, 3]);
    const bad = file("l_bad.nc", part(2, 4));
    await expect(openMfDataset([a, bad], { concatDim: "time" })).rejects.toThrow(`${bad}: variable "fixed" has shape [4, 2] instead of [3, 2] (dimensions other than "time" must agree) (the first file is ${a})`);
    await expect(openMfDataset([a, b], { concatDim: "depth" })).rejects.toThrow(`${a}: has no dimension "depth" to join the files along`);
  });

  it("from init's records: only the first file is opened up front, each other when a region needs it, and a file changed since is refused by name", async () => {
    for (let i = 0; i < 5; i++) file(`rec_${i}.nc`, part(i));
    const records = await mfRecords(join(dir, "rec_*.nc"), { concatDim: "time" });
    expect(records.map((r) => [r.path.slice(dir.length + 1), r.length])).toEqual([0, 1, 2, 3, 4].map((i) => [`rec_${i}.nc`, 2]));
    const eager = await openMfDataset(join(dir, "rec_*.nc"), { concatDim: "time" });
    await fileHandles.closeAll();
    const before = fileHandles.opens;
    const ds = await openMfRecords(records, { concatDim: "time" });
    expect(fileHandles.opens - before).toBe(1);
    expect(ds.sizes).toEqual(eager.sizes);
    const region = [{ start: 5, stop: 7 }, { start: 0, stop: 3 }, { start: 0, stop: 2 }];
    expect(Array.from(await ds.get("rec3")!.data.compute!(region))).toEqual(Array.from(await eager.get("rec3")!.data.compute!(region)));
    expect(Array.from(await ds.get("time")!.data.compute!([{ start: 0, stop: 8 }]))).toEqual(range(8));
    // A file touched after init (not opened yet): refused when a region first needs it, naming it.
    utimesSync(records[4]!.path, new Date(), new Date(Date.now() + 5000));
    await expect(ds.get("rec")!.data.compute!([{ start: 8, stop: 10 }, { start: 0, stop: 3 }])).rejects.toThrow(`${records[4]!.path}: changed since init`);
  });

  it("files whose lengths leave partial chunks inside the join are rechunked to the first file's chunk length", async () => {
    const sized = (i: number, n: number): Spec => {
      const s = base(1, n);
      s.vars = s.vars.map((v) => v.name === "time" ? { ...v, data: range(n, (k) => 10 * i + k) } : v.name === "rec" ? { ...v, data: range(3 * n, (k) => 100 * i + k) } : v);
      return s;
    };
    const paths = [file("len_a.nc", sized(0, 3)), file("len_b.nc", sized(1, 2)), file("len_c.nc", sized(2, 3))];
    const ds = await openMfDataset(paths, { concatDim: "time" });
    expect((ds.get("rec")!.data as { chunks: number[][] }).chunks[0]).toEqual([3, 3, 2]);
    expect(Array.from(await ds.get("time")!.data.compute!([{ start: 0, stop: 8 }]))).toEqual([0, 1, 2, 10, 11, 20, 21, 22]);
    expect(Array.from(await ds.get("rec")!.data.compute!([{ start: 3, stop: 6 }, { start: 0, stop: 1 }]))).toEqual([100, 103, 200]);
  });
});

