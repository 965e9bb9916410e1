// The original's PartitionMapper test dataset and func, shared by the unit and system tests.
import { Dataset, fromArray } from "../../src/index.js";

/** The original's dataset: z (x: 5, y: 10) with attrs, chunked; optionally x = range(5) and b (x) chunked {x: 5}. */
export function mapperDataset(chunks: Record<string, number>, hasCoord: boolean, hasChunkedCoord: boolean): Dataset {
  // Distinct values (the original uses ones) so that a region written in the wrong place shows.
  const z = Float64Array.from({ length: 50 }, (_, i) => i * 0.5 + 1);
  const coords: Record<string, unknown> = {};
  if (hasCoord) coords.x = { dims: ["x"], data: BigInt64Array.from([0n, 1n, 2n, 3n, 4n]) };
  if (hasChunkedCoord) coords.b = { dims: ["x"], data: fromArray(BigInt64Array.from([0n, 1n, 2n, 3n, 4n]), [5], { chunks: [5] }) };
  return new Dataset({
    coords: coords as never,
    dataVars: { z: { dims: ["x", "y"], data: fromArray(z, [5, 10], { chunks: [chunks.x ?? 5, chunks.y ?? 10] }), attrs: { an: "attr" } } },
  });
}

export const renameFunc = (ds: Dataset): Dataset => ds.rename({ z: "new_name" }).assignAttrs({ dataset_attr: "fun" });

