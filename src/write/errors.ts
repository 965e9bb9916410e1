// Writer errors: each names the variable, dimension, key or setting at fault, and what was expected.

/** The dataset cannot be written as given (chunks, dims, encodings): raised before anything is written. */
export class WriteSpecError extends Error {
  override readonly name = "WriteSpecError";
}

/** The store already holds a zarr node (mode "w-"), or is not initialised, or was initialised differently. */
export class StoreStateError extends Error {
  override readonly name = "StoreStateError";
}

/** The dataset does not match the schema recorded by initializeStore. */
export class SchemaMismatchError extends Error {
  override readonly name = "SchemaMismatchError";
}

/** Computing, encoding or storing a region failed mid-partition. Chunks already written stay complete. */
export class PartitionWriteError extends Error {
  override readonly name = "PartitionWriteError";
  constructor(readonly variable: string, readonly region: string, cause: unknown) {
    super(`writing variable ${JSON.stringify(variable)} region ${region} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}
