// The kernel and codec benchmarks' data: `n` distinct 2 MiB chunks (8, 1, 256, 256) of D1 float32, chunk c at
// time block c % 12 and tile floor(c / 12) % 6, of `temp` and `wind` alternately (or of `variable` only).
// Distinct chunks, never one cache-resident buffer.
import { d1Fill, d1Shape } from "xpartition/demo";

export function d1Chunks(n, variable) {
  const shape = d1Shape();
  return Array.from({ length: n }, (_, c) => {
    const t = (c % 12) * 8;
    const tile = Math.floor(c / 12) % 6;
    return d1Fill(variable ?? (c % 2 ? "wind" : "temp"), [{ start: t, stop: t + 8 }, { start: tile, stop: tile + 1 }, { start: 0, stop: 256 }, { start: 0, stop: 256 }], shape);
  });
}
