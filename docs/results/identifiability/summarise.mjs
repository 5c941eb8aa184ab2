#!/usr/bin/env node
// Summarises the identifiability sweep (the bench JSON rows written by run.sh) into summary.json and
// summary.md: per dataset, presentation share w and method, mean ± std over seeds of test AUROC, NLL
// and |mean r̂ − TPR|, the heads' validation diagnostics, and the issue's checks (for w ≥ 0.5: the
// context-fed head's |mean r̂ − TPR| ≤ 0.05 and its AUROC ≥ naive's, per seed and on average).
// It also redraws the SVG charts from the rows with the evaluator's sweepChart: <sweep>.svg for the
// main sweeps and <sweep>.svg for the ablations (with context-fed, symmetric and naive from the main
// sweep at the same w for reference).
// Usage: node docs/results/identifiability/summarise.mjs  (from the repository root, after a build)
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { sweepChart } from "../../../apps/evaluator/dist/index.js";

const here = dirname(fileURLToPath(import.meta.url));
const files = ["synthetic", "ultrafeedback", "synthetic-ablation", "ultrafeedback-ablation", "synthetic-positives-k", "ultrafeedback-positives-k"].filter((f) => existsSync(join(here, `${f}.json`)));
const rows = files.flatMap((f) => JSON.parse(readFileSync(join(here, `${f}.json`), "utf8")).map((r) => ({ ...r, sweep: f })));

const stat = (xs) => {
  const v = xs.filter((x) => typeof x === "number" && !Number.isNaN(x));
  if (v.length === 0) return { mean: null, std: null, n: 0 };
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const std = v.length > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1)) : 0;
  return { mean, std, n: v.length };
};
const fmt = (s, d = 4) => (s.mean === null ? "—" : `${s.mean.toFixed(d)} ± ${s.std.toFixed(d)}`);

const cells = new Map();
for (const r of rows) {
  const key = `${r.sweep}|${r.dataset}|${r.presentationShare}|${r.method}`;
  if (!cells.has(key)) cells.set(key, { dataset: r.dataset, w: r.presentationShare, method: r.method, sweep: r.sweep, rows: [] });
  cells.get(key).rows.push(r);
}
const summary = [...cells.values()].map((c) => ({
  dataset: c.dataset,
  presentationShare: c.w,
  method: c.method,
  sweep: c.sweep,
  seeds: c.rows.map((r) => r.seed),
  auroc: stat(c.rows.map((r) => r.metrics.auroc)),
  nll: stat(c.rows.map((r) => r.metrics.nll)),
  rateError: stat(c.rows.map((r) => r.metrics.rateError)),
  meanPrediction: stat(c.rows.map((r) => r.metrics.meanPrediction)),
  positiveRate: stat(c.rows.map((r) => r.metrics.positiveRate)),
  ...(c.rows[0].diagnostics
    ? {
        meanReward: stat(c.rows.map((r) => r.diagnostics.meanReward)),
        meanActivity: stat(c.rows.map((r) => r.diagnostics.meanActivity)),
        headPearson: stat(c.rows.map((r) => r.diagnostics.pearson)),
        warned: c.rows.filter((r) => r.diagnostics.indistinguishable).length,
      }
    : {}),
}));

// The issue's checks, per dataset and w ≥ 0.5, paired by seed against naive.
// Checks use the main sweeps (sampling 'full').
const main = rows.filter((r) => r.sweep === "synthetic" || r.sweep === "ultrafeedback");
const bySeed = (dataset, w, method) => new Map(main.filter((r) => r.dataset === dataset && r.presentationShare === w && r.method === method).map((r) => [r.seed, r]));
const checks = [];
for (const dataset of [...new Set(main.map((r) => r.dataset))]) {
  for (const w of [...new Set(main.filter((r) => r.dataset === dataset).map((r) => r.presentationShare))].sort()) {
    const naive = bySeed(dataset, w, "naive");
    for (const method of ["context-fed", "context+prior", "symmetric", "prior-regularised"]) {
      const m = bySeed(dataset, w, method);
      if (m.size === 0 || naive.size === 0) continue;
      const seeds = [...m.keys()].filter((s) => naive.has(s));
      const diff = seeds.map((s) => m.get(s).metrics.auroc - naive.get(s).metrics.auroc);
      const rate = seeds.map((s) => m.get(s).metrics.rateError);
      checks.push({
        dataset,
        presentationShare: w,
        method,
        aurocMinusNaive: stat(diff),
        seedsAtLeastNaive: diff.filter((d) => d >= 0).length,
        rateError: stat(rate),
        seedsWithin005: rate.filter((x) => x <= 0.05).length,
        seeds: seeds.length,
        warned: seeds.filter((s) => m.get(s).diagnostics?.indistinguishable).length,
      });
    }
  }
}

writeFileSync(join(here, "summary.json"), `${JSON.stringify({ summary, checks }, null, 2)}\n`);

for (const name of files) {
  const own = rows.filter((r) => r.sweep === name);
  if (!name.endsWith("-ablation") && !name.endsWith("-positives-k")) {
    writeFileSync(join(here, `${name}.svg`), sweepChart(own, "presentationShare"));
    continue;
  }
  const shares = new Set(own.map((r) => r.presentationShare));
  const reference = rows.filter(
    (r) => r.sweep === name.replace(/-ablation$/, "") && shares.has(r.presentationShare) && ["context-fed", "symmetric", "naive"].includes(r.method),
  );
  if (name.endsWith("-positives-k")) {
    writeFileSync(join(here, `${name}.svg`), sweepChart(own, "presentationShare"));
    continue;
  }
  writeFileSync(join(here, `${name}.svg`), sweepChart([...reference, ...own], "presentationShare"));
}

const md = [];
md.push("# Identifiability sweep: summary", "");
md.push("Generated by `summarise.mjs` from the bench rows (`*.json`). Mean ± std over seeds, clean test split.", "");
const titles = {
  synthetic: "synthetic default, sampling 'full' (main sweep)",
  ultrafeedback: "UltraFeedback binarized subset, hashing encoder, sampling 'full' (main sweep)",
  "synthetic-ablation": "synthetic default, ablations, sampling 'full'",
  "ultrafeedback-ablation": "UltraFeedback, ablations, sampling 'full'",
  "synthetic-positives-k": "synthetic default, sampling 'positives+k' (k = 4), with and without importance weights",
  "ultrafeedback-positives-k": "UltraFeedback, sampling 'positives+k' (k = 4), with and without importance weights",
};
for (const sweep of files) {
  md.push(`## ${titles[sweep] ?? sweep}`, "");
  md.push("| w | method | AUROC ↑ | NLL ↓ | \\|mean r̂ − TPR\\| ↓ | mean r̂ | TPR | Pearson(σ(f), σ(g)) (val.) | warned |");
  md.push("|---|---|---|---|---|---|---|---|---|");
  for (const s of summary.filter((x) => x.sweep === sweep).sort((a, b) => a.presentationShare - b.presentationShare)) {
    md.push(
      `| ${s.presentationShare} | ${s.method} | ${fmt(s.auroc)} | ${fmt(s.nll)} | ${fmt(s.rateError)} | ${fmt(s.meanPrediction, 3)} | ${fmt(s.positiveRate, 3)} | ${s.headPearson ? fmt(s.headPearson, 3) : "—"} | ${s.warned === undefined ? "—" : `${s.warned}/${s.seeds.length}`} |`,
    );
  }
  md.push("");
}
md.push("## The issue's checks (main sweeps, paired by seed against naive)", "");
md.push("| dataset | w | method | AUROC − naive | seeds ≥ naive | \\|mean r̂ − TPR\\| | seeds ≤ 0.05 | warned |");
md.push("|---|---|---|---|---|---|---|---|");
for (const c of checks) {
  md.push(
    `| ${c.dataset} | ${c.presentationShare} | ${c.method} | ${fmt(c.aurocMinusNaive)} | ${c.seedsAtLeastNaive}/${c.seeds} | ${fmt(c.rateError)} | ${c.seedsWithin005}/${c.seeds} | ${c.warned}/${c.seeds} |`,
  );
}
md.push("");
writeFileSync(join(here, "summary.md"), md.join("\n"));
process.stdout.write(`${md.join("\n")}\n`);
