/**
 * Bench tables: rows grouped by (dataset, α, presentation share, method), summarised as
 * mean ± std over seeds in Markdown, with the heads' diagnostics of two-head objectives.
 */
import type { Metrics } from "@implicitrm/core";
import type { BenchRow } from "./bench.js";

/** Mean and sample standard deviation (n − 1; 0 for one value), ignoring NaN. */
export function meanStd(values: number[]): { mean: number; std: number; n: number } {
  const v = values.filter((x) => !Number.isNaN(x));
  if (v.length === 0) return { mean: Number.NaN, std: Number.NaN, n: 0 };
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const variance = v.length > 1 ? v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1) : 0;
  return { mean, std: Math.sqrt(variance), n: v.length };
}

/**
 * A table cell `mean ± std` with `digits` decimals. `singleSeed` (the bench ran one seed): the spread
 * is unknown, so the cell reads `mean ± n/a` rather than a misleading `± 0.0000`. NaN means "—".
 */
export function formatMeanStd(v: { mean: number; std: number }, digits: number, singleSeed = false): string {
  if (Number.isNaN(v.mean)) return "—";
  return `${v.mean.toFixed(digits)} ± ${singleSeed ? "n/a" : v.std.toFixed(digits)}`;
}

/** Columns of the summary table: metric key, header, and whether higher is better. */
export const TABLE_COLUMNS: ReadonlyArray<{ key: keyof Metrics; header: string; higherIsBetter: boolean }> = [
  { key: "auroc", header: "AUROC ↑", higherIsBetter: true },
  { key: "nll", header: "NLL ↓", higherIsBetter: false },
  { key: "mae", header: "MAE ↓", higherIsBetter: false },
  { key: "rmse", header: "RMSE ↓", higherIsBetter: false },
  { key: "r2", header: "R² ↑", higherIsBetter: true },
  { key: "pearson", header: "Pearson ↑", higherIsBetter: true },
  { key: "ece", header: "ECE ↓", higherIsBetter: false },
  { key: "ndcg", header: "NDCG ↑", higherIsBetter: true },
  { key: "recall", header: "Recall@F1 ↑", higherIsBetter: true },
  { key: "pairwiseAccuracy", header: "Pair acc ↑", higherIsBetter: true },
  { key: "rateError", header: "\\|mean r̂ − TPR\\| ↓", higherIsBetter: false },
];

/** One (dataset, α, presentation share, method) cell of a bench and its rows over seeds. */
export interface RowGroup {
  dataset: string;
  alpha: number;
  presentationShare: number;
  method: string;
  rows: BenchRow[];
}

/** Rows grouped by (dataset, α, presentation share, method), in first-seen order. */
export function groupRows(rows: BenchRow[]): RowGroup[] {
  const groups = new Map<string, RowGroup>();
  for (const r of rows) {
    const share = r.presentationShare ?? 0;
    const key = `${r.dataset}\u0000${r.alpha}\u0000${share}\u0000${r.method}`;
    if (!groups.has(key)) groups.set(key, { dataset: r.dataset, alpha: r.alpha, presentationShare: share, method: r.method, rows: [] });
    groups.get(key)!.rows.push(r);
  }
  return [...groups.values()];
}

/**
 * A Markdown table, one row per (dataset, method) — and α, presentation share w when several were
 * run — with cells `mean ± std` over seeds; the best mean of each column within a (dataset, α, w)
 * block is in bold. When rows carry head diagnostics, a second table follows with them.
 */
export function markdownTable(rows: BenchRow[]): string {
  const groups = groupRows(rows);
  const sweep = unique(rows.map((r) => r.alpha)).length > 1;
  const shareSweep = unique(rows.map((r) => r.presentationShare ?? 0)).length > 1;
  const seeds = unique(rows.map((r) => String(r.seed))).length;
  const stats = groups.map((g) => TABLE_COLUMNS.map((c) => meanStd(g.rows.map((r) => (r.metrics[c.key] as number | undefined) ?? Number.NaN))));
  const best = new Map<string, number>();
  const block = (g: RowGroup) => `${g.dataset}\u0000${g.alpha}\u0000${g.presentationShare}`;
  groups.forEach((g, gi) => {
    TABLE_COLUMNS.forEach((c, ci) => {
      if (g.method === "oracle") return; // the upper bound is not a competitor
      const key = `${block(g)}\u0000${ci}`;
      const m = stats[gi]![ci]!.mean;
      if (Number.isNaN(m)) return;
      const prev = best.get(key);
      if (prev === undefined || (c.higherIsBetter ? m > prev : m < prev)) best.set(key, m);
    });
  });
  const header = `| dataset |${sweep ? " α |" : ""}${shareSweep ? " w |" : ""} method | ${TABLE_COLUMNS.map((c) => c.header).join(" | ")} |`;
  const rule = `|---|${sweep ? "---|" : ""}${shareSweep ? "---|" : ""}---|${TABLE_COLUMNS.map(() => "---").join("|")}|`;
  const body = groups.map((g, gi) => {
    const cells = TABLE_COLUMNS.map((_c, ci) => {
      const { mean } = stats[gi]![ci]!;
      if (Number.isNaN(mean)) return "—";
      const text = formatMeanStd(stats[gi]![ci]!, 4, seeds === 1);
      return best.get(`${block(g)}\u0000${ci}`) === mean && g.method !== "oracle" ? `**${text}**` : text;
    });
    return `| ${g.dataset} |${sweep ? ` ${g.alpha} |` : ""}${shareSweep ? ` ${g.presentationShare} |` : ""} ${g.method} | ${cells.join(" | ")} |`;
  });
  const note = `Mean ± std over ${seeds} seed${seeds === 1 ? " (std n/a)" : "s"} on the clean test split; best non-oracle mean in bold.${
    shareSweep ? " w: the simulator's presentation share." : ""
  }`;
  const diagnostics = diagnosticsTable(rows);
  return [note, "", header, rule, ...body, "", ...(diagnostics ? [diagnostics] : [])].join("\n");
}

/**
 * The heads' diagnostics of the two-head rows (validation split, mean ± std over seeds): mean σ(f),
 * mean σ(g), their Pearson correlation, and how many seeds raised the indistinguishable-heads
 * warning. Null when no row has diagnostics.
 */
export function diagnosticsTable(rows: BenchRow[]): string | null {
  const withDiag = rows.filter((r) => r.diagnostics);
  if (withDiag.length === 0) return null;
  const sweep = unique(rows.map((r) => r.alpha)).length > 1;
  const shareSweep = unique(rows.map((r) => r.presentationShare ?? 0)).length > 1;
  const singleSeed = unique(rows.map((r) => String(r.seed))).length === 1;
  const fmt = (v: { mean: number; std: number }) => formatMeanStd(v, 3, singleSeed);
  const body = groupRows(withDiag).map((g) => {
    const d = g.rows.map((r) => r.diagnostics!);
    const warned = d.filter((x) => x.indistinguishable).length;
    const saturated = d.filter((x) => x.saturated === true).length;
    const first = d[0]!;
    return `| ${g.dataset} |${sweep ? ` ${g.alpha} |` : ""}${shareSweep ? ` ${g.presentationShare} |` : ""} ${g.method} | ${first.activityHead} on ${first.activityInputs} | ${fmt(meanStd(d.map((x) => x.meanReward)))} | ${fmt(meanStd(d.map((x) => x.meanActivity)))} | ${fmt(meanStd(d.map((x) => x.pearson)))} | ${warned}/${d.length} | ${saturated}/${d.length} |`;
  });
  const rule = withDiag[0]!.diagnostics!.rule;
  const sat = withDiag.find((r) => r.diagnostics!.saturationRule)?.diagnostics?.saturationRule;
  return [
    `Head diagnostics on the validation split (mean ± std over seeds). Warning rule: Pearson(σ(f), σ(g)) ≥ ${rule.minPearson}.${
      sat ? ` Saturation rule: mean σ(g) ≥ ${sat.maxMean} or ≤ ${sat.minMean} (the reward head is then naive training rescaled).` : ""
    }`,
    "",
    `| dataset |${sweep ? " α |" : ""}${shareSweep ? " w |" : ""} method | activity head | mean σ(f) | mean σ(g) | Pearson(σ(f), σ(g)) | warned | saturated |`,
    `|---|${sweep ? "---|" : ""}${shareSweep ? "---|" : ""}---|---|---|---|---|---|---|`,
    ...body,
    "",
  ].join("\n");
}

/**
 * One line per (dataset, α, w, method) group whose head diagnostics fired on some seed: the check's
 * one-line reading (what it means, what to do) and on how many seeds it fired. Empty when none fired.
 */
export function diagnosticReadings(rows: BenchRow[]): string[] {
  const out: string[] = [];
  for (const g of groupRows(rows.filter((r) => r.diagnostics))) {
    const d = g.rows.map((r) => r.diagnostics!);
    const where = `${g.dataset} α=${g.alpha} w=${g.presentationShare} ${g.method}`;
    const checks: Array<[string, (x: (typeof d)[number]) => boolean, number]> = [
      ["identical heads", (x) => x.indistinguishable, 0],
      ["saturated activity head", (x) => x.saturated === true, 1],
    ];
    for (const [name, fired, index] of checks) {
      const hits = d.filter(fired);
      if (hits.length === 0) continue;
      const reading = hits[0]!.readings?.[index] ?? `warning: ${name}`;
      out.push(`${where}: ${reading} (${hits.length}/${d.length} seeds)`);
    }
  }
  return out;
}

/** The distinct values of `xs`, in first-seen order. */
export function unique<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}
