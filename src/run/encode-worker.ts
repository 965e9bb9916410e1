// An encode thread for `concurrency` inside one rank (./encode-pool.ts): it copies a slab of a computed block
// from shared memory into its own WASM instance, cuts the slab into chunks with the slicing kernel and encodes
// each with the variable's codec pipeline, posting every encoded chunk back as soon as it is done.
import { parentPort } from "node:worker_threads";
import { kernels } from "../kernels/instance.js";
import { ChunkSlicer } from "../kernels/slice.js";
import type { Pipeline } from "../codecs/pipeline.js";
import type { DType } from "../model/dtypes.js";
import { resolveCodecs, type VariableEncoding } from "../write/encoding.js";
import { chunkHash } from "../write/chunks.js";
import { chunkKey, type ZarrFormat } from "../zarr/keys.js";

export interface VariableMessage {
  t: "var";
  id: number;
  name: string;
  dtype: DType;
  arrayShape: number[];
  chunkShape: number[];
  pad: number | bigint | boolean;
  elementSize: number;
  encoding: VariableEncoding;
  format: ZarrFormat;
  separator: "." | "/";
}
export interface UnitMessage {
  t: "unit";
  uid: number;
  varId: number;
  sab: SharedArrayBuffer;
  byteOffset: number;
  shape: number[];
  origin: number[];
  chunks: number[][];
}
export type EncodeReply =
  | { t: "chunk"; uid: number; i: number; bytes: Uint8Array; hash: Uint8Array; seconds: number }
  | { t: "unitDone"; uid: number }
  | { t: "error"; uid: number; name: string; message: string };

interface Var {
  name: string;
  format: ZarrFormat;
  separator: "." | "/";
  slicer: ChunkSlicer;
  pipeline: Pipeline;
  elementSize: number;
  chunkShape: number[];
}

const vars = new Map<number, Var>();
const port = parentPort!;
let queue = Promise.resolve();

async function run(u: UnitMessage): Promise<void> {
  const v = vars.get(u.varId)!;
  const k = kernels();
  const mark = k.arena.mark();
  try {
    const len = u.shape.reduce((p, n) => p * n, v.elementSize);
    const ptr = k.arena.alloc(len);
    k.u8.set(new Uint8Array(u.sab, u.byteOffset, len), ptr);
    const chunkBytes = v.slicer.chunkBytes;
    const whole = (idx: number[]) =>
      u.shape.every((n, d) => n === v.chunkShape[d] && u.origin[d] === idx[d]! * v.chunkShape[d]!);
    for (let i = 0; i < u.chunks.length; i++) {
      const t0 = performance.now();
      const idx = u.chunks[i]!;
      const cmark = k.arena.mark();
      try {
        let cptr = ptr;
        if (!whole(idx)) {
          cptr = k.arena.alloc(chunkBytes);
          v.slicer.sliceInto({ ptr, shape: u.shape, origin: u.origin }, idx, cptr, k);
        }
        let bytes = await v.pipeline.encodeChunk({ ptr: cptr, len: chunkBytes }, v.elementSize);
        if (bytes.byteOffset !== 0 || bytes.byteLength !== bytes.buffer.byteLength) bytes = bytes.slice();
        // The digest's hash is computed here too: on the calling thread it would be a serial bottleneck.
        const hash = chunkHash(chunkKey(v.format, v.name, idx, v.separator), bytes);
        const msg: EncodeReply = { t: "chunk", uid: u.uid, i, bytes, hash, seconds: (performance.now() - t0) / 1000 };
        port.postMessage(msg, [bytes.buffer as ArrayBuffer]);
      } finally {
        k.arena.release(cmark);
      }
    }
    port.postMessage({ t: "unitDone", uid: u.uid } satisfies EncodeReply);
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    port.postMessage({ t: "error", uid: u.uid, name: err.name, message: err.message } satisfies EncodeReply);
  } finally {
    k.arena.release(mark);
  }
}

port.on("message", (m: VariableMessage | UnitMessage) => {
  if (m.t === "var") {
    try {
      const codecs = resolveCodecs(m.name, m.dtype, m.encoding.codecs ? 3 : 2, m.encoding);
      vars.set(m.id, {
        name: m.name, format: m.format, separator: m.separator,
        slicer: new ChunkSlicer({ arrayShape: m.arrayShape, chunkShape: m.chunkShape, dtype: m.dtype, fillValue: m.pad }),
        pipeline: codecs.pipeline, elementSize: m.elementSize, chunkShape: m.chunkShape,
      });
    } catch {
      // Reported when a unit of this variable arrives (vars.get fails) — cannot happen for a validated plan.
    }
    return;
  }
  // Units run one after another (each thread has one arena); the parent keeps at most two queued.
  queue = queue.then(() => run(m));
});
