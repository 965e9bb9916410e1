import { describe, expect, it } from "vitest";
import { fill, allEqual } from "../../src/kernels/fill.js";
import { kernels } from "../../src/kernels/instance.js";
import { DTYPES, dtypeInfo, patternWords } from "../../src/model/dtypes.js";

describe("fill kernel", () => {
  it("fills every dtype and length, including tails shorter than a v128", () => {
    for (const dt of DTYPES) {
      const info = dtypeInfo(dt);
      for (const n of [0, 1, 2, 3, 7, 15, 16, 17, 33, 1000]) {
        const a = new info.ctor(n);
        const v = info.size === 8 && info.kind !== "f" ? 0x0102030405060708n : dt === "bool" ? 1 : 7;
        fill(a, v, dt);
        for (let i = 0; i < n; i++) expect(a[i]).toBe(v);
        expect(allEqual(a, v, dt)).toBe(true);
        if (n > 0) {
          (a as Uint8Array)[n - 1] = (info.size === 8 && info.kind !== "f" ? 5n : 5) as never;
          expect(allEqual(a, v, dt)).toBe(false);
        }
      }
    }
  });

  it("is bitwise: -0.0 and NaN payloads are kept and distinguished", () => {
    const a = new Float64Array(19);
    fill(a, -0);
    expect(a.every((x) => Object.is(x, -0))).toBe(true);
    expect(allEqual(a, 0)).toBe(false);
    const nan = new Float32Array(23);
    fill(nan, NaN);
    expect(allEqual(nan, NaN)).toBe(true);
    const [lo] = patternWords("float32", NaN);
    expect(new Uint32Array(nan.buffer)[22]).toBe(lo);
  });

  it("works in place on views of WASM memory, across memory growth", () => {
    const k = kernels();
    const mark = k.arena.mark();
    const small = k.arena.allocView(Int16Array, 5);
    const smallPtr = small.byteOffset; // a detached view reports offset 0: keep the pointer, not the view
    fill(small, -3);
    const before = k.memory.buffer.byteLength;
    const big = k.arena.allocView(Float32Array, 8 << 20); // 32 MiB: forces growth
    expect(k.memory.buffer.byteLength).toBeGreaterThan(before);
    expect(small.length).toBe(0);
    fill(big, 1.5);
    expect(big[(8 << 20) - 1]).toBe(1.5);
    // `small` was detached by growth; a fresh view sees the bytes the kernel wrote.
    expect(Array.from(k.arena.view(Int16Array, smallPtr, 5))).toEqual([-3, -3, -3, -3, -3]);
    k.arena.release(mark);
  });
});
