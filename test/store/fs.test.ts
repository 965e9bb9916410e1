import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, existsSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { FileSystemStore, StoreOps, resolveStore, StoreError } from "../../src/store/index.js";
import { STAGE_IN_FLIGHT, THREAD_MAX_BYTES, THREAD_QUEUE, stageAlloc, threadPending } from "../../src/store/io-thread.js";
import { WritePool } from "../../src/write/chunks.js";

const tmp = () => mkdtempSync(join(tmpdir(), "xp-store-"));

describe.each([true, false])("FileSystemStore, ioThread %s", (ioThread) => {
  it("sets, gets, lists and deletes keys as files", async () => {
    const dir = tmp();
    const s = new FileSystemStore(dir, { ioThread });
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
    const s = new FileSystemStore(tmp(), { ioThread });
    await s.set("/a/c/0", Uint8Array.from({ length: 50 }, (_, i) => i));
    expect(Array.from((await s.getRange("/a/c/0", { offset: 3, length: 4 }))!)).toEqual([3, 4, 5, 6]);
    expect(Array.from((await s.getRange("/a/c/0", { suffixLength: 3 }))!)).toEqual([47, 48, 49]);
    expect(Array.from((await s.getRange("/a/c/0", { offset: 48, length: 10 }))!)).toEqual([48, 49]);
    expect((await s.getRange("/a/c/0", { suffixLength: 80 }))!.length).toBe(50);
    expect(await s.getRange("/a/c/9", { suffixLength: 4 })).toBeUndefined();
  });

  it("overwrites atomically and durably", async () => {
    const s = new FileSystemStore(tmp(), { durable: true, ioThread });
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
    // http(s): a read-only store (sources); a write is refused naming the URL.
    expect(() => resolveStore(new URL("https://example.com/x")).set("/zarr.json", new Uint8Array(1))).toThrow(/https:\/\/example\.com\/x is read-only/);
    expect(() => resolveStore({} as never)).toThrow(/get\(key\)/);
  });

  it("removes a prefix", async () => {
    const dir = tmp();
    const s = new FileSystemStore(dir, { ioThread });
    await s.set("/t/c/0", new Uint8Array(1));
    await new StoreOps(s).deletePrefix("/t/");
    expect(existsSync(join(dir, "t"))).toBe(false);
    await s.set("/t/c/0", new Uint8Array(1));
    expect(await s.list()).toEqual(["/t/c/0"]);
  });

  it("writes any view exactly, leaves the caller's buffer usable, and keeps every concurrent write", async () => {
    const s = new FileSystemStore(tmp(), { ioThread });
    const big = Uint8Array.from({ length: 1000 }, (_, i) => i & 255);
    const view = big.subarray(100, 110); // a view into a larger buffer: only its bytes are written
    const shared = new Uint8Array(new SharedArrayBuffer(64), 8, 5).fill(7);
    await s.set("/v", view);
    await s.set("/s", shared);
    await s.set("/e", new Uint8Array(0));
    expect(Array.from((await s.get("/v"))!)).toEqual(Array.from(big.subarray(100, 110)));
    expect(Array.from((await s.get("/s"))!)).toEqual([7, 7, 7, 7, 7]);
    expect((await s.get("/e"))!.length).toBe(0);
    expect(big.byteLength).toBe(1000); // not detached
    const keys = Array.from({ length: 300 }, (_, i) => `/c/${i % 7}/${i}`);
    const all = keys.map((k, i) => s.set(k, new Uint8Array(3000 + i).fill(i & 255)));
    // Beyond THREAD_QUEUE waiting, writes go through fs/promises side by side instead of queueing on the thread.
    expect(threadPending()).toBeLessThanOrEqual(THREAD_QUEUE);
    await Promise.all(all);
    for (const [i, k] of keys.entries()) {
      const got = (await s.get(k))!;
      expect(got.length).toBe(3000 + i);
      expect(got.every((b) => b === (i & 255))).toBe(true);
    }
  });

  it("fails a write with the system's error, leaves no temporary file, and remakes a directory removed under it", async () => {
    const dir = tmp();
    const s = new FileSystemStore(dir, { ioThread });
    await s.set("/f", new Uint8Array(1));
    const err = await s.set("/f/x", new Uint8Array(1)).catch((e: unknown) => e as NodeJS.ErrnoException);
    expect(err).toBeInstanceOf(Error);
    expect(err!.code).toMatch(/^(ENOTDIR|EEXIST)$/);
    expect(err!.message).toContain(join(dir, "f"));
    await s.set("/d/k", new Uint8Array([1]));
    rmSync(join(dir, "d"), { recursive: true });
    await s.set("/d/k", new Uint8Array([2]));
    expect(Array.from((await s.get("/d/k"))!)).toEqual([2]);
    expect(readdirSync(dir).concat(readdirSync(join(dir, "d"))).some((f) => f.includes("xptmp"))).toBe(false);
  });
});

describe("the writer thread", () => {
  it("keeps the process alive only while writes are pending", () => {
    const dir = tmp();
    const dist = new URL("../../dist/index.js", import.meta.url).href;
    // Not awaited: the process must stay until the write lands, then exit by itself.
    const script = `import { FileSystemStore } from ${JSON.stringify(dist)};
      const s = new FileSystemStore(${JSON.stringify(dir)});
      s.set("/a/b", new Uint8Array(3_000_000).fill(9));
      s.set("/a/c", new Uint8Array([1]));
      s.set("/a/d", new Uint8Array(5_000_000).fill(8)); // above THREAD_MAX_BYTES: through fs/promises`;
    const t0 = Date.now();
    execFileSync(process.execPath, ["--input-type=module", "-e", script], { timeout: 20_000 });
    expect(Date.now() - t0).toBeLessThan(20_000);
    expect(readFileSync(join(dir, "a", "b")).length).toBe(3_000_000);
    expect(readFileSync(join(dir, "a", "d")).every((b) => b === 8)).toBe(true);
    expect(Array.from(readFileSync(join(dir, "a", "c")))).toEqual([1]);
  });

  it("started ahead of any write (init, a rank), does not keep the process alive", () => {
    const mod = new URL("../../dist/store/io-thread.js", import.meta.url).href;
    const t0 = Date.now();
    execFileSync(process.execPath, ["--input-type=module", "-e", `import { startWriterThread } from ${JSON.stringify(mod)}; startWriterThread();`], { timeout: 20_000 });
    expect(Date.now() - t0).toBeLessThan(20_000);
  });

  it("fails the writes pending when it is closed, and starts anew at the next write", async () => {
    const dir = tmp();
    const s = new FileSystemStore(dir);
    await s.set("/before", new Uint8Array([1]));
    const pending = Array.from({ length: 40 }, (_, i) => s.set(`/p/${i}`, new Uint8Array(100_000).fill(i)).then(() => "written", (e: Error) => e.message));
    const closing = FileSystemStore.closeWriterThread();
    // Writes issued while it closes go to a new thread (the failed writes' buffers are not reused).
    const next = Array.from({ length: 10 }, (_, i) => s.set(`/q/${i}`, new Uint8Array(100_000).fill(200 + i)));
    await closing;
    await Promise.all(next);
    for (let i = 0; i < 10; i++) expect((await s.get(`/q/${i}`))!.every((b) => b === 200 + i)).toBe(true);
    const outcomes = await Promise.all(pending);
    expect(outcomes.some((o) => /writer thread was closed/.test(o))).toBe(true); // 40 writes outlast a terminate
    // A pending write either landed whole or left no key (its temporary file, at most).
    for (const [i, o] of outcomes.entries()) {
      const got = await s.get(`/p/${i}`);
      if (o === "written") expect(got!.every((b) => b === i)).toBe(true);
      else if (got) expect(got.length === 100_000 && got.every((b) => b === i)).toBe(true);
    }
    await s.set("/after", new Uint8Array([2]));
    expect(Array.from((await s.get("/after"))!)).toEqual([2]);
    await FileSystemStore.closeWriterThread(); // idle: nothing to fail
    await FileSystemStore.closeWriterThread();
  });

  it("takes an owned buffer without a copy (detaching it), and copies what is not a whole buffer", async () => {
    const s = new FileSystemStore(tmp());
    const whole = new Uint8Array(50_000).fill(5);
    await s.set("/o", whole, { owned: true });
    expect(whole.byteLength).toBe(0); // given away
    expect((await s.get("/o"))!.every((b) => b === 5) && (await s.get("/o"))!.length === 50_000).toBe(true);
    const big = new Uint8Array(100).fill(6);
    const part = big.subarray(10, 20);
    await s.set("/p", part, { owned: true }); // a view into a larger buffer: copied, the buffer stays
    expect(big.byteLength).toBe(100);
    expect(Array.from((await s.get("/p"))!)).toEqual(Array(10).fill(6));
    // WASM memory cannot be given away: it is written all the same and stays usable (or, where the runtime
    // refuses the transfer, the write fails at once and leaves nothing pending).
    const mem = new WebAssembly.Memory({ initial: 1 });
    new Uint8Array(mem.buffer).fill(9);
    const r = await s.set("/w", new Uint8Array(mem.buffer), { owned: true }).then(() => "written", () => "refused");
    expect(mem.buffer.byteLength).toBe(65536);
    if (r === "written") expect((await s.get("/w"))!.every((b) => b === 9)).toBe(true);
    await s.set("/after", new Uint8Array([1]));
    const plain = new FileSystemStore(tmp(), { ioThread: false });
    const kept = new Uint8Array(10).fill(7);
    await plain.set("/k", kept, { owned: true }); // fs/promises: nothing to give away
    expect(kept.byteLength).toBe(10);
  });

  it("takes staged bytes without a copy and gives their buffer back for reuse, until a second idle", async () => {
    const s = new FileSystemStore(tmp());
    const a = stageAlloc(1000).fill(3);
    expect(a.buffer).toBeInstanceOf(SharedArrayBuffer);
    const buf = a.buffer;
    await s.set("/x", a);
    expect((await s.get("/x"))!.every((b) => b === 3)).toBe(true);
    const b = stageAlloc(2000).fill(4);
    expect(b.buffer).toBe(buf); // the same buffer, reused
    await s.set("/y", b);
    expect((await s.get("/y"))!.every((x) => x === 4)).toBe(true);
    await new Promise((r) => setTimeout(r, 1100));
    expect(stageAlloc(1000).buffer).not.toBe(buf); // the idle pool was let go
  });

  it("reuses staged buffers only after their writes landed: many distinct chunks, in flight as the writer keeps them, read back exactly", async () => {
    const s = new FileSystemStore(tmp());
    const pool = new WritePool(8);
    const n = 1_500_000;
    const seen = new Set<ArrayBufferLike>();
    const bytesOf = (i: number) => {
      const b = new Uint8Array(n);
      for (let j = 0; j < n; j += 997) b[j] = (i * 31 + j) & 255;
      b[0] = i;
      b[n - 1] = 255 - i;
      return b;
    };
    for (let i = 0; i < 40; i++) {
      await pool.room(n, STAGE_IN_FLIGHT); // as src/write/chunks.ts does before staging
      const staged = stageAlloc(n);
      staged.set(bytesOf(i));
      seen.add(staged.buffer);
      await pool.add(() => s.set(`/c/${i}`, staged), n);
    }
    await pool.drain();
    for (let i = 0; i < 40; i++) expect(Buffer.compare((await s.get(`/c/${i}`))!, bytesOf(i))).toBe(0);
    // Reused, and no more buffers than the bytes in flight allow (one more being staged).
    expect(seen.size).toBeLessThanOrEqual(Math.floor(STAGE_IN_FLIGHT / n) + 1);
  });

  it("writes staged values above THREAD_MAX_BYTES on the thread too, and never reuses a failed write's buffer", async () => {
    const dir = tmp();
    const s = new FileSystemStore(dir);
    const big = stageAlloc(THREAD_MAX_BYTES + 100_000).fill(7);
    expect(big.buffer).toBeInstanceOf(SharedArrayBuffer);
    const buf = big.buffer;
    await s.set("/big", big);
    expect((await s.get("/big"))!.every((b) => b === 7)).toBe(true);
    const again = stageAlloc(THREAD_MAX_BYTES + 100_000);
    expect(again.buffer).toBe(buf); // given back once written
    await s.set("/f", new Uint8Array(1));
    const err = await s.set("/f/x", again.fill(1)).catch((e: unknown) => e as NodeJS.ErrnoException);
    expect(err!.code).toMatch(/^(ENOTDIR|EEXIST)$/);
    expect(stageAlloc(THREAD_MAX_BYTES + 100_000).buffer).not.toBe(buf); // failed: left to the garbage collector
    expect(readdirSync(dir).some((f) => f.includes("xptmp"))).toBe(false);
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
