import { describe, expect, it } from "vitest";
import { crc32c } from "../../src/kernels/crc32c.js";
import { kernels } from "../../src/kernels/instance.js";

// Plain table-driven reference, FORMATS.md §9.
const TABLE = new Uint32Array(256).map((_, i) => {
  let c = i;
  for (let r = 0; r < 8; r++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  return c >>> 0;
});
function refCrc(a: Uint8Array): number {
  let c = ~0;
  for (const b of a) c = TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

describe("CRC-32C kernel", () => {
  it("gives the published check values (FORMATS.md §9, RFC 3720 B.4)", () => {
    expect(crc32c(new TextEncoder().encode("123456789"))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(0))).toBe(0);
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
    expect(crc32c(new Uint8Array(32).map((_, i) => i))).toBe(0x46dd794e);
    expect(crc32c(new Uint8Array(32).map((_, i) => 31 - i))).toBe(0x113fdb5c);
  });

  it("matches a table-driven reference on random data of every small length and a few big ones, and chains", () => {
    let seed = 1;
    const data = new Uint8Array((1 << 20) + 77).map(() => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 16) & 255);
    for (let n = 0; n < 200; n++) expect(crc32c(data.subarray(n, 2 * n + 3))).toBe(refCrc(data.subarray(n, 2 * n + 3)));
    for (const n of [4095, 65536, data.length]) expect(crc32c(data.subarray(0, n))).toBe(refCrc(data.subarray(0, n)));
    const part = crc32c(data.subarray(0, 1001));
    expect(crc32c(data.subarray(1001), part)).toBe(refCrc(data));
    // Zero copy from WASM memory.
    const k = kernels();
    const mark = k.arena.mark();
    const v = k.arena.allocView(Uint8Array, 5000);
    v.set(data.subarray(0, 5000));
    expect(crc32c(v)).toBe(refCrc(data.subarray(0, 5000)));
    k.arena.release(mark);
  });
});
