// bench/netcdf.bench.mjs's results as an SVG bar chart, written by hand (no dependency): one horizontal bar per
// side, stacked by phase, seconds on a shared axis. Run alone to redraw from a results JSON:
//   node bench/netcdf-chart.mjs build/bench/netcdf.json bench/netcdf.svg
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const COLORS = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#9c9c9c", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7"];
const esc = (s) => String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** The bars: the median round of each side, and our in-process profile by phase. */
export function bars(r) {
  const mid = [...r.rounds].sort((a, b) => a.peer.seconds - b.peer.seconds)[Math.floor(r.rounds.length / 2)].peer;
  const ranksMax = Math.max(...mid.rankSeconds);
  const p = r.profile;
  return [
    { label: "ours: xpartition run, 2 workers (median wall)", parts: [["whole process", r.medianOurs]] },
    { label: "ours in process, ranks in turn (profile)", parts: [["HDF5 read + inflate (direct)", Math.min(p.readInflateSeconds, p.computeSeconds)], ["slicing into blocks", p.slicingSeconds], ["encoding (Blosc lz4)", p.encodeSeconds], ["writing and the rest", p.writingSeconds]] },
    { label: "xarray + dask + xpartition 0.2.2, Pool(2) (median wall)", parts: [["open_mfdataset + initialize_store", mid.initSeconds], ["ranks (slowest)", ranksMax], ["start-up, pool, other", Math.max(0, mid.seconds - mid.initSeconds - ranksMax)]] },
  ];
}

export function chartSvg(r) {
  const bs = bars(r);
  const W = 760, left = 330, right = 70, barH = 26, gap = 40, top = 46;
  const max = Math.max(...bs.map((b) => b.parts.reduce((s, [, x]) => s + x, 0)));
  const scale = (W - left - right) / max;
  const names = [...new Set(bs.flatMap((b) => b.parts.map(([n]) => n)))];
  const color = (n) => COLORS[names.indexOf(n) % COLORS.length];
  const H = top + bs.length * (barH + gap) + 20 + Math.ceil(names.length / 3) * 18;
  const out = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="10" y="20" font-size="14" font-weight="bold">${esc(`${r.files} netCDF-4 files (D1, time ${r.time}) to zarr: ${r.medianRatio.toFixed(2)}x (median of ${r.rounds.length}, span ${r.ratioSpan.map((x) => x.toFixed(2)).join("-")})`)}</text>`,
    `<text x="10" y="36" fill="#555">${esc(`seconds; ${r.date.slice(0, 16)} UTC, Node ${r.node}, load ${r.loadBefore.toFixed(2)}`)}</text>`];
  bs.forEach((b, i) => {
    const y = top + i * (barH + gap);
    out.push(`<text x="10" y="${y + barH / 2 + 4}">${esc(b.label)}</text>`);
    let x = left;
    for (const [n, s] of b.parts) {
      const w = s * scale;
      out.push(`<rect x="${x.toFixed(1)}" y="${y}" width="${Math.max(0, w).toFixed(1)}" height="${barH}" fill="${color(n)}"><title>${esc(`${n}: ${s.toFixed(2)} s`)}</title></rect>`);
      x += w;
    }
    const total = b.parts.reduce((s, [, v]) => s + v, 0);
    out.push(`<text x="${(x + 6).toFixed(1)}" y="${y + barH / 2 + 4}">${total.toFixed(2)} s</text>`);
  });
  const ly = top + bs.length * (barH + gap);
  names.forEach((n, i) => {
    const x = 10 + (i % 3) * 250, y = ly + Math.floor(i / 3) * 18;
    out.push(`<rect x="${x}" y="${y}" width="12" height="12" fill="${color(n)}"/><text x="${x + 18}" y="${y + 10}">${esc(n)}</text>`);
  });
  out.push("</svg>");
  return out.join("\n") + "\n";
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [from, to] = process.argv.slice(2);
  writeFileSync(to, chartSvg(JSON.parse(readFileSync(from, "utf8"))));
}
