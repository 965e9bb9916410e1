// CRC-32C (Castagnoli, reflected poly 0x82F63B78; FORMATS.md §9) by slicing-by-16: sixteen 256-entry tables
// (16 KiB, static, built on first use) consume 16 bytes per step with independent loads; WASM has no CRC
// instruction and no carry-less multiply.

const POLY: u32 = 0x82f63b78;
const TABLES: usize = memory.data(16 * 256 * 4, 64);
let ready = false;

function init(): void {
  for (let i: u32 = 0; i < 256; i++) {
    let c = i;
    for (let r = 0; r < 8; r++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
    store<u32>(TABLES + (<usize>i << 2), c);
  }
  // T[t][i] = CRC of byte i followed by t zero bytes.
  for (let t: usize = 1; t < 16; t++) {
    for (let i: usize = 0; i < 256; i++) {
      let prev = load<u32>(TABLES + ((t - 1) << 10) + (i << 2));
      store<u32>(TABLES + (t << 10) + (i << 2), (prev >>> 8) ^ load<u32>(TABLES + ((prev & 0xff) << 2)));
    }
  }
  ready = true;
}

@inline function T(t: usize, b: u32): u32 {
  return load<u32>(TABLES + (t << 10) + (<usize>(b & 0xff) << 2));
}

/** Continue a CRC-32C: `crc` is the value so far (0 for none); returns the CRC of everything including these bytes. */
export function crc32cUpdate(crc: u32, ptr: usize, len: usize): u32 {
  if (!ready) init();
  let c = ~crc;
  let p = ptr;
  let end = ptr + len;
  while (p + 16 <= end) {
    let a = load<u32>(p) ^ c;
    let b = load<u32>(p, 4);
    let d = load<u32>(p, 8);
    let e = load<u32>(p, 12);
    c = T(15, a) ^ T(14, a >>> 8) ^ T(13, a >>> 16) ^ T(12, a >>> 24) ^
        T(11, b) ^ T(10, b >>> 8) ^ T(9, b >>> 16) ^ T(8, b >>> 24) ^
        T(7, d) ^ T(6, d >>> 8) ^ T(5, d >>> 16) ^ T(4, d >>> 24) ^
        T(3, e) ^ T(2, e >>> 8) ^ T(1, e >>> 16) ^ T(0, e >>> 24);
    p += 16;
  }
  while (p < end) {
    c = (c >>> 8) ^ T(0, c ^ load<u8>(p));
    p++;
  }
  return ~c;
}
