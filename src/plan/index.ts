export * from "./errors.js";
export * from "./blocks.js";
export * from "./partition.js";
