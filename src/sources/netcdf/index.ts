// netCDF sources: one file (openNetCDF) or many joined along a dimension (openMfDataset).
export { openNetCDF, describeNetCDF, sniff, type OpenNetCDFOptions } from "./open.js";
export { openMfDataset, mfPaths, type OpenMfDatasetOptions } from "./mf.js";
export { fileHandles, HandlePool } from "./handles.js";
export { h5Files } from "./hdf5.js";
