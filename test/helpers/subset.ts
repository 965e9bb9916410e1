/** Naive C-order subset of `full` (shape `shape`) over `region`: the expected values of a region read. */
export function subset(full: ArrayLike<number>, shape: number[], region: { start: number; stop: number }[]): number[] {
  const out: number[] = [];
  const rec = (d: number, off: number): void => {
    if (d === shape.length) return void out.push(full[off]!);
    for (let i = region[d]!.start; i < region[d]!.stop; i++) rec(d + 1, off * shape[d]! + i);
  };
  rec(0, 0);
  return out;
}
