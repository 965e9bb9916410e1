// Model errors: tagged classes whose messages name the variable, the dimension and the offending value.

/** Bad chunks: not positive integers, or not summing to the dimension's size. */
export class ChunksError extends RangeError {
  override readonly name = "ChunksError";
}

/** Bad shapes, dims that do not match a shape, data of the wrong length, a region outside an array. */
export class ShapeError extends RangeError {
  override readonly name = "ShapeError";
}

/** Two variables of one Dataset disagree on the size of a dimension (or share a name). */
export class DimensionConflictError extends RangeError {
  override readonly name = "DimensionConflictError";
}

/** A compute function returned something other than a TypedArray of the region's length and the array's dtype. */
export class ComputeError extends Error {
  override readonly name = "ComputeError";
}

/** `"name" ` for messages, or "" when the array has no name. */
export function label(name: string | undefined): string {
  return name !== undefined ? `${JSON.stringify(name)} ` : "";
}

/** A variable name the Dataset does not have (select, dropVars, rename). */
export class UnknownVariableError extends Error {
  override readonly name = "UnknownVariableError";
}

/** Datasets that cannot be concatenated: a variable missing, or differing where it must agree. */
export class ConcatError extends Error {
  override readonly name = "ConcatError";
}
