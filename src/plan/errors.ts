// Planner errors: tagged classes whose messages name the dimension, the value and the valid range, so a user
// can tell which argument of which call was wrong without reading the planner.

/** A block index outside the array's block grid along a dimension. */
export class BlockIndexError extends RangeError {
  override readonly name = "BlockIndexError";
  constructor(readonly dim: string, readonly value: number, readonly nblocks: number, readonly variable?: string) {
    super(
      `block index ${value} is out of bounds for dimension ${JSON.stringify(dim)}${of(variable)} with ${nblocks} ` +
        `block${nblocks === 1 ? "" : "s"}: valid block indices are ${-nblocks}..${nblocks - 1}`,
    );
  }
}

/** A dimension the array (or, for a Dataset, every variable) does not have. */
export class UnknownDimensionError extends Error {
  override readonly name = "UnknownDimensionError";
  constructor(readonly dim: string, readonly known: readonly string[], readonly variable?: string, what = "dimension", owner?: string) {
    super(
      `${what} ${JSON.stringify(dim)} is not a dimension of ${owner ?? (variable !== undefined ? JSON.stringify(variable) : "the array")}: ` +
        `known dimensions: [${known.map((d) => JSON.stringify(d)).join(", ")}]`,
    );
  }
}

/** Something xpartition deliberately does not do (strided block slices, blocks of unchunked arrays). */
export class NotSupportedError extends Error {
  override readonly name = "NotSupportedError";
}

/** An indexer that is neither an integer block number nor a `{ start?, stop?, step? }` slice of integers. */
export class InvalidIndexerError extends TypeError {
  override readonly name = "InvalidIndexerError";
  constructor(readonly dim: string, readonly value: unknown, detail = "") {
    super(
      `invalid block indexer for dimension ${JSON.stringify(dim)}: ${show(value)}${detail ? ` (${detail})` : ""}; ` +
        `expected an integer block number or a slice { start?, stop?, step?: 1 } of integers`,
    );
  }
}

/** A bad `ranks` or `rank`: ranks must be an integer >= 1, rank an integer in 0..ranks-1. */
export class RankError extends RangeError {
  override readonly name = "RankError";
}

/** Partition dims that are not a list of distinct dimension names. */
export class PartitionDimsError extends TypeError {
  override readonly name = "PartitionDimsError";
}

function of(variable: string | undefined): string {
  return variable !== undefined ? ` of ${JSON.stringify(variable)}` : "";
}

function show(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "bigint") return `${v}n`;
  if (typeof v === "object" && v !== null) {
    try {
      return JSON.stringify(v);
    } catch {
      return String(v);
    }
  }
  return String(v);
}
