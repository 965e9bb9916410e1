// Deno: the shuffle, slicing and CRC-32C kernels (v128 SIMD) run under Deno 2 through the package name.
import { byteShuffle, byteUnshuffle, bitShuffle, bitUnshuffle, crc32c, sliceChunkArray } from "xpartition/kernels";
import { ShuffleCodec, Crc32cCodec } from "xpartition/codecs";

Deno.test("shuffle, bitshuffle, slicing and CRC-32C kernels under Deno", () => {
  const a = new Float64Array(4099).map((_, i) => Math.cos(i) * 1e6);
  const bytes = new Uint8Array(a.buffer);
  const s = byteShuffle(a);
  if (s[0] !== bytes[0] || s[1] !== bytes[8]) throw new Error("byte shuffle layout wrong");
  if (!byteUnshuffle(s, 8).every((x, i) => x === bytes[i])) throw new Error("byte unshuffle did not round-trip");
  const b = bitShuffle(new Int32Array([1, 2, 3, 4, 5, 6, 7, 8]));
  if (b[0] !== 0x55 || b[1] !== 0x66 || b[2] !== 0x78 || b[3] !== 0x80) throw new Error("bitshuffle example wrong");
  const bs = bitShuffle(a);
  if (!bitUnshuffle(bs, 8).every((x, i) => x === bytes[i])) throw new Error("bitunshuffle did not round-trip");
  if (crc32c(new TextEncoder().encode("123456789")) !== 0xe3069283) throw new Error("crc32c check value wrong");
  const c = sliceChunkArray(new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3], [0, 0], [2, 3], [2, 2], [0, 1], -0);
  if (c[0] !== 3 || !Object.is(c[1], -0) || c[2] !== 6 || !Object.is(c[3], -0)) throw new Error("slicing wrong");
  if (new ShuffleCodec(8).encodeSync(a).length !== a.byteLength) throw new Error("shuffle codec");
  if (new Crc32cCodec().encodeSync(new Uint8Array(3)).length !== 7) throw new Error("crc32c codec");
});
