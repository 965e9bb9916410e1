// Test inputs for the codecs: random, constant, smooth float (D1), text-like, and edge sizes.
import { d1Fill } from "../../src/demo/d1.js";

/** Deterministic pseudo-random bytes (xorshift32). */
export function randomBytes(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 255;
  }
  return out;
}

/** Smooth float32 data: D1 `temp` over `n` elements (rows of 256). */
export function smoothFloat32(n: number): Float32Array {
  const rows = Math.ceil(n / 256);
  const full = d1Fill("temp", [{ start: 0, stop: 1 }, { start: 0, stop: 1 }, { start: 0, stop: rows }, { start: 0, stop: 256 }], [96, 6, Math.max(rows, 256), 256]);
  return full.slice(0, n);
}

/** Text-like bytes: words from a small vocabulary. */
export function textBytes(n: number, seed = 7): Uint8Array {
  const words = ["the ", "quick ", "brown ", "fox ", "jumps ", "over ", "lazy ", "dog ", "zarr ", "chunk ", "\n", "xpartition "];
  const r = randomBytes(n, seed);
  const out = new Uint8Array(n);
  let p = 0;
  let i = 0;
  while (p < n) {
    const w = words[r[i++ % n]! % words.length]!;
    for (let j = 0; j < w.length && p < n; j++) out[p++] = w.charCodeAt(j);
  }
  return out;
}

export interface Case {
  name: string;
  bytes: Uint8Array;
}

/** The byte corpus at one size. */
export function corpus(n: number): Case[] {
  const f = smoothFloat32(Math.ceil(n / 4));
  return [
    { name: `random-${n}`, bytes: randomBytes(n, n + 1) },
    { name: `zeros-${n}`, bytes: new Uint8Array(n) },
    { name: `const-${n}`, bytes: new Uint8Array(n).fill(0xa5) },
    { name: `smooth-${n}`, bytes: new Uint8Array(f.buffer, 0, n) },
    { name: `text-${n}`, bytes: textBytes(n) },
  ];
}

/** Typed-array constructors for every element size, to exercise typesize from the dtype. */
export const DTYPE_CTORS = [Uint8Array, Int8Array, Int16Array, Uint16Array, Int32Array, Float32Array, Float64Array, BigInt64Array] as const;

/** A typed view of `bytes` (rounded down to whole elements) with element size of `ctor`. */
export function typed(bytes: Uint8Array, ctor: (typeof DTYPE_CTORS)[number]): ArrayBufferView {
  const n = Math.floor(bytes.byteLength / ctor.BYTES_PER_ELEMENT);
  const copy = bytes.slice(0, n * ctor.BYTES_PER_ELEMENT);
  return new ctor(copy.buffer, 0, n);
}
