// The zstd test corpus: deterministic inputs of many kinds and sizes, shared by the unit tests (fzstd and
// numcodecs.js as decoders) and the system tests (zstd CLI, python3-zstandard).
import { d1Fill, d1Shape } from "../../src/demo/d1.js";
import { rng } from "../helpers/rng.js";

export { rng };

/** Byte shuffle as Blosc does it (FORMATS.md §5.5), with trailing bytes copied. */
export function byteShuffle(src: Uint8Array, ts: number): Uint8Array {
  const out = new Uint8Array(src.length);
  const n = Math.floor(src.length / ts);
  for (let j = 0; j < ts; j++) for (let i = 0; i < n; i++) out[j * n + i] = src[i * ts + j]!;
  out.set(src.subarray(n * ts), n * ts);
  return out;
}

const WORDS = "the of and a to in is you that it he was for on are as with his they at be this from have or".split(" ");

/** D1 `temp` values, enough whole 256x256 planes to cover `bytes` (float32), cut to exactly `bytes`. */
export function d1Bytes(bytes: number, variable: "temp" | "wind" = "temp", t0 = 0): Uint8Array {
  const planes = Math.max(1, Math.ceil(bytes / (256 * 256 * 4)));
  const shape = d1Shape(96);
  const out = new Float32Array(planes * 256 * 256);
  const tiles = 6;
  for (let p = 0; p < planes; p++) {
    const t = (t0 + Math.floor(p / tiles)) % 96;
    const k = p % tiles;
    d1Fill(variable, [{ start: t, stop: t + 1 }, { start: k, stop: k + 1 }, { start: 0, stop: 256 }, { start: 0, stop: 256 }], shape, out.subarray(p * 65536, (p + 1) * 65536));
  }
  return new Uint8Array(out.buffer, 0, bytes).slice();
}

export type Kind =
  | "random" | "zeros" | "runs" | "text" | "rare" | "f32smooth" | "f32noisy" | "f64smooth" | "f64noisy"
  | "f32smooth-shuf" | "f32noisy-shuf" | "f64smooth-shuf" | "f64noisy-shuf";
export const KINDS: Kind[] = [
  "random", "zeros", "runs", "text", "rare", "f32smooth", "f32noisy", "f64smooth", "f64noisy",
  "f32smooth-shuf", "f32noisy-shuf", "f64smooth-shuf", "f64noisy-shuf",
];

export function makeInput(kind: Kind, size: number, seed = 1): Uint8Array {
  const r = rng(seed * 7919 + size);
  const base = kind.replace("-shuf", "");
  let out: Uint8Array;
  switch (base) {
    case "random":
      out = new Uint8Array(size);
      for (let i = 0; i < size; i++) out[i] = (r() * 256) | 0;
      break;
    case "zeros":
      out = new Uint8Array(size);
      break;
    case "rare":
      // Skewed bytes 0..249 everywhere (Huffman pays), and 250..255 only at offsets 8..31 of every 32 bytes:
      // the encoder's sampled histogram (8 bytes of every 32) never sees them, yet they must get a code.
      out = new Uint8Array(size);
      for (let i = 0; i < size; i++) out[i] = i % 32 >= 8 && r() < 0.002 ? 250 + ((r() * 6) | 0) : (250 * r() * r()) | 0;
      break;
    case "runs": {
      out = new Uint8Array(size);
      let i = 0;
      while (i < size) {
        const len = 1 + ((r() * r() * 300) | 0);
        out.fill((r() * 8) | 0, i, Math.min(size, i + len));
        i += len;
      }
      break;
    }
    case "text": {
      out = new Uint8Array(size);
      let i = 0;
      while (i < size) {
        const w = WORDS[(r() * r() * WORDS.length) | 0]! + (r() < 0.1 ? ".\n" : " ");
        for (let j = 0; j < w.length && i < size; j++) out[i++] = w.charCodeAt(j);
      }
      break;
    }
    case "f32smooth":
      out = d1Bytes(size, "temp", seed);
      break;
    case "f32noisy": {
      const f = new Float32Array(Math.ceil(size / 4));
      for (let i = 0; i < f.length; i++) f[i] = Math.sin(i * 0.01) * 100 + (r() - 0.5) * 3;
      out = new Uint8Array(f.buffer, 0, size);
      break;
    }
    case "f64smooth": {
      const f = new Float64Array(Math.ceil(size / 8));
      const src = new Float32Array(d1Bytes(f.length * 4, "wind", seed).buffer);
      for (let i = 0; i < f.length; i++) f[i] = src[i]!;
      out = new Uint8Array(f.buffer, 0, size);
      break;
    }
    case "f64noisy": {
      const f = new Float64Array(Math.ceil(size / 8));
      for (let i = 0; i < f.length; i++) f[i] = Math.cos(i * 0.003) * 1e3 + r();
      out = new Uint8Array(f.buffer, 0, size);
      break;
    }
    default:
      throw new Error(`unknown corpus kind ${kind}`);
  }
  out = out.slice(0, size);
  if (kind.endsWith("-shuf")) out = byteShuffle(out, base.startsWith("f64") ? 8 : 4);
  return out;
}

export const KiB = 1024;
export const MiB = 1024 * 1024;
/** Sizes every kind is tested at; the two largest only for a few kinds (time). */
export const SIZES = [0, 1, 2, 3, 100, 127 * KiB, 128 * KiB - 1, 128 * KiB, 128 * KiB + 1];
export const BIG_SIZES = [2 * MiB, 9 * MiB];
export const BIG_KINDS: Kind[] = ["random", "text", "rare", "f32smooth", "f32smooth-shuf", "f64noisy", "runs"];

export interface Case {
  name: string;
  data: Uint8Array;
  level: number;
  checksum: boolean;
}

/** The corpus: every kind x size at levels 1 and 3 (checksum alternating), big sizes for BIG_KINDS. */
export function corpus(levels: number[] = [1, 3]): Case[] {
  const cases: Case[] = [];
  let n = 0;
  for (const kind of KINDS) {
    const sizes = BIG_KINDS.includes(kind) ? [...SIZES, ...BIG_SIZES] : SIZES;
    for (const size of sizes) {
      const data = makeInput(kind, size);
      for (const level of levels) cases.push({ name: `${kind}-${size}-L${level}`, data, level, checksum: n++ % 2 === 0 });
    }
  }
  return cases;
}
