/**
 * The benchmark: methods × datasets × seeds (× α, × presentation share), each cell trained and
 * evaluated on the same simulated data for a given (dataset, seed). Rows are
 * `{method, dataset, seed, metrics}`; tables.ts summarises them, plot.ts draws sweeps.
 */
import { ConfigError, type HeadDiagnostics, type Metrics } from "@implicitrm/core";
import { type GridPoint, type TrainerConfig, loadDataset, parseObjectiveSpec, trainAndEvaluate } from "@implicitrm/trainer";

/** One trained and evaluated cell of a bench. */
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

/** What {@link runBench} runs: every method on every dataset, α, presentation share and seed. */
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
            const { objective, options } = parseObjectiveSpec(method);
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

/** The name a method gets in rows and tables: its label when the spec has one, else the spec. */
export function methodName(spec: string): string {
  return parseObjectiveSpec(spec).label ?? spec;
}

/** A short name for tables: a file's base name without data extensions, or the spec itself. */
export function datasetLabel(spec: string): string {
  const base = spec.replace(/[/\\]+$/, "").split(/[/\\]/).pop() ?? spec;
  return base.replace(/(\.(jsonl|json|csv|tsv|parquet))?(\.gz)?$/i, "");
}
