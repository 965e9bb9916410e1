// Deno: the codec factory, the LZ4/Blosc kernels and node:zlib-backed gzip work under Deno too.
import { codec } from "xpartition";
import { Blosc } from "numcodecs";

Deno.test("codecs encode under Deno", async () => {
  const f = new Float32Array(100_000).map((_, i) => Math.sin(i / 100));
  const lz4 = codec({ id: "lz4" }).encodeSync!(f);
  if (new DataView(lz4.buffer, lz4.byteOffset).getUint32(0, true) !== f.byteLength) throw new Error("lz4 size prefix");
  const blosc = await codec({ id: "blosc", cname: "lz4", clevel: 5, shuffle: 0 }).encode(f);
  if (blosc[0] !== 2 || blosc[3] !== 4) throw new Error("blosc header");
  const gz = await codec({ id: "gzip", level: 1 }).encode(f);
  if (gz[0] !== 0x1f || gz[4] !== 0 || gz[7] !== 0) throw new Error("gzip header (MTIME 0)");
});

Deno.test("every Blosc cname encodes under Deno and numcodecs.js (c-blosc) decodes it", async () => {
  const f = new Float32Array(200_000).map((_, i) => Math.round(Math.sin(i / 300) * 1000) / 16);
  const plain = new Uint8Array(f.buffer);
  for (const cname of ["blosclz", "lz4", "lz4hc", "snappy", "zlib", "zstd"]) {
    const enc = await codec({ id: "blosc", cname, clevel: 5, shuffle: 1 }).encode(f);
    if (enc.length >= plain.length) throw new Error(`${cname}: no compression (${enc.length} bytes)`);
    const dec = new Uint8Array(await new Blosc().decode(enc));
    if (dec.length !== plain.length || dec.some((b, i) => b !== plain[i])) throw new Error(`${cname}: numcodecs.js decoded other bytes`);
  }
});
