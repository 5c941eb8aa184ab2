/**
 * The programmatic trainer: one dataset, one objective, one seed → a trained model and its test
 * metrics (optionally the best of a hyperparameter grid, see grid.ts). The evaluator calls this for
 * every cell of its methods × datasets × seeds grid.
 */
import { ConfigError, type EpochRecord, type Metrics, type SplitRowSources, type TrainHooks, type TrainOptions, type TrainResult, train } from "@implicitrm/core";
import { type TrainerConfig, pickTrainOptions } from "./config.js";
import { evaluateModel } from "./evaluate.js";
import type { GridPoint } from "./grid.js";

/** What {@link trainAndEvaluate} returns: the run's summary, the result with the model, test metrics. */
export interface TrainRunResult extends Omit<TrainResult, "model" | "history"> {
  result: TrainResult;
  /** Test metrics; null when the dataset has no clean test split. */
  metrics: Metrics | null;
  /** The hyperparameters picked on validation when a grid was searched (empty otherwise). */
  chosen: Partial<TrainOptions>;
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
