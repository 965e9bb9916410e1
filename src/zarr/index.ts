export { toJson, jsonBytes, parseJsonBytes, parseJsonTolerant, quoteJson, RawJson, JsonError, type JsonOptions } from "./json.js";
export { normalizeAttrs, AttributeError } from "./attrs.js";
export { v2DType, v3DataType, dtypeFromV2 } from "./dtype.js";
export { chunkKey, metadataKeys, type ZarrFormat } from "./keys.js";
export { defaultFillValue, normalizeFillValue, fillValueJson, padValue, xarrayFillAttr, FillValueError, type FillValue } from "./fill.js";
export { v2ZArray, v2ZAttrs, v3ArrayDoc, metadataEntries, v2JsonBytes, V2_JSON, type ArraySpec } from "./metadata.js";
export { cfTime, CfTimeError, type CfTime, type CfDate, type CfDateFields } from "./cftime.js";
