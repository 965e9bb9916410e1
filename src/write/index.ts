import "./accessors.js";
export { initializeStore, type InitializeOptions } from "./initialize.js";
export {
  writePartition, readCompletionRecord, DEFAULT_MEMORY_BUDGET,
  type WriteOptions, type PartitionOptions, type CompletionRecord,
} from "./write.js";
export { WriteSpecError, StoreStateError, SchemaMismatchError, PartitionWriteError } from "./errors.js";
export { defaultCompressor, resolveCodecs, type VariableEncoding, type ResolvedCodecs } from "./encoding.js";
export { planDataset, type DatasetPlan, type VariablePlan } from "./plan.js";
export {
  readSchema, schemaOf, planFingerprint, schemaDifferences, SCHEMA_KEY, RANKS_PREFIX, recordKey, type Schema, type SchemaVariable,
} from "./schema.js";
export { blocksOf } from "./blocks.js";
export { dataArrayDataset } from "./accessors.js";
export { planningCollection, type ShardPlan, type IndexLocation } from "./sharding.js";
export { writerRegions } from "./regions.js";
