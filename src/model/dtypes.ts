// Data types: names, their TypedArrays and element sizes. 64-bit integers use BigInt arrays; bool is bytes.
import type { TypedArray } from "../kernels/arena.js";

export type DType =
  | "bool" | "int8" | "int16" | "int32" | "int64"
  | "uint8" | "uint16" | "uint32" | "uint64"
  | "float32" | "float64";

export const DTYPES: readonly DType[] = [
  "bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "float32", "float64",
];

export interface DTypeInfo {
  name: DType;
  size: 1 | 2 | 4 | 8;
  ctor: { new (length: number): TypedArray; new (buffer: ArrayBufferLike, byteOffset?: number, length?: number): TypedArray; BYTES_PER_ELEMENT: number };
  kind: "b" | "i" | "u" | "f";
}

const INFO: Record<DType, DTypeInfo> = {
  bool: { name: "bool", size: 1, ctor: Uint8Array, kind: "b" },
  int8: { name: "int8", size: 1, ctor: Int8Array, kind: "i" },
  int16: { name: "int16", size: 2, ctor: Int16Array, kind: "i" },
  int32: { name: "int32", size: 4, ctor: Int32Array, kind: "i" },
  int64: { name: "int64", size: 8, ctor: BigInt64Array, kind: "i" },
  uint8: { name: "uint8", size: 1, ctor: Uint8Array, kind: "u" },
  uint16: { name: "uint16", size: 2, ctor: Uint16Array, kind: "u" },
  uint32: { name: "uint32", size: 4, ctor: Uint32Array, kind: "u" },
  uint64: { name: "uint64", size: 8, ctor: BigUint64Array, kind: "u" },
  float32: { name: "float32", size: 4, ctor: Float32Array, kind: "f" },
  float64: { name: "float64", size: 8, ctor: Float64Array, kind: "f" },
};

export function isDType(x: unknown): x is DType {
  return typeof x === "string" && Object.prototype.hasOwnProperty.call(INFO, x);
}

export function dtypeInfo(dtype: DType): DTypeInfo {
  const info = isDType(dtype) ? INFO[dtype] : undefined;
  if (!info) throw new TypeError(`unknown dtype ${JSON.stringify(dtype)}: expected one of ${DTYPES.join(", ")}`);
  return info;
}

/** The dtype a TypedArray holds (Uint8Array is uint8; say "bool" explicitly where meant). */
export function dtypeOf(a: ArrayBufferView): DType {
  if (a instanceof Float64Array) return "float64";
  if (a instanceof Float32Array) return "float32";
  if (a instanceof Int8Array) return "int8";
  if (a instanceof Uint8Array || a instanceof Uint8ClampedArray) return "uint8";
  if (a instanceof Int16Array) return "int16";
  if (a instanceof Uint16Array) return "uint16";
  if (a instanceof Int32Array) return "int32";
  if (a instanceof Uint32Array) return "uint32";
  if (a instanceof BigInt64Array) return "int64";
  if (a instanceof BigUint64Array) return "uint64";
  throw new TypeError(`not a supported typed array: ${Object.prototype.toString.call(a)}`);
}

/** Whether `a` is a TypedArray that can hold `dtype` (bool accepts Uint8Array). */
export function matchesDType(a: unknown, dtype: DType): boolean {
  if (!ArrayBuffer.isView(a) || a instanceof DataView) return false;
  const info = dtypeInfo(dtype);
  return a.constructor === info.ctor || (dtype === "uint8" && a instanceof Uint8ClampedArray);
}

/** The bytes of one element of `dtype` holding `value`, as two little-endian u32 words (for kernels). */
export function patternWords(dtype: DType, value: number | bigint | boolean): [number, number] {
  const info = dtypeInfo(dtype);
  const one = new info.ctor(1) as TypedArray;
  if (info.size === 8 && info.kind !== "f") (one as BigInt64Array)[0] = BigInt(value as number | bigint);
  else (one as Float64Array)[0] = typeof value === "bigint" ? Number(value) : Number(value);
  const words = new Uint32Array(2);
  new Uint8Array(words.buffer).set(new Uint8Array(one.buffer, 0, info.size));
  return [words[0]!, words[1]!];
}
