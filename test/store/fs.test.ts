import { describe, expect, it } from "vitest";
import { mkdtempSync, readdirSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { FileSystemStore, StoreOps, resolveStore, StoreError } from "../../src/store/index.js";

const tmp = () => mkdtempSync(join(tmpdir(), "xp-store-"));

describe("FileSystemStore", () => {
  it("sets, gets, lists and deletes keys as files", async () => {
    const dir = tmp();
    const s = new FileSystemStore(dir);
    await s.set("/a/.zarray", new Uint8Array([1, 2]));
    await s.set("/a/c/0/1", new Uint8Array([3]));
    await s.set("/zarr.json", new Uint8Array([4]));
    expect(Array.from((await s.get("/a/c/0/1"))!)).toEqual([3]);
    expect(await s.get("/missing")).toBeUndefined();
    expect(await s.list()).toEqual(["/a/.zarray", "/a/c/0/1", "/zarr.json"]);
    expect(await s.list("/a/c/")).toEqual(["/a/c/0/1"]);
    await s.delete("/a/c/0/1");
    await s.delete("/a/c/0/1");
    expect(await s.list()).toEqual(["/a/.zarray", "/zarr.json"]);
    // no temporary files left behind
    expect(readdirSync(join(dir, "a")).some((f) => f.includes("xptmp"))).toBe(false);
  });

  it("getRange reads a byte range or a suffix (zarrita's shape, for sharded arrays); missing keys are undefined", async () => {
    const s = new FileSystemStore(tmp());
    await s.set("/a/c/0", Uint8Array.from({ length: 50 }, (_, i) => i));
    expect(Array.from((await s.getRange("/a/c/0", { offset: 3, length: 4 }))!)).toEqual([3, 4, 5, 6]);
    expect(Array.from((await s.getRange("/a/c/0", { suffixLength: 3 }))!)).toEqual([47, 48, 49]);
    expect(Array.from((await s.getRange("/a/c/0", { offset: 48, length: 10 }))!)).toEqual([48, 49]);
    expect((await s.getRange("/a/c/0", { suffixLength: 80 }))!.length).toBe(50);
    expect(await s.getRange("/a/c/9", { suffixLength: 4 })).toBeUndefined();
  });

  it("overwrites atomically and durably", async () => {
    const s = new FileSystemStore(tmp(), { durable: true });
    await s.set("/k", new Uint8Array(10).fill(1));
    await s.set("/k", new Uint8Array(3).fill(2));
    expect(Array.from((await s.get("/k"))!)).toEqual([2, 2, 2]);
  });

  it("accepts file: URLs and rejects escaping keys", async () => {
    const dir = tmp();
    const s = resolveStore(pathToFileURL(dir)) as FileSystemStore;
    expect(s.root).toBe(dir);
    await expect(s.set("/../x", new Uint8Array(1))).rejects.toThrow(StoreError);
    await expect(s.set("x", new Uint8Array(1))).rejects.toThrow(/absolute/);
    expect(() => resolveStore(new URL("https://example.com/x"))).toThrow(/file: URLs/);
    expect(() => resolveStore({} as never)).toThrow(/get\(key\)/);
  });

  it("removes a prefix", async () => {
    const dir = tmp();
    const s = new FileSystemStore(dir);
    await s.set("/t/c/0", new Uint8Array(1));
    await new StoreOps(s).deletePrefix("/t/");
    expect(existsSync(join(dir, "t"))).toBe(false);
    await s.set("/t/c/0", new Uint8Array(1));
    expect(await s.list()).toEqual(["/t/c/0"]);
  });
});

describe("StoreOps over a Map", () => {
  it("lists a Map's keys and knows what a store lacks", async () => {
    const m = new Map<string, Uint8Array>([["/b", new Uint8Array(1)], ["/a/x", new Uint8Array(1)]]);
    const ops = new StoreOps(m);
    expect(ops.canList && ops.canDelete).toBe(true);
    expect(await ops.list("/a/")).toEqual(["/a/x"]);
    await ops.deletePrefix("/a/");
    expect([...m.keys()]).toEqual(["/b"]);
    const bare = new StoreOps({ get: () => undefined, set: () => {} });
    expect(bare.canList || bare.canDelete).toBe(false);
    await expect(bare.list()).rejects.toThrow(/list/);
  });
});
