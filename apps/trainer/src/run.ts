/**
 * The programmatic trainer: one dataset, one objective, one seed → a trained model and its test
 * metrics. The evaluator calls this for every cell of its methods × datasets × seeds grid.
 */
import { type EpochRecord, type Metrics, type SplitFeatureSets, type TrainResult, train } from "@implicitrm/core";
import { pickTrainOptions, type TrainerConfig } from "./config.js";
import { evaluateModel } from "./evaluate.js";

export interface TrainRunResult extends Omit<TrainResult, "model" | "history"> {
  result: TrainResult;
  /** Test metrics; null when the dataset has no clean test split. */
  metrics: Metrics | null;
}

/** Trains `config.objective` on a loaded dataset and evaluates it on the clean test split. */
export async function trainAndEvaluate(
  dataset: SplitFeatureSets,
  config: TrainerConfig,
  onEpoch?: (record: EpochRecord) => void,
  signal?: AbortSignal,
): Promise<TrainRunResult> {
  const result = await train(
    { train: dataset.train, validation: dataset.validation },
    pickTrainOptions(config),
    { ...(onEpoch ? { onEpoch } : {}), ...(signal ? { signal } : {}) },
  );
  const metrics = evaluateModel(result.model, dataset.validation, dataset.test);
  const { model: _model, history: _history, ...summary } = result;
  return { ...summary, result, metrics };
}
