/**
 * The benchmark: methods × datasets × seeds, each cell trained and evaluated on the same simulated
 * data for a given (dataset, seed). Rows are `{method, dataset, seed, metrics}`; the summary table
 * reports mean ± std over seeds.
 */
import { ConfigError, type Metrics } from "@implicitrm/core";
import { type TrainerConfig, loadDataset, trainAndEvaluate } from "@implicitrm/trainer";

export interface BenchRow {
  method: string;
  dataset: string;
  seed: number;
  metrics: Metrics;
  bestEpoch: number;
  selection: string;
  seconds: number;
}

export interface BenchPlan {
  methods: string[];
  datasets: string[];
  /** Seeds to run (each seeds the simulation, the initialisation and the shuffling). */
  seeds: number[];
  /** Shared training and simulation settings; `objective` and `seed` are set per cell. */
  config: TrainerConfig;
}

/** Runs every cell of the plan in order; `onRow` sees each row as it finishes. */
export async function runBench(plan: BenchPlan, onRow?: (row: BenchRow, index: number, total: number) => void): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const total = plan.methods.length * plan.datasets.length * plan.seeds.length;
  for (const dataset of plan.datasets) {
    for (const seed of plan.seeds) {
      const data = await loadDataset(dataset, seed, plan.config);
      for (const method of plan.methods) {
        const run = await trainAndEvaluate(data, { ...plan.config, objective: method, seed });
        run.result.model.dispose();
        if (!run.metrics) {
          throw new ConfigError(`dataset "${dataset}" has no clean test labels (rStar): bench needs ground truth to compare methods`);
        }
        const row: BenchRow = { method, dataset, seed, metrics: run.metrics, bestEpoch: run.bestEpoch, selection: run.selection, seconds: run.seconds };
        rows.push(row);
        onRow?.(row, rows.length, total);
      }
    }
  }
  return rows;
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

/** A Markdown table, one row per (dataset, method), cells `mean ± std` over seeds. */
export function markdownTable(rows: BenchRow[]): string {
  const keys = unique(rows.map((r) => `${r.dataset}\u0000${r.method}`));
  const seeds = unique(rows.map((r) => String(r.seed))).length;
  const header = `| dataset | method | ${TABLE_COLUMNS.map((c) => c.header).join(" | ")} |`;
  const rule = `|---|---|${TABLE_COLUMNS.map(() => "---").join("|")}|`;
  const body = keys.map((key) => {
    const [dataset, method] = key.split("\u0000") as [string, string];
    const cell = rows.filter((r) => r.dataset === dataset && r.method === method);
    const cells = TABLE_COLUMNS.map((c) => {
      const { mean, std } = meanStd(cell.map((r) => r.metrics[c.key]));
      return Number.isNaN(mean) ? "—" : `${mean.toFixed(4)} ± ${std.toFixed(4)}`;
    });
    return `| ${dataset} | ${method} | ${cells.join(" | ")} |`;
  });
  return [`Mean ± std over ${seeds} seed${seeds === 1 ? "" : "s"} on the clean test split.`, "", header, rule, ...body, ""].join("\n");
}

function unique<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}
