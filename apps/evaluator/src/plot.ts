/**
 * Dependency-free SVG line charts with error bars: one panel per metric, x = a swept setting
 * (e.g. α), one line per method, mean ± std over seeds; `sweepChart` draws a bench's sweep.
 */
import type { BenchRow } from "./bench.js";
import { groupRows, meanStd, unique } from "./tables.js";

/** One line of a panel: a method's mean ± std at each x. */
export interface Series {
  name: string;
  points: Array<{ x: number; mean: number; std: number }>;
}

/** One chart of a figure: a metric against the swept setting. */
export interface Panel {
  title: string;
  yLabel: string;
  series: Series[];
}

const PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#000000"];

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const step = 10 ** Math.floor(Math.log10((hi - lo) / count));
  const err = ((hi - lo) / count) / step;
  const mult = err >= 7.5 ? 10 : err >= 3.5 ? 5 : err >= 1.5 ? 2 : 1;
  const s = step * mult;
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / s) * s; v <= hi + 1e-12; v += s) ticks.push(Number(v.toFixed(10)));
  return ticks;
}

/** Renders panels side by side into one SVG document; `xLabel` names the swept setting. */
export function lineChartSvg(panels: Panel[], xLabel: string): string {
  const pw = 420;
  const ph = 300;
  const m = { l: 60, r: 16, t: 34, b: 46 };
  const legendH = 22 * Math.ceil((panels[0]?.series.length ?? 0) / 4);
  const width = pw * panels.length;
  const height = ph + legendH;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
  ];
  panels.forEach((panel, pi) => {
    const ox = pi * pw;
    const xs = panel.series.flatMap((s) => s.points.map((p) => p.x));
    const ys = panel.series.flatMap((s) => s.points.flatMap((p) => [p.mean - p.std, p.mean + p.std])).filter(Number.isFinite);
    const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
    let [y0, y1] = [Math.min(...ys), Math.max(...ys)];
    if (!(y1 > y0)) [y0, y1] = [y0 - 0.5, y1 + 0.5];
    const pad = (y1 - y0) * 0.08;
    y0 -= pad;
    y1 += pad;
    const sx = (x: number) => ox + m.l + ((x - x0) / (x1 - x0 || 1)) * (pw - m.l - m.r);
    const sy = (y: number) => m.t + (1 - (y - y0) / (y1 - y0)) * (ph - m.t - m.b);
    parts.push(`<text x="${ox + pw / 2}" y="18" text-anchor="middle" font-size="14" font-weight="bold">${esc(panel.title)}</text>`);
    parts.push(`<line x1="${sx(x0)}" y1="${sy(y0)}" x2="${sx(x1)}" y2="${sy(y0)}" stroke="#333"/>`);
    parts.push(`<line x1="${sx(x0)}" y1="${sy(y0)}" x2="${sx(x0)}" y2="${sy(y1)}" stroke="#333"/>`);
    for (const t of niceTicks(y0, y1)) {
      parts.push(`<line x1="${sx(x0) - 4}" y1="${sy(t)}" x2="${sx(x1)}" y2="${sy(t)}" stroke="#ddd"/>`);
      parts.push(`<text x="${sx(x0) - 6}" y="${sy(t) + 4}" text-anchor="end">${t}</text>`);
    }
    for (const x of [...new Set(xs)].sort((a, b) => a - b)) {
      parts.push(`<text x="${sx(x)}" y="${sy(y0) + 16}" text-anchor="middle">${x}</text>`);
    }
    parts.push(`<text x="${ox + (m.l + pw - m.r) / 2}" y="${ph - 8}" text-anchor="middle">${esc(xLabel)}</text>`);
    parts.push(
      `<text x="${ox + 14}" y="${(m.t + ph - m.b) / 2}" text-anchor="middle" transform="rotate(-90 ${ox + 14} ${(m.t + ph - m.b) / 2})">${esc(panel.yLabel)}</text>`,
    );
    panel.series.forEach((s, si) => {
      const color = PALETTE[si % PALETTE.length]!;
      const pts = [...s.points].filter((p) => Number.isFinite(p.mean)).sort((a, b) => a.x - b.x);
      const d = pts.map((p, i) => `${i === 0 ? "M" : "L"}${sx(p.x).toFixed(1)},${sy(p.mean).toFixed(1)}`).join(" ");
      parts.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2"/>`);
      for (const p of pts) {
        const [a, b] = [sy(p.mean - p.std), sy(p.mean + p.std)];
        parts.push(`<line x1="${sx(p.x)}" y1="${a.toFixed(1)}" x2="${sx(p.x)}" y2="${b.toFixed(1)}" stroke="${color}"/>`);
        parts.push(`<circle cx="${sx(p.x).toFixed(1)}" cy="${sy(p.mean).toFixed(1)}" r="3" fill="${color}"/>`);
      }
    });
  });
  panels[0]?.series.forEach((s, si) => {
    const x = 20 + (si % 4) * 160;
    const y = ph + 14 + Math.floor(si / 4) * 22;
    parts.push(`<rect x="${x}" y="${y - 9}" width="14" height="4" fill="${PALETTE[si % PALETTE.length]}"/>`);
    parts.push(`<text x="${x + 20}" y="${y - 3}">${esc(s.name)}</text>`);
  });
  parts.push("</svg>");
  return `${parts.join("\n")}\n`;
}

/**
 * A sweep chart: AUROC and NLL against the swept setting — α (default) or the presentation share
 * w, where a third panel shows |mean r̂ − TPR| — one line per method (per dataset when several).
 */
export function sweepChart(rows: BenchRow[], x: "alpha" | "presentationShare" = "alpha"): string {
  const datasets = unique(rows.map((r) => r.dataset));
  const panelsFor = (key: "auroc" | "nll" | "rateError", title: string) => ({
    title,
    yLabel: title,
    series: groupSeries(rows, datasets.length > 1).map(({ name, groups }) => ({
      name,
      points: groups.map((g) => ({ x: x === "alpha" ? g.alpha : g.presentationShare, ...meanStd(g.rows.map((r) => (r.metrics[key] as number | undefined) ?? Number.NaN)) })),
    })),
  });
  if (x === "alpha") return lineChartSvg([panelsFor("auroc", "AUROC ↑"), panelsFor("nll", "NLL ↓")], "α (smaller = stronger bias)");
  return lineChartSvg(
    [panelsFor("auroc", "AUROC ↑"), panelsFor("nll", "NLL ↓"), panelsFor("rateError", "|mean r̂ − TPR| ↓")],
    "presentation share w (0: grade only, 1: presentation only)",
  );
}

function groupSeries(rows: BenchRow[], byDataset: boolean) {
  const series = new Map<string, ReturnType<typeof groupRows>>();
  for (const g of groupRows(rows)) {
    const name = byDataset ? `${g.method} (${g.dataset})` : g.method;
    if (!series.has(name)) series.set(name, []);
    series.get(name)!.push(g);
  }
  return [...series].map(([name, groups]) => ({ name, groups }));
}
