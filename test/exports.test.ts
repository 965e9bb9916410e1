// The public API: the package root holds what a user of the original needs (at most 45 run-time names, so
// that later additions keep it under 60); kernels, codecs and the demo dataset live in subpaths.
import { describe, expect, it } from "vitest";

const ROOT_REQUIRED = [
  "Dataset", "DataArray", "lazy", "derive", "fromArray", "full", "cfTime",
  "blockIndexers", "partitionIndexers", "partitionRegions", "regionToRanges", "writerRegions",
  "initializeStore", "writePartition", "writeAll", "storeStatus", "readPlan", "writePlan", "describePlan", "rankFromEnv",
  "FileSystemStore", "codec",
  "ChunksError", "ShapeError", "StoreError", "WriteSpecError", "PartitionWriteError", "PlanError", "RankError",
];
const INTERNAL = ["d1Fill", "D1_DIMS", "d1Generate", "Arena", "kernelModule", "shufflePtr", "crc32cPtr", "xxh64HexPtr",
  "planningCollection", "planFingerprint", "patternWords", "recordKey", "blocksOf", "ComputeCache", "metadataEntries"];

// Names added after the API was first cut down (issue 10: 44 names): sources, verify, attribute checks.
const LATER = ["openZarr", "concat", "SourceError", "AttributeError", "verifyStore", "VerifyError", "IncompleteInitError",
  "zerosLike", "writeRegion", "PartitionMapper", "openNetCDF", "openMfDataset", "openSource", "S3Store", "S3Error"];

describe("package exports", () => {
  it("the root: the user's API in at most 45 run-time names (under 60 with later additions), no internals", async () => {
    const names = Object.keys(await import("xpartition"));
    expect(names.filter((n) => !LATER.includes(n)).length).toBeLessThanOrEqual(45);
    expect(names.length).toBeLessThan(60);
    for (const n of ROOT_REQUIRED) expect(names, n).toContain(n);
    for (const n of INTERNAL) expect(names, n).not.toContain(n);
  });

  it("the root alone gives ds.partition / da.partition their methods, map included", async () => {
    const { Dataset, lazy } = await import("xpartition");
    const ds = new Dataset({ dataVars: { v: { dims: ["x"], data: lazy({ shape: [4], dtype: "float32", chunks: [2], compute: (r) => new Float32Array(r[0]!.stop - r[0]!.start) }) } } });
    for (const m of ["initializeStore", "write", "mappableWrite", "map"]) expect(typeof (ds.partition as unknown as Record<string, unknown>)[m], m).toBe("function");
    expect(typeof (ds.dataVars.v!.partition as unknown as Record<string, unknown>).map).toBe("function");
  });

  it("xpartition/kernels: shuffles, slicing, checksums, zstd and LZ4 blocks, the arena", async () => {
    const k = await import("xpartition/kernels");
    for (const n of ["byteShuffle", "bitShuffle", "byteUnshuffle", "bitUnshuffle", "ChunkSlicer", "crc32c", "xxh64",
      "zstdCompress", "lz4CompressBlock", "kernels", "Arena", "shufflePtr", "crc32cPtr"]) expect(Object.keys(k), n).toContain(n);
    expect(k.crc32c(new TextEncoder().encode("123456789"))).toBe(0xe3069283);
    expect(k.xxh64(new Uint8Array(0))).toBe(0xef46db3751d8e999n);
  });

  it("xpartition/codecs: codec classes and the pipeline", async () => {
    const c = await import("xpartition/codecs");
    for (const n of ["codec", "BloscCodec", "ZstdCodec", "Lz4Codec", "GzipCodec", "ZlibCodec", "BytesCodec", "ShuffleCodec", "Crc32cCodec", "Pipeline", "CodecError"]) {
      expect(Object.keys(c), n).toContain(n);
    }
  });

  it("xpartition/demo: D1", async () => {
    const d = await import("xpartition/demo");
    expect(d.D1_DIMS).toEqual(["time", "tile", "y", "x"]);
    expect(d.d1Dataset({ time: 8 }).dims).toMatchObject({ time: 8 });
  });
});
