// netCDF sources: one file (openNetCDF) or many joined along a dimension (openMfDataset; openMfRecords from
// the per-file records mfRecords makes, opening a file only when a region needs it).
export { openNetCDF, describeNetCDF, sniff, type OpenNetCDFOptions } from "./open.js";
export { openMfDataset, openMfRecords, mfRecords, mfPaths, type OpenMfDatasetOptions, type MfFileRecord } from "./mf.js";
export { fingerprintOf } from "./fingerprint.js";
export { fileHandles, HandlePool } from "./handles.js";
export { boxCache, h5Files } from "./hdf5.js";
export { directStats, rawFiles } from "./h5direct.js";
