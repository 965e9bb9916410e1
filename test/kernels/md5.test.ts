// The 4-lane MD5 kernel against node:crypto and python3's hashlib (independent implementations): lengths
// around the padding boundaries (55/56/64 bytes: one or two tail blocks), random lengths up to ~3 MB, 1 to 4
// lanes of unequal lengths (lanes finish at different blocks), spans at unaligned addresses.
import { execFileSync } from "node:child_process";
import { createHash, randomFillSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { kernels } from "../../src/kernels/instance.js";
import { base64Digest, md5x4Ptr, type Span } from "../../src/kernels/md5.js";

const PY = "/usr/bin/python3";
const BOUNDARY = [0, 1, 2, 54, 55, 56, 57, 63, 64, 65, 118, 119, 120, 121, 127, 128, 129, 183, 184, 192, 4096];

function rng(seed: number): () => number {
  return () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) / (1 << 24);
}

/** Lane sets: boundary lengths in every lane position, and random lengths (small and up to ~3 MB). */
function laneSets(): number[][] {
  const r = rng(7);
  const sets: number[][] = [];
  for (let i = 0; i < BOUNDARY.length; i++) {
    const n = 1 + (i % 4);
    sets.push(Array.from({ length: n }, (_, l) => BOUNDARY[(i + 5 * l) % BOUNDARY.length]!));
  }
  for (let i = 0; i < 24; i++) {
    const n = 1 + (i % 4);
    const big = i % 3 === 0 ? 3_000_000 : 3000;
    sets.push(Array.from({ length: n }, () => Math.floor(r() * big)));
  }
  sets.push([1_300_001, 1_300_001, 1_300_001, 1_300_001], [2_999_999, 64, 0, 1_500_000]);
  return sets;
}

function hasPython(): boolean {
  try {
    execFileSync(PY, ["-c", "import hashlib"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

describe("md5x4 kernel", () => {
  it("gives RFC 1321's test-suite digests", () => {
    const k = kernels();
    const mark = k.arena.mark();
    try {
      const msgs = ["", "a", "abc", "message digest", "abcdefghijklmnopqrstuvwxyz",
        "12345678901234567890123456789012345678901234567890123456789012345678901234567890"];
      const spans = msgs.map((m) => {
        const b = new TextEncoder().encode(m);
        const ptr = k.arena.alloc(b.length + 1);
        k.u8.set(b, ptr);
        return { ptr, len: b.length };
      });
      const hex = (d: Uint8Array) => Array.from(d, (x) => x.toString(16).padStart(2, "0")).join("");
      const got = [...md5x4Ptr(spans.slice(0, 4), k), ...md5x4Ptr(spans.slice(4), k)].map(hex);
      expect(got).toEqual(["d41d8cd98f00b204e9800998ecf8427e", "0cc175b9c0f1b6a831c399e269772661",
        "900150983cd24fb0d6963f7d28e17f72", "f96b697d7cb7938d525a2f31aaf161d0", "c3fcd3d76192e4007dfb496cca67e13b",
        "57edf4a22be3c955ac49da2e2107b67a"]);
    } finally {
      k.arena.release(mark);
    }
  });

  it("matches node:crypto and python3's hashlib on 1-4 lanes of boundary and random lengths", () => {
    const k = kernels();
    const r = rng(11);
    const ours: string[] = [];
    const node: string[] = [];
    const inputs: Uint8Array[] = [];
    for (const lens of laneSets()) {
      const mark = k.arena.mark();
      try {
        const spans: Span[] = lens.map((len) => {
          const ptr = k.arena.alloc(len + 16) + Math.floor(r() * 16); // unaligned starts
          randomFillSync(k.u8, ptr, len + 1); // and a byte past the end, that must not count
          return { ptr, len };
        });
        const digests = md5x4Ptr(spans, k).map(base64Digest);
        spans.forEach((s, l) => {
          const bytes = k.u8.slice(s.ptr, s.ptr + s.len);
          ours.push(digests[l]!);
          node.push(createHash("md5").update(bytes).digest("base64"));
          inputs.push(bytes);
        });
      } finally {
        k.arena.release(mark);
      }
    }
    expect(ours).toEqual(node);
    if (!hasPython()) return; // node:crypto above is the reference then
    // All inputs as (u32 length, bytes) records on stdin: hashlib's digests back, one base64 per line.
    const total = inputs.reduce((s, b) => s + 4 + b.length, 0);
    const stdin = new Uint8Array(total);
    const dv = new DataView(stdin.buffer);
    let o = 0;
    for (const b of inputs) {
      dv.setUint32(o, b.length, true);
      stdin.set(b, o + 4);
      o += 4 + b.length;
    }
    const code = "import sys,hashlib,base64,struct\nd=sys.stdin.buffer.read();o=0\nwhile o<len(d):\n" +
      " n=struct.unpack_from('<I',d,o)[0];o+=4\n print(base64.b64encode(hashlib.md5(d[o:o+n]).digest()).decode());o+=n\n";
    const py = execFileSync(PY, ["-c", code], { input: stdin, maxBuffer: 1 << 24 }).toString().trim().split("\n");
    expect(py).toEqual(ours);
  });

  it("refuses spans outside memory and lane counts other than 1-4", () => {
    const k = kernels();
    expect(() => md5x4Ptr([], k)).toThrow(/1 to 4 spans/);
    expect(() => md5x4Ptr([{ ptr: 0, len: 1 }, { ptr: 0, len: 1 }, { ptr: 0, len: 1 }, { ptr: 0, len: 1 }, { ptr: 0, len: 1 }], k)).toThrow(/1 to 4/);
    expect(() => md5x4Ptr([{ ptr: k.memory.buffer.byteLength - 4, len: 8 }], k)).toThrow(/outside WASM memory/);
  });
});
