/**
 * The benchmark: methods × datasets × seeds, each cell trained and evaluated on the same simulated
 * data for a given (dataset, seed). Rows are `{method, dataset, seed, metrics}`; the summary table
 * reports mean ± std over seeds.
 */
import { ConfigError, type HeadDiagnostics, type Metrics, getObjective, resolveObjectiveOptions } from "@implicitrm/core";
import { type GridPoint, type TrainerConfig, loadDataset, trainAndEvaluate } from "@implicitrm/trainer";
import { lineChartSvg } from "./plot.js";

export interface BenchRow {
  method: string;
  dataset: string;
  seed: number;
  /** Simulator bias strength α of this row's data. */
  alpha: number;
  /** Simulator presentation share w of this row's data (0: the paper's protocol). */
  presentationShare: number;
  metrics: Metrics;
  /** Two-head objectives: how the heads split σ(f)·σ(g) on the validation split, with the identifiability warning. */
  diagnostics?: HeadDiagnostics;
  /** What the objective resolved from the training rows (e.g. the activity prior used). */
  resolved?: Record<string, unknown>;
  bestEpoch: number;
  selection: string;
  seconds: number;
  /** Hyperparameters picked on validation, when a grid was searched. */
  chosen?: GridPoint;
}

export interface BenchPlan {
  methods: string[];
  datasets: string[];
  /** Seeds to run (each seeds the simulation, the initialisation and the shuffling). */
  seeds: number[];
  /** Simulator α values (one, or several for a sweep). */
  alphas: number[];
  /** Simulator presentation shares (default: the config's one). */
  presentationShares?: number[];
  /** Hyperparameter points searched per cell on validation (empty: the config's values). */
  grid?: GridPoint[];
  /** Shared training and simulation settings; `objective`, `seed` and `alpha` are set per cell. */
  config: TrainerConfig;
}

/** Runs every cell of the plan in order; `onRow` sees each row as it finishes. */
export async function runBench(
  plan: BenchPlan,
  onRow?: (row: BenchRow, index: number, total: number) => void,
  onData?: (dataset: string, alpha: number, seed: number, info: Record<string, unknown>) => void,
  log?: (line: string) => void,
): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const shares = plan.presentationShares ?? [plan.config.presentationShare];
  const total = plan.methods.length * plan.datasets.length * plan.seeds.length * plan.alphas.length * shares.length;
  for (const dataset of plan.datasets) {
    for (const alpha of plan.alphas) {
      for (const presentationShare of shares) {
        for (const seed of plan.seeds) {
          const data = await loadDataset(dataset, seed, { ...plan.config, alpha, presentationShare }, log);
          onData?.(dataset, alpha, seed, data.info);
          for (const method of plan.methods) {
            const { objective, options } = parseMethodSpec(method);
            const run = await trainAndEvaluate(
              data,
              { ...plan.config, alpha, presentationShare, objective, objectiveOptions: { ...plan.config.objectiveOptions, ...options }, seed },
              undefined,
              undefined,
              plan.grid,
            );
            run.result.model.dispose();
            if (!run.metrics) {
              throw new ConfigError(`dataset "${dataset}" has no clean test labels (rStar): bench needs ground truth to compare methods`);
            }
            const row: BenchRow = {
              method: methodName(method),
              dataset: datasetLabel(dataset),
              seed,
              alpha,
              presentationShare,
              metrics: run.metrics,
              ...(run.diagnostics ? { diagnostics: run.diagnostics } : {}),
              ...(run.inputs.objective ? { resolved: run.inputs.objective } : {}),
              bestEpoch: run.bestEpoch,
              selection: run.selection,
              seconds: run.seconds,
              ...(plan.grid?.length ? { chosen: run.chosen } : {}),
            };
            rows.push(row);
            onRow?.(row, rows.length, total);
          }
        }
      }
    }
  }
  return rows;
}

/**
 * A method spec is an objective name with optional options: `ips` or `ips:propensity=estimated;clipMin=0.1`,
 * optionally preceded by a label for tables: `context-fed=implicitrm:activityInputs=context`.
 * Values that parse as numbers are numbers, `null` is null. The options are checked against the
 * objective's own (an unknown objective or option is a ConfigError listing what exists).
 */
export function parseMethodSpec(spec: string): { objective: string; options: Record<string, unknown>; label?: string } {
  const [head = "", rest] = spec.split(/:(.*)/s, 2);
  const eqAt = head.indexOf("=");
  const label = eqAt > 0 ? head.slice(0, eqAt) : undefined;
  const objective = eqAt > 0 ? head.slice(eqAt + 1) : head;
  const options: Record<string, unknown> = {};
  for (const part of (rest ?? "").split(";").filter(Boolean)) {
    const eq = part.indexOf("=");
    if (eq <= 0) throw new ConfigError(`method "${spec}": options are written key=value;key=value, got "${part}"`);
    const raw = part.slice(eq + 1);
    options[part.slice(0, eq)] = raw.trim() === "null" ? null : raw.trim() !== "" && Number.isFinite(Number(raw)) ? Number(raw) : raw;
  }
  resolveObjectiveOptions(getObjective(objective), options);
  return { objective, options, ...(label ? { label } : {}) };
}

/** The name a method gets in rows and tables: its label when the spec has one, else the spec. */
export function methodName(spec: string): string {
  return parseMethodSpec(spec).label ?? spec;
}

/** A short name for tables: a file's base name without data extensions, or the spec itself. */
export function datasetLabel(spec: string): string {
  const base = spec.replace(/[/\\]+$/, "").split(/[/\\]/).pop() ?? spec;
  return base.replace(/(\.(jsonl|json|csv|tsv|parquet))?(\.gz)?$/i, "");
}

/** Mean and sample standard deviation (n − 1; 0 for one value), ignoring NaN. */
export function meanStd(values: number[]): { mean: number; std: number; n: number } {
  const v = values.filter((x) => !Number.isNaN(x));
  if (v.length === 0) return { mean: Number.NaN, std: Number.NaN, n: 0 };
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const variance = v.length > 1 ? v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1) : 0;
  return { mean, std: Math.sqrt(variance), n: v.length };
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
      const { mean, std } = stats[gi]![ci]!;
      if (Number.isNaN(mean)) return "—";
      const text = `${mean.toFixed(4)} ± ${std.toFixed(4)}`;
      return best.get(`${block(g)}\u0000${ci}`) === mean && g.method !== "oracle" ? `**${text}**` : text;
    });
    return `| ${g.dataset} |${sweep ? ` ${g.alpha} |` : ""}${shareSweep ? ` ${g.presentationShare} |` : ""} ${g.method} | ${cells.join(" | ")} |`;
  });
  const note = `Mean ± std over ${seeds} seed${seeds === 1 ? "" : "s"} on the clean test split; best non-oracle mean in bold.${
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
  const fmt = (v: { mean: number; std: number }) => (Number.isNaN(v.mean) ? "—" : `${v.mean.toFixed(3)} ± ${v.std.toFixed(3)}`);
  const body = groupRows(withDiag).map((g) => {
    const d = g.rows.map((r) => r.diagnostics!);
    const warned = d.filter((x) => x.indistinguishable).length;
    const first = d[0]!;
    return `| ${g.dataset} |${sweep ? ` ${g.alpha} |` : ""}${shareSweep ? ` ${g.presentationShare} |` : ""} ${g.method} | ${first.activityHead} on ${first.activityInputs} | ${fmt(meanStd(d.map((x) => x.meanReward)))} | ${fmt(meanStd(d.map((x) => x.meanActivity)))} | ${fmt(meanStd(d.map((x) => x.pearson)))} | ${warned}/${d.length} |`;
  });
  const rule = withDiag[0]!.diagnostics!.rule;
  return [
    `Head diagnostics on the validation split (mean ± std over seeds). Warning rule: Pearson(σ(f), σ(g)) ≥ ${rule.minPearson}.`,
    "",
    `| dataset |${sweep ? " α |" : ""}${shareSweep ? " w |" : ""} method | activity head | mean σ(f) | mean σ(g) | Pearson(σ(f), σ(g)) | warned |`,
    `|---|${sweep ? "---|" : ""}${shareSweep ? "---|" : ""}---|---|---|---|---|---|`,
    ...body,
    "",
  ].join("\n");
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

function unique<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}
