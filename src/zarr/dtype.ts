// dtype names per format: NumPy typestr for zarr v2 (`<f4`, `|b1`), the core data type name for v3.
import { dtypeInfo, type DType } from "../model/dtypes.js";

const V2: Record<DType, string> = {
  bool: "|b1", int8: "|i1", uint8: "|u1",
  int16: "<i2", int32: "<i4", int64: "<i8",
  uint16: "<u2", uint32: "<u4", uint64: "<u8",
  float32: "<f4", float64: "<f8",
};

export function v2DType(dtype: DType): string {
  dtypeInfo(dtype);
  return V2[dtype];
}

export function v3DataType(dtype: DType): string {
  dtypeInfo(dtype);
  return dtype;
}

export function dtypeFromV2(s: string): DType | undefined {
  return (Object.keys(V2) as DType[]).find((k) => V2[k] === s || V2[k] === s.replace(/^[=]/, "<"));
}
