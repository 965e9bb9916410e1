// Store resolution: paths used exactly as given, file: URLs decoded, the scheme table, reopening from plain
// options; and the filesystem store never re-creating a removed root.
import { describe, expect, it } from "vitest";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import {
  FileSystemStore, StoreError, StoreOps, openStoreFromOptions, registerStoreScheme, resolveStore, storeOptions, storeScheme,
} from "../../src/store/index.js";

const tmp = () => mkdtempSync(join(tmpdir(), "xp-resolve-"));
const HOSTILE = ["a b.zarr", "c#d.zarr", "q?x=1.zarr", "%41.zarr", "é.zarr", "-lead.zarr", "foo:bar.zarr", "*.zarr", "[ab].zarr", "semi;colon.zarr"];

describe("resolveStore", () => {
  it.each(HOSTILE)("a path is used exactly as given: %s", async (name) => {
    const dir = tmp();
    const s = resolveStore(join(dir, name)) as FileSystemStore;
    expect(s).toBeInstanceOf(FileSystemStore);
    expect(s.root).toBe(join(dir, name));
    await s.createRoot();
    await s.set("/zarr.json", new Uint8Array([1]));
    expect(readdirSync(dir)).toEqual([name]); // no sibling such as a%20b.zarr, c, %C3%A9.zarr
    expect(existsSync(join(dir, name, "zarr.json"))).toBe(true);
  });

  it("a relative path (even foo:bar.zarr, with no //) resolves against the current directory", () => {
    expect((resolveStore("foo:bar.zarr") as FileSystemStore).root).toBe(join(process.cwd(), "foo:bar.zarr"));
    expect((resolveStore("x y/é.zarr") as FileSystemStore).root).toBe(join(process.cwd(), "x y/é.zarr"));
  });

  it("file: URLs, as strings or URL objects, are decoded", () => {
    const dir = tmp();
    const p = join(dir, "a b#c?é.zarr");
    const url = pathToFileURL(p);
    expect(url.href).toContain("%20"); // encoded in the URL...
    expect((resolveStore(url) as FileSystemStore).root).toBe(p); // ...decoded in the store
    expect((resolveStore(url.href) as FileSystemStore).root).toBe(p);
    expect((resolveStore("FILE:///tmp/x%20y") as FileSystemStore).root).toBe("/tmp/x y");
    expect(() => resolveStore("file:relative.zarr")).toThrow(/store "file:relative\.zarr" is not a valid file: URL .*absolute/);
    expect(() => resolveStore("file://otherhost/x.zarr")).toThrow(StoreError);
  });

  it("http(s) and s3 open their stores (nothing sent); any other scheme:// is an error naming the scheme", () => {
    // s3: is an S3Store (test/store/s3.test.ts): opening one sends nothing.
    expect(resolveStore("s3://bucket/x.zarr").constructor.name).toBe("S3Store");
    expect(resolveStore("https://example.com/x.zarr").constructor.name).toBe("HttpStore");
    expect(resolveStore(new URL("http://example.com/x.zarr")).constructor.name).toBe("HttpStore");
    expect(() => resolveStore("gs://bucket/x.zarr")).toThrow(StoreError);
    expect(() => resolveStore("gs://bucket/x.zarr")).toThrow(/unknown scheme "gs:"/);
    expect(() => resolveStore(new URL("ftp://h/x"))).toThrow(/unknown scheme "ftp:"/);
    expect(() => resolveStore("")).toThrow(/empty/);
    expect(() => resolveStore({} as never)).toThrow(/get\(key\)/);
    expect(existsSync("s3:")).toBe(false);
    expect(existsSync("gs:")).toBe(false);
  });

  it("store objects are used as they are", () => {
    const m = new Map<string, Uint8Array>();
    expect(resolveStore(m)).toBe(m);
    const fs = new FileSystemStore(tmp());
    expect(resolveStore(fs)).toBe(fs);
  });

  it("storeScheme: file for any file: string, the scheme of scheme://, nothing for a path", () => {
    expect(storeScheme("file:/x")).toBe("file");
    expect(storeScheme("S3://b/x")).toBe("s3");
    expect(storeScheme("foo:bar.zarr")).toBeUndefined();
    expect(storeScheme("./s3://x")).toBeUndefined();
    expect(storeScheme("/a/b://c")).toBeUndefined();
  });

  it("a scheme plugs into the table, and its stores reopen from plain options", async () => {
    const mem = new Map<string, Map<string, Uint8Array>>();
    const open = (name: string) => {
      const m = mem.get(name) ?? new Map<string, Uint8Array>();
      mem.set(name, m);
      return Object.assign(m, { tableName: name });
    };
    registerStoreScheme("memtest", {
      open: (url) => open(String(url).slice("memtest://".length)),
      options: (s) => ("tableName" in s ? { scheme: "memtest", name: (s as { tableName: string }).tableName } : undefined),
      reopen: (o) => open(String(o.name)),
    });
    const s = resolveStore("memtest://one");
    await new StoreOps(s).set("/k", new Uint8Array([7]));
    const o = storeOptions(s);
    expect(o).toEqual({ scheme: "memtest", name: "one" });
    expect(Array.from((await new StoreOps(openStoreFromOptions(structuredClone(o))).get("/k"))!)).toEqual([7]);
    expect(() => registerStoreScheme("Bad:", { open: () => new Map() })).toThrow(/not valid/);
  });
});

describe("storeOptions / openStoreFromOptions", () => {
  it("a filesystem store becomes plain (structured-clone-able) options and back, keeping durable and ioThread", () => {
    const dir = join(tmp(), "a b#é.zarr");
    for (const store of [dir, pathToFileURL(dir), new FileSystemStore(dir, { durable: true, ioThread: false })]) {
      const o = storeOptions(store);
      const back = openStoreFromOptions(structuredClone(o)) as FileSystemStore;
      expect(back).toBeInstanceOf(FileSystemStore);
      expect(back.root).toBe(dir);
      if (store instanceof FileSystemStore) expect([back.durable, back.ioThread]).toEqual([true, false]);
    }
    expect(storeOptions(dir, { durable: true }).durable).toBe(true);
  });

  it("a Map cannot be reopened elsewhere; unknown options are errors", () => {
    expect(() => storeOptions(new Map())).toThrow(/cannot be reopened in another thread/);
    expect(() => openStoreFromOptions({ scheme: "nope" })).toThrow(/unknown scheme "nope:"/);
    expect(() => openStoreFromOptions({ scheme: "file" })).toThrow(/need a path/);
    expect(() => openStoreFromOptions({ scheme: "s3" })).toThrow(/S3Store: bucket must be a bucket name, got undefined/);
  });
});

describe.each([true, false])("a removed store root (ioThread %s)", (ioThread) => {
  it("is never re-created by a write: the write fails naming the root; subdirectories are still made", async () => {
    const dir = join(tmp(), "store.zarr");
    const s = new FileSystemStore(dir, { ioThread });
    await expect(s.set("/zarr.json", new Uint8Array(1))).rejects.toThrow(`store root ${dir} no longer exists: was it removed?`);
    expect(existsSync(dir)).toBe(false);
    await s.createRoot();
    await s.set("/v/c/0/0", new Uint8Array([1])); // missing subdirectories are made
    rmSync(join(dir, "v"), { recursive: true });
    await s.set("/v/c/0/1", new Uint8Array([2])); // and made again below the root
    rmSync(dir, { recursive: true });
    for (const key of ["/v/c/0/2", "/w/c/0", "/zarr.json"]) {
      const err = await s.set(key, new Uint8Array([3])).catch((e: unknown) => e as Error);
      expect(err).toBeInstanceOf(StoreError);
      expect(err!.message).toContain(`store root ${dir} no longer exists`);
    }
    expect(existsSync(dir)).toBe(false);
  });

  it("deletePrefix('/') empties the root but keeps it", async () => {
    const dir = tmp();
    const s = new FileSystemStore(dir, { ioThread });
    await s.set("/a/b", new Uint8Array(1));
    await s.set("/c", new Uint8Array(1));
    await new StoreOps(s).deletePrefix("/");
    expect(readdirSync(dir)).toEqual([]);
    await s.set("/d", new Uint8Array(1));
    expect(await s.list()).toEqual(["/d"]);
  });
});
