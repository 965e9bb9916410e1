// HttpStore (the http(s): entry of the scheme table): get, getRange (Range requests, and a server that
// ignores Range), 404 as absent, other statuses as errors naming the URL, writes refused naming the URL.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { HttpStore } from "../../src/store/http.js";
import { resolveStore, storeOptions, openStoreFromOptions } from "../../src/store/resolve.js";

const body = Uint8Array.from({ length: 100 }, (_, i) => i);
let server: Server;
let base = "";
const ranges: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = new URL(req.url!, "http://x").pathname;
    if (path === "/s.zarr/broken") return void res.writeHead(500).end();
    if (path !== "/s.zarr/a/c/0" && path !== "/s.zarr/norange") return void res.writeHead(404).end();
    const range = req.headers.range;
    if (range) ranges.push(range);
    const m = range && path !== "/s.zarr/norange" ? /^bytes=(\d*)-(\d*)$/.exec(range) : null;
    if (!m) return void res.writeHead(200).end(body);
    const [from, to] = m[1] === "" ? [body.length - Number(m[2]), body.length - 1] : [Number(m[1]), Math.min(Number(m[2]), body.length - 1)];
    res.writeHead(206).end(body.subarray(from, to + 1));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/s.zarr/`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe("HttpStore", () => {
  it("reads keys and ranges; 404 is absent; a server ignoring Range is cut to the range", async () => {
    const s = resolveStore(base) as HttpStore;
    expect(s).toBeInstanceOf(HttpStore);
    expect(await s.get("/a/c/0")).toEqual(body);
    expect(await s.get("/zarr.json")).toBeUndefined();
    expect(await s.getRange("/a/c/0", { offset: 10, length: 5 })).toEqual(body.subarray(10, 15));
    expect(await s.getRange("/a/c/0", { suffixLength: 8 })).toEqual(body.subarray(92));
    expect(ranges).toEqual(["bytes=10-14", "bytes=-8"]);
    expect(await s.getRange("/norange", { offset: 3, length: 4 })).toEqual(body.subarray(3, 7));
    expect(await s.getRange("/norange", { suffixLength: 2 })).toEqual(body.subarray(98));
    await expect(s.get("/broken")).rejects.toThrow(/GET http:\/\/127\.0\.0\.1:\d+\/s\.zarr\/broken: HTTP 500/);
  });

  it("is read-only, naming the URL; reopens from plain options (worker threads)", () => {
    const s = resolveStore(base) as HttpStore;
    expect(() => s.set("/zarr.json")).toThrow(/store http:\/\/127\.0\.0\.1:\d+\/s\.zarr is read-only .*cannot write \/zarr\.json/);
    const again = openStoreFromOptions(storeOptions(s)) as HttpStore;
    expect(again).toBeInstanceOf(HttpStore);
    expect(again.url).toBe(s.url);
  });
});
