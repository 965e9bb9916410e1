// Errors of sources (opening and reading existing datasets).

/** A source cannot be opened as asked: not a store, an unsupported dtype or codec, missing dimension names. */
export class SourceError extends Error {
  override readonly name = "SourceError";
}
