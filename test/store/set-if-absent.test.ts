import { describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, existsSync, rmSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { FileSystemStore, StoreOps, StoreError, requireOps } from "../../src/store/index.js";

const tmp = () => mkdtempSync(join(tmpdir(), "xp-sia-"));
const run = promisify(execFile);
const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array | undefined) => (b === undefined ? undefined : new TextDecoder().decode(b));

describe.each([true, false])("FileSystemStore.setIfAbsent, durable %s", (durable) => {
  it("creates an absent key (true), leaves an existing one as it is (false), and leaves no temporary file", async () => {
    const dir = tmp();
    const s = new FileSystemStore(dir, { durable });
    expect(await s.setIfAbsent("/.xpartition/init.json", bytes("first"))).toBe(true);
    expect(await s.setIfAbsent("/.xpartition/init.json", bytes("second"))).toBe(false);
    expect(text(await s.get("/.xpartition/init.json"))).toBe("first");
    await s.set("/k", bytes("set"));
    expect(await s.setIfAbsent("/k", bytes("other"))).toBe(false);
    expect(text(await s.get("/k"))).toBe("set");
    expect(readdirSync(join(dir, ".xpartition"))).toEqual(["init.json"]);
    expect(readdirSync(dir).sort()).toEqual([".xpartition", "k"]);
  });

  it("creates missing subdirectories but not a missing store root", async () => {
    const dir = tmp();
    const s = new FileSystemStore(dir, { durable });
    expect(await s.setIfAbsent("/a/b/c", bytes("x"))).toBe(true);
    rmSync(dir, { recursive: true });
    const err = await s.setIfAbsent("/a/b/d", bytes("y")).catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(StoreError);
    expect(err!.message).toContain(`store root ${dir} no longer exists`);
    expect(existsSync(dir)).toBe(false);
  });
});

describe("StoreOps.setIfAbsent", () => {
  it("uses the store's own, or checks a Map in one turn (atomic in-process), or checks then sets", async () => {
    const dir = tmp();
    const fsOps = new StoreOps(new FileSystemStore(dir));
    expect(fsOps.canSetIfAbsent).toBe(true);
    expect(await fsOps.setIfAbsent("/x", bytes("1"))).toBe(true);
    expect(await fsOps.setIfAbsent("/x", bytes("2"))).toBe(false);

    const m = new Map<string, Uint8Array>();
    const mapOps = new StoreOps(m);
    expect(mapOps.canSetIfAbsent).toBe(true);
    // Many at once on one key: exactly one wins.
    const wins = await Promise.all(Array.from({ length: 20 }, (_, i) => mapOps.setIfAbsent("/x", bytes(String(i)))));
    expect(wins.filter(Boolean).length).toBe(1);
    expect(text(m.get("/x"))).toBe(String(wins.indexOf(true)));

    const plain = new Map<string, Uint8Array>();
    const bare = new StoreOps({ get: (k: string) => plain.get(k), set: (k: string, v: Uint8Array) => void plain.set(k, v) });
    expect(bare.canSetIfAbsent).toBe(false);
    expect(await bare.setIfAbsent("/y", bytes("a"))).toBe(true);
    expect(await bare.setIfAbsent("/y", bytes("b"))).toBe(false);
    expect(text(plain.get("/y"))).toBe("a");
    expect(() => requireOps(bare, { setIfAbsent: true }, "init's claim")).toThrow(/init's claim needs a store with an atomic setIfAbsent/);
    expect(() => requireOps(mapOps, { setIfAbsent: true }, "init's claim")).not.toThrow();
  });

  it("getRange reads through the store's getRange, or slices a get", async () => {
    const dir = tmp();
    const fsOps = new StoreOps(new FileSystemStore(dir));
    await fsOps.set("/r", Uint8Array.from([0, 1, 2, 3, 4, 5]));
    expect(Array.from((await fsOps.getRange("/r", 2, 3))!)).toEqual([2, 3, 4]);
    expect(Array.from((await fsOps.getRange("/r", 4, 10))!)).toEqual([4, 5]);
    const mapOps = new StoreOps(new Map([["/r", Uint8Array.from([0, 1, 2, 3, 4, 5])]]));
    expect(Array.from((await mapOps.getRange("/r", 1, 2))!)).toEqual([1, 2]);
    expect(Array.from((await mapOps.getRange("/r", 9, 2))!)).toEqual([]);
    expect(await mapOps.getRange("/none", 0, 1)).toBeUndefined();
  });
});

describe("setIfAbsent across processes", () => {
  it("two processes racing on the same keys: exactly one creates each, and the key holds the winner's bytes", async () => {
    const dir = tmp();
    mkdirSync(join(dir, ".xpartition"));
    const fsModule = new URL("../../dist/store/fs.js", import.meta.url).href;
    const keys = 200;
    const start = Date.now() + 1500; // both start together (each process spins until then)
    const script = (who: string) => `import { FileSystemStore } from ${JSON.stringify(fsModule)};
      const s = new FileSystemStore(${JSON.stringify(dir)});
      while (Date.now() < ${start}) {}
      const won = [];
      for (let i = 0; i < ${keys}; i++) {
        const key = i % 2 ? "/.xpartition/init-" + i + ".json" : "/d" + (i % 7) + "/init-" + i + ".json";
        if (await s.setIfAbsent(key, new TextEncoder().encode(${JSON.stringify(who)} + i))) won.push(i);
      }
      console.log(JSON.stringify(won));`;
    const [a, b] = await Promise.all(["A", "B"].map((w) => run(process.execPath, ["--input-type=module", "-e", script(w)], { timeout: 30_000 })));
    const wonA = new Set(JSON.parse(a!.stdout) as number[]);
    const wonB = new Set(JSON.parse(b!.stdout) as number[]);
    for (let i = 0; i < keys; i++) {
      expect(wonA.has(i) !== wonB.has(i)).toBe(true); // exactly one true per key
      const key = i % 2 ? `.xpartition/init-${i}.json` : `d${i % 7}/init-${i}.json`;
      expect(readFileSync(join(dir, key), "utf8")).toBe(`${wonA.has(i) ? "A" : "B"}${i}`);
    }
    // No temporary file is left behind.
    const all = readdirSync(dir, { recursive: true }) as string[];
    expect(all.filter((f) => f.endsWith(".xptmp"))).toEqual([]);
  }, 40_000);
});
