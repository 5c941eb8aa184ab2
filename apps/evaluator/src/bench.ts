/**
 * The benchmark: methods × datasets × seeds, each cell trained and evaluated on the same simulated
 * data for a given (dataset, seed). Rows are `{method, dataset, seed, metrics}`; the summary table
 * reports mean ± std over seeds.
 */
import { ConfigError, type Metrics, getObjective, resolveObjectiveOptions } from "@implicitrm/core";
import { type GridPoint, type TrainerConfig, loadDataset, trainAndEvaluate } from "@implicitrm/trainer";
import { lineChartSvg } from "./plot.js";

export interface BenchRow {
  method: string;
  dataset: string;
  seed: number;
  /** Simulator bias strength α of this row's data. */
  alpha: number;
  metrics: Metrics;
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
  const total = plan.methods.length * plan.datasets.length * plan.seeds.length * plan.alphas.length;
  for (const dataset of plan.datasets) {
    for (const alpha of plan.alphas) {
      for (const seed of plan.seeds) {
        const data = await loadDataset(dataset, seed, { ...plan.config, alpha }, log);
        onData?.(dataset, alpha, seed, data.info);
        for (const method of plan.methods) {
          const { objective, options } = parseMethodSpec(method);
          const run = await trainAndEvaluate(
            data,
            { ...plan.config, alpha, objective, objectiveOptions: { ...plan.config.objectiveOptions, ...options }, seed },
            undefined,
            undefined,
            plan.grid,
          );
          run.result.model.dispose();
          if (!run.metrics) {
            throw new ConfigError(`dataset "${dataset}" has no clean test labels (rStar): bench needs ground truth to compare methods`);
          }
          const row: BenchRow = {
            method,
            dataset: datasetLabel(dataset),
            seed,
            alpha,
            metrics: run.metrics,
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
  return rows;
}

/**
 * A method spec is an objective name with optional options: `ips` or `ips:propensity=estimated;clipMin=0.1`.
 * Values that parse as numbers are numbers. The options are checked against the objective's own
 * (an unknown objective or option is a ConfigError listing what exists).
 */
export function parseMethodSpec(spec: string): { objective: string; options: Record<string, unknown> } {
  const [objective = "", rest] = spec.split(/:(.*)/s, 2);
  const options: Record<string, unknown> = {};
  for (const part of (rest ?? "").split(";").filter(Boolean)) {
    const eq = part.indexOf("=");
    if (eq <= 0) throw new ConfigError(`method "${spec}": options are written key=value;key=value, got "${part}"`);
    const raw = part.slice(eq + 1);
    options[part.slice(0, eq)] = raw.trim() !== "" && Number.isFinite(Number(raw)) ? Number(raw) : raw;
  }
  resolveObjectiveOptions(getObjective(objective), options);
  return { objective, options };
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
];

/** Rows grouped by (dataset, α, method), in first-seen order. */
export function groupRows(rows: BenchRow[]): Array<{ dataset: string; alpha: number; method: string; rows: BenchRow[] }> {
  const groups = new Map<string, { dataset: string; alpha: number; method: string; rows: BenchRow[] }>();
  for (const r of rows) {
    const key = `${r.dataset}\u0000${r.alpha}\u0000${r.method}`;
    if (!groups.has(key)) groups.set(key, { dataset: r.dataset, alpha: r.alpha, method: r.method, rows: [] });
    groups.get(key)!.rows.push(r);
  }
  return [...groups.values()];
}

/**
 * A Markdown table, one row per (dataset, method) — and α when several were run — with cells
 * `mean ± std` over seeds; the best mean of each column within a (dataset, α) block is in bold.
 */
export function markdownTable(rows: BenchRow[]): string {
  const groups = groupRows(rows);
  const sweep = unique(rows.map((r) => r.alpha)).length > 1;
  const seeds = unique(rows.map((r) => String(r.seed))).length;
  const stats = groups.map((g) => TABLE_COLUMNS.map((c) => meanStd(g.rows.map((r) => r.metrics[c.key]))));
  const best = new Map<string, number>();
  groups.forEach((g, gi) => {
    TABLE_COLUMNS.forEach((c, ci) => {
      if (g.method === "oracle") return; // the upper bound is not a competitor
      const key = `${g.dataset}\u0000${g.alpha}\u0000${ci}`;
      const m = stats[gi]![ci]!.mean;
      if (Number.isNaN(m)) return;
      const prev = best.get(key);
      if (prev === undefined || (c.higherIsBetter ? m > prev : m < prev)) best.set(key, m);
    });
  });
  const header = `| dataset |${sweep ? " α |" : ""} method | ${TABLE_COLUMNS.map((c) => c.header).join(" | ")} |`;
  const rule = `|---|${sweep ? "---|" : ""}---|${TABLE_COLUMNS.map(() => "---").join("|")}|`;
  const body = groups.map((g, gi) => {
    const cells = TABLE_COLUMNS.map((_c, ci) => {
      const { mean, std } = stats[gi]![ci]!;
      if (Number.isNaN(mean)) return "—";
      const text = `${mean.toFixed(4)} ± ${std.toFixed(4)}`;
      return best.get(`${g.dataset}\u0000${g.alpha}\u0000${ci}`) === mean && g.method !== "oracle" ? `**${text}**` : text;
    });
    return `| ${g.dataset} |${sweep ? ` ${g.alpha} |` : ""} ${g.method} | ${cells.join(" | ")} |`;
  });
  const note = `Mean ± std over ${seeds} seed${seeds === 1 ? "" : "s"} on the clean test split; best non-oracle mean in bold.`;
  return [note, "", header, rule, ...body, ""].join("\n");
}

/** The α-sweep chart: AUROC and NLL against α, one line per method (per dataset when several). */
export function sweepChart(rows: BenchRow[]): string {
  const datasets = unique(rows.map((r) => r.dataset));
  const panelsFor = (key: "auroc" | "nll", title: string) => ({
    title,
    yLabel: title,
    series: groupSeries(rows, datasets.length > 1).map(({ name, groups }) => ({
      name,
      points: groups.map((g) => ({ x: g.alpha, ...meanStd(g.rows.map((r) => r.metrics[key])) })),
    })),
  });
  return lineChartSvg([panelsFor("auroc", "AUROC ↑"), panelsFor("nll", "NLL ↓")], "α (smaller = stronger bias)");
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
