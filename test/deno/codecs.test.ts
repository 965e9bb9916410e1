// Deno: the codec factory, the LZ4/Blosc kernels and node:zlib-backed gzip work under Deno too.
import { codec } from "xpartition";

Deno.test("codecs encode under Deno", async () => {
  const f = new Float32Array(100_000).map((_, i) => Math.sin(i / 100));
  const lz4 = codec({ id: "lz4" }).encodeSync!(f);
  if (new DataView(lz4.buffer, lz4.byteOffset).getUint32(0, true) !== f.byteLength) throw new Error("lz4 size prefix");
  const blosc = await codec({ id: "blosc", cname: "lz4", clevel: 5, shuffle: 0 }).encode(f);
  if (blosc[0] !== 2 || blosc[3] !== 4) throw new Error("blosc header");
  const gz = await codec({ id: "gzip", level: 1 }).encode(f);
  if (gz[0] !== 0x1f || gz[4] !== 0 || gz[7] !== 0) throw new Error("gzip header (MTIME 0)");
});
