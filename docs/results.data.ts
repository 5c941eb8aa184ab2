/**
 * Build-time loader of the Results page: every `results/*.json` file holding benchmark rows
 * (`implicitrm bench --out`: an array of {method, dataset, seed, metrics}), summarised as
 * mean ± std over seeds per dataset and method, and every `results/*.svg` plot.
 */
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { defineLoader } from "vitepress";

export interface ResultTable {
  file: string;
  seeds: number[];
  columns: string[];
  rows: Array<{ dataset: string; method: string; cells: string[] }>;
}
export interface ResultsData {
  tables: ResultTable[];
  plots: Array<{ file: string; svg: string }>;
}

declare const data: ResultsData;
export { data };

const COLUMNS: Array<[key: string, header: string]> = [
  ["auroc", "AUROC ↑"],
  ["nll", "NLL ↓"],
  ["mae", "MAE ↓"],
  ["ece", "ECE ↓"],
  ["ndcg", "NDCG ↑"],
  ["recall", "Recall@F1 ↑"],
  ["pairwiseAccuracy", "Pair acc ↑"],
];

interface BenchRow {
  method: string;
  dataset: string;
  seed: number;
  metrics: Record<string, number | null>;
}

function cell(values: number[]): string {
  const v = values.filter((x) => typeof x === "number" && Number.isFinite(x));
  if (v.length === 0) return "–";
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const sd = v.length > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1)) : 0;
  return `${mean.toFixed(4)} ± ${sd.toFixed(4)}`;
}

export function summarise(file: string, rows: BenchRow[]): ResultTable {
  const keys = [...new Set(rows.map((r) => `${r.dataset}\u0000${r.method}`))];
  const present = COLUMNS.filter(([k]) => rows.some((r) => typeof r.metrics[k] === "number" && Number.isFinite(r.metrics[k])));
  return {
    file,
    seeds: [...new Set(rows.map((r) => r.seed))].sort((a, b) => a - b),
    columns: present.map(([, h]) => h),
    rows: keys.map((key) => {
      const [dataset, method] = key.split("\u0000") as [string, string];
      const mine = rows.filter((r) => r.dataset === dataset && r.method === method);
      return { dataset, method, cells: present.map(([k]) => cell(mine.map((r) => r.metrics[k] as number))) };
    }),
  };
}

export default defineLoader({
  watch: ["./results/*.json", "./results/*.svg"],
  load(files: string[]): ResultsData {
    const tables: ResultTable[] = [];
    const plots: ResultsData["plots"] = [];
    for (const path of [...files].sort()) {
      if (path.endsWith(".svg")) {
        plots.push({ file: basename(path), svg: readFileSync(path, "utf8") });
        continue;
      }
      const json: unknown = JSON.parse(readFileSync(path, "utf8"));
      const rows = (Array.isArray(json) ? json : ((json as { rows?: unknown }).rows ?? [])) as BenchRow[];
      if (rows.length > 0 && rows.every((r) => typeof r.method === "string" && typeof r.metrics === "object")) {
        tables.push(summarise(basename(path), rows));
      }
    }
    return { tables, plots };
  },
});
