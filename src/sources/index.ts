// Sources: existing datasets opened as lazy Datasets, one backend per format.
export { openZarr, type OpenZarrOptions, type ZarrSourceLike } from "./zarr.js";
export { SourceError } from "./errors.js";
