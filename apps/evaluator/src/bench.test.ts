import type { Metrics } from "@implicitrm/core";
import { describe, expect, it } from "vitest";
import type { BenchRow } from "./bench.js";
import { sweepChart } from "./plot.js";
import { markdownTable, meanStd } from "./tables.js";

function row(method: string, seed: number, alpha: number, auroc: number, nll: number): BenchRow {
  const metrics = { mae: 0.2, rmse: 0.3, r2: 0.4, auroc, pearson: 0.5, nll, ece: 0.05, ndcg: 0.9, recall: 0.8, pairwiseAccuracy: Number.NaN, pairs: 0, meanPrediction: 0.4, positiveRate: 0.4, rateError: 0 } as Metrics;
  return { method, dataset: "synthetic", seed, alpha, presentationShare: 0, metrics, bestEpoch: 3, selection: "observed-nll", seconds: 1 };
}

describe("bench summaries", () => {
  it("meanStd uses the sample standard deviation and ignores NaN", () => {
    // mean of 1, 2, 3 = 2; sample variance ((1)+(0)+(1))/2 = 1
    expect(meanStd([1, 2, 3, Number.NaN])).toEqual({ mean: 2, std: 1, n: 3 });
    expect(meanStd([5])).toEqual({ mean: 5, std: 0, n: 1 });
    expect(Number.isNaN(meanStd([]).mean)).toBe(true);
  });

  it("tables mean ± std per method, bolds the best non-oracle mean and shows — for NaN", () => {
    const rows = [row("naive", 1, 0.5, 0.8, 0.5), row("naive", 2, 0.5, 0.9, 0.4), row("implicitrm", 1, 0.5, 0.7, 0.3), row("implicitrm", 2, 0.5, 0.7, 0.3), row("oracle", 1, 0.5, 0.99, 0.1)];
    const table = markdownTable(rows);
    expect(table).toContain("Mean ± std over 2 seeds");
    // naive AUROC: mean 0.85, sample std 0.0707; best non-oracle AUROC → bold
    expect(table).toMatch(/\| synthetic \| naive \| \*\*0\.8500 ± 0\.0707\*\* \| 0\.4500 ± 0\.0707 \|/);
    expect(table).toMatch(/\| synthetic \| implicitrm \| 0\.7000 ± 0\.0000 \| \*\*0\.3000 ± 0\.0000\*\* \|/);
    expect(table).toMatch(/\| synthetic \| oracle \| 0\.9900 ± 0\.0000 \| 0\.1000 ± 0\.0000 \|/);
    expect(table).toMatch(/\| — \| (\*\*)?0\.0000 ± 0\.0000(\*\*)? \|$/m); // pair accuracy NaN, then |mean r̂ − TPR|
    expect(table).not.toContain("| α |");
  });

  it("adds an α column and draws one line per method with error bars for a sweep", () => {
    const rows = [0.2, 0.5].flatMap((a) => [row("naive", 1, a, 0.7 + a / 10, 0.5), row("implicitrm", 1, a, 0.8, 0.4)]);
    expect(markdownTable(rows)).toContain("| dataset | α | method |");
    const svg = sweepChart(rows);
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg.match(/<path /g)).toHaveLength(4); // 2 methods × 2 panels
    expect(svg).toContain(">implicitrm</text>");
    expect(svg.match(/<circle /g)).toHaveLength(8);
  });
});

describe("presentation sweeps and head diagnostics", () => {
  const diag = (pearson: number) =>
    ({
      split: "validation",
      rows: 10,
      meanReward: 0.4,
      meanActivity: 0.6,
      pearson,
      meanProduct: 0.24,
      feedbackRate: 0.25,
      activityInputs: "context",
      activityHead: "mlp",
      indistinguishable: pearson >= 0.5,
      rule: { minPearson: 0.5 },
      warning: null,
    }) as const;
  const rows = [0, 1].flatMap((w) =>
    [1, 2].flatMap((seed) => [
      { ...row("implicitrm", seed, 0.5, 0.8, 0.4), presentationShare: w, diagnostics: { ...diag(seed === 1 ? 0.7 : 0.1) } },
      { ...row("naive", seed, 0.5, 0.8 + w / 10, 0.5), presentationShare: w },
    ]),
  );

  it("adds a w column and a diagnostics table with the warnings counted", () => {
    const table = markdownTable(rows);
    expect(table).toContain("| dataset | w | method |");
    expect(table).toContain("Warning rule: Pearson(σ(f), σ(g)) ≥ 0.5.");
    // Pearson 0.7 and 0.1: mean 0.4, sample std 0.4243; one of two seeds warned
    expect(table).toMatch(/\| synthetic \| 1 \| implicitrm \| mlp on context \| 0\.400 ± 0\.000 \| 0\.600 ± 0\.000 \| 0\.400 ± 0\.424 \| 1\/2 \|/);
    expect(table).not.toMatch(/\| naive \| mlp/);
  });

  it("draws AUROC, NLL and |mean r̂ − TPR| against w", () => {
    const svg = sweepChart(rows, "presentationShare");
    expect(svg.match(/<path /g)).toHaveLength(6); // 2 methods × 3 panels
    expect(svg).toContain("presentation share w");
  });
});
