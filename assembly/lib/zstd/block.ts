// Compressed-block encoder: match finding, literals section and sequences section (FORMATS.md §7.4-7.10).
export const BLOCK_SCRATCH_SIZE: usize = 3 * 131072 + 1024;

export function beginFrame(src: usize, len: usize, level: i32): void {}

/** Write a compressed block body for `n` bytes at `ip` into `op`; returns its size (0 or >= n means: store raw). */
export function compressBlock(ip: usize, n: usize, op: usize): usize {
  return 0;
}
