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

// Byte k of x, times 4 (a table index in bytes): two ops each, and the table base folds into the load's
// offset immediate.
@inline function b0(x: u32): usize { return <usize>((x << 2) & 0x3fc); }
@inline function b1(x: u32): usize { return <usize>((x >>> 6) & 0x3fc); }
@inline function b2(x: u32): usize { return <usize>((x >>> 14) & 0x3fc); }
@inline function b3(x: u32): usize { return <usize>((x >>> 22) & 0x3fc); }

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
    c = load<u32>(b0(a), TABLES + 15 * 1024) ^ load<u32>(b1(a), TABLES + 14 * 1024) ^
        load<u32>(b2(a), TABLES + 13 * 1024) ^ load<u32>(b3(a), TABLES + 12 * 1024) ^
        load<u32>(b0(b), TABLES + 11 * 1024) ^ load<u32>(b1(b), TABLES + 10 * 1024) ^
        load<u32>(b2(b), TABLES + 9 * 1024) ^ load<u32>(b3(b), TABLES + 8 * 1024) ^
        load<u32>(b0(d), TABLES + 7 * 1024) ^ load<u32>(b1(d), TABLES + 6 * 1024) ^
        load<u32>(b2(d), TABLES + 5 * 1024) ^ load<u32>(b3(d), TABLES + 4 * 1024) ^
        load<u32>(b0(e), TABLES + 3 * 1024) ^ load<u32>(b1(e), TABLES + 2 * 1024) ^
        load<u32>(b2(e), TABLES + 1024) ^ load<u32>(b3(e), TABLES);
    p += 16;
  }
  while (p < end) {
    c = (c >>> 8) ^ T(0, c ^ load<u8>(p));
    p++;
  }
  return ~c;
}
