import { describe, expect, it } from "vitest";
import { byteShuffle, byteUnshuffle, bitShuffle, bitUnshuffle, shufflePtr } from "../../src/kernels/shuffle.js";
import { kernels } from "../../src/kernels/instance.js";

// References written from the definitions in FORMATS.md §5.5, byte by byte and bit by bit.
function refShuffle(a: Uint8Array, ts: number): Uint8Array {
  const out = a.slice();
  if (ts <= 1) return out;
  const n = Math.floor(a.length / ts);
  for (let i = 0; i < n; i++) for (let j = 0; j < ts; j++) out[j * n + i] = a[i * ts + j]!;
  return out;
}
function refBitShuffle(a: Uint8Array, ts: number): Uint8Array {
  const n = Math.floor(a.length / ts);
  if (n % 8 !== 0) return a.slice();
  const out = a.slice();
  out.fill(0, 0, n * ts);
  const rowLen = n / 8;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < ts; j++)
      for (let k = 0; k < 8; k++) {
        const bit = (a[i * ts + j]! >> k) & 1;
        out[(8 * j + k) * rowLen + (i >> 3)]! |= bit << (i & 7);
      }
  return out;
}

/** Index of the first differing byte, or -1 (cheap: vitest's deep diff of big arrays is not). */
function diff(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return -2;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

let seed = 12345;
function rand(): number {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return seed >>> 16;
}
function randomBytes(n: number): Uint8Array {
  const a = new Uint8Array(n);
  for (let i = 0; i < n; i++) a[i] = rand() & 255;
  return a;
}

const TYPESIZES = [...Array.from({ length: 17 }, (_, i) => i + 1), 32, 255];
function lengths(ts: number): number[] {
  const ls = [0, 1, ts - 1, ts, 3 * ts + 1, 8 * ts, 16 * ts, 16 * ts + 5, 129 * ts + 3, 1001, 8 * ts * 97, 65536 + 8 * ts];
  return [...new Set(ls.filter((l) => l >= 0))];
}

describe("byte shuffle kernel", () => {
  it("matches the reference and round-trips for every typesize and edge length", () => {
    for (const ts of TYPESIZES) {
      for (const len of lengths(ts)) {
        const a = randomBytes(len);
        const s = byteShuffle(a, ts);
        expect(diff(s, refShuffle(a, ts)), `ts ${ts} len ${len}`).toBe(-1);
        expect(diff(byteUnshuffle(s, ts), a), `unshuffle ts ${ts} len ${len}`).toBe(-1);
      }
    }
  });

  it("handles a big buffer (2 MiB + odd) and typed arrays' element size by default", () => {
    const a = randomBytes((2 << 20) + 13);
    for (const ts of [2, 4, 8, 16]) {
      const s = byteShuffle(a, ts);
      expect(diff(s, refShuffle(a, ts))).toBe(-1);
      expect(diff(byteUnshuffle(s, ts), a)).toBe(-1);
    }
    const f = new Float64Array(1000).map((_, i) => i * 1.5);
    const bytes = new Uint8Array(f.buffer);
    expect(diff(byteShuffle(f), refShuffle(bytes, 8))).toBe(-1);
  });

  it("writes in place into WASM memory (pointer form) and rejects bad typesizes", () => {
    const k = kernels();
    const mark = k.arena.mark();
    const a = randomBytes(4096 + 3);
    const src = k.arena.alloc(a.length);
    const dst = k.arena.alloc(a.length);
    k.u8.set(a, src);
    shufflePtr("shuffle", src, dst, a.length, 4);
    expect(diff(k.u8.slice(dst, dst + a.length), refShuffle(a, 4))).toBe(-1);
    const out = k.arena.allocView(Uint8Array, a.length);
    expect(byteShuffle(a, 4, out)).toBe(out);
    expect(diff(out, refShuffle(a, 4))).toBe(-1);
    k.arena.release(mark);
    // `out` in WASM memory while copying a big JS input in grows memory: the result is still written there.
    const m2 = k.arena.mark();
    const outPtr = k.arena.alloc(64 << 20);
    const big = randomBytes(1 << 20);
    k.arena.release(m2);
    const before = k.memory.buffer.byteLength;
    k.arena.alloc(before - k.arena.mark()); // fill memory up to its end so that the next input copy must grow it
    const out2 = k.arena.view(Uint8Array, outPtr, big.length);
    const r = byteShuffle(big, 4, out2);
    expect(k.memory.buffer.byteLength).toBeGreaterThan(before);
    expect(r.byteOffset).toBe(outPtr);
    expect(diff(k.arena.view(Uint8Array, outPtr, big.length), refShuffle(big, 4))).toBe(-1);
    k.arena.release(m2);
    expect(() => byteShuffle(a, 0)).toThrow(/typesize/);
    expect(() => byteShuffle(a, 256)).toThrow(/typesize/);
    expect(() => byteShuffle(a, 2.5)).toThrow(/typesize/);
  });
});

describe("bit shuffle kernel", () => {
  it("matches FORMATS.md's worked example (<i4 1..8)", () => {
    const a = new Int32Array([1, 2, 3, 4, 5, 6, 7, 8]);
    const s = bitShuffle(a);
    expect(Array.from(s.subarray(0, 4))).toEqual([0x55, 0x66, 0x78, 0x80]);
    expect(s.subarray(4).every((x) => x === 0)).toBe(true);
  });

  it("matches the bit-level reference and round-trips for every typesize and edge length", () => {
    for (const ts of TYPESIZES) {
      for (const len of lengths(ts)) {
        const a = randomBytes(len);
        const s = bitShuffle(a, ts);
        expect(diff(s, refBitShuffle(a, ts)), `ts ${ts} len ${len}`).toBe(-1);
        expect(diff(bitUnshuffle(s, ts), a), `bitunshuffle ts ${ts} len ${len}`).toBe(-1);
      }
    }
  });

  it("handles sizes that span several static tiles and element counts that are 8 mod 16", () => {
    for (const ts of [1, 3, 4, 8, 255]) {
      for (const n of [8 * 2049, 8 * 9001]) {
        const a = randomBytes(n * ts + (ts > 1 ? ts - 1 : 0));
        const s = bitShuffle(a, ts);
        expect(diff(s, refBitShuffle(a, ts)), `ts ${ts} n ${n}`).toBe(-1);
        expect(diff(bitUnshuffle(s, ts), a)).toBe(-1);
      }
    }
  });
});
