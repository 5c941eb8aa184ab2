/**
 * The programmatic trainer: one dataset, one objective, one seed → a trained model and its test
 * metrics. The evaluator calls this for every cell of its methods × datasets × seeds grid.
 */
import { ConfigError, type EpochRecord, type Metrics, type SplitRowSources, type TrainHooks, type TrainOptions, type TrainResult, train } from "@implicitrm/core";
import { type TrainerConfig, pickTrainOptions } from "./config.js";
import { evaluateModel } from "./evaluate.js";

export interface TrainRunResult extends Omit<TrainResult, "model" | "history"> {
  result: TrainResult;
  /** Test metrics; null when the dataset has no clean test split. */
  metrics: Metrics | null;
  /** The hyperparameters picked on validation when a grid was searched (empty otherwise). */
  chosen: Partial<TrainOptions>;
}

/** Hyperparameters a grid may vary. */
export const GRID_KEYS = ["lr", "weightDecay", "batchSize", "negativesPerPositive"] as const;
export type GridPoint = Partial<Pick<TrainOptions, (typeof GRID_KEYS)[number]>>;

/**
 * Parses a grid spec "lr=5e-4,2e-3 weightDecay=1e-6,1e-4" (space- or semicolon-separated keys)
 * into its cartesian product of points.
 */
export function parseGrid(spec: string): GridPoint[] {
  let points: GridPoint[] = [{}];
  for (const part of spec.split(/[;\s]+/).filter(Boolean)) {
    const [key, values] = part.split("=");
    if (!key || !values || !(GRID_KEYS as readonly string[]).includes(key)) {
      throw new ConfigError(`--grid: "${part}" must be <key>=<v1>,<v2>... with key one of ${GRID_KEYS.join(", ")}`);
    }
    const nums = values.split(",").map((v) => Number(v));
    if (nums.some((v) => !Number.isFinite(v))) throw new ConfigError(`--grid: values of ${key} must be numbers, got "${values}"`);
    points = points.flatMap((p) => nums.map((v) => ({ ...p, [key]: v })));
  }
  return points;
}

/**
 * Trains `config.objective` on a loaded dataset and evaluates it on the clean test split. With a
 * grid, every point is trained and the one with the lowest model-selection loss on the validation
 * split (the same criterion early stopping uses: observed NLL, or clean BCE for the oracle) is kept;
 * only that model is evaluated, so the test split is read once. `hooks` (checkpoints, resuming)
 * apply to a run without a grid; a run stopped by `signal` is not evaluated (metrics null).
 */
export async function trainAndEvaluate(
  dataset: SplitRowSources,
  config: TrainerConfig,
  onEpoch?: (record: EpochRecord) => void,
  signal?: AbortSignal,
  grid: GridPoint[] = [],
  hooks: Pick<TrainHooks, "onCheckpoint" | "checkpointEvery" | "resume" | "lastCheckpoint"> = {},
): Promise<TrainRunResult> {
  if (grid.length && Object.keys(hooks).length) throw new ConfigError("checkpoints and resuming apply to one run, not to a grid search");
  let best: { result: TrainResult; chosen: GridPoint } | undefined;
  for (const point of grid.length ? grid : [{}]) {
    const result = await train(
      { train: dataset.train, validation: dataset.validation },
      { ...pickTrainOptions(config), ...point },
      { ...hooks, ...(onEpoch ? { onEpoch } : {}), ...(signal ? { signal } : {}) },
    );
    if (!best || result.bestSelectionLoss < best.result.bestSelectionLoss) {
      best?.result.model.dispose();
      best = { result, chosen: point };
    } else {
      result.model.dispose();
    }
  }
  const { result, chosen } = best!;
  const metrics = result.interrupted ? null : evaluateModel(result.model, dataset.validation, dataset.test);
  const { model: _model, history: _history, ...summary } = result;
  return { ...summary, result, metrics, chosen };
}
