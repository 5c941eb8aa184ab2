import "./register-gradients.js";

export { validateFeatureSet, countPositives } from "./rows/validate.js";
export { PairSampler, type RowPairs } from "./train/pairs.js";
export {
  DEFAULT_INDISTINGUISHABLE_RULE,
  formatHeadDiagnostics,
  headDiagnostics,
  type HeadDiagnostics,
  type IndistinguishableRule,
} from "./diagnostics.js";
export { ConfigError, DataError, DivergenceError, ImplicitRMError, TrainingError, formatLocation, type DataLocation } from "./errors.js";
export {
  DEFAULT_OBSERVED_CLASSIFIER_OPTIONS,
  estimateClassPrior,
  estimatePropensity,
  fitObservedClassifier,
  type ClassPriorEstimate,
  type ObservedClassifier,
  type ObservedClassifierOptions,
  type ObservedData,
  type PropensityEstimate,
  type PropensityEstimatorOptions,
} from "./estimators.js";
export { ConstantHead, LEAKY_RELU_SLOPE, MlpHead, type Head, type HeadWeights } from "./heads.js";
export { env, type CoreEnv } from "./env.js";
export { tfjsMlpKernel, type MlpKernel } from "./mlp-kernel.js";
export { bceWithLogits, log1mSigmoidProduct, logSigmoid, maskedMean, observedNll, probabilityLogit, stopGradient, weightedMean } from "./math.js";
export * from "./objectives/index.js";
export { strataPosteriors, type PosteriorOptions, type Smoothing, type StrataPosteriors } from "./posteriors.js";
export * from "./metrics.js";
export { Rng, deriveSeed, hashString } from "./random.js";
export { DEFAULT_TRAIN_OPTIONS, resolveTrainOptions, type Sampling, type TrainOptions } from "./train/options.js";
export { RewardModel, predictRows, type ModelLayout, type RewardModelState } from "./model.js";
export { resolveHeadSpecs, resolveInputs, type ResolvedHeadSpec } from "./train/inputs.js";
export { train } from "./train/train.js";
export type { ActivityBlock, FeatureSet, RowSource, SplitFeatureSets, SplitRowSources } from "./types.js";
export { SCAN_CHUNK_ROWS, gatherRows, isInMemory, readRange, requireInMemory } from "./rows/read.js";
export { captureAdam, restoreAdam } from "./train/resume.js";
export {
  TRAIN_STATE_FORMAT,
  TRAIN_STATE_VERSION,
  type AdamState,
  type CheckpointInfo,
  type CheckpointReason,
  type EpochRecord,
  type ResolvedInputs,
  type SelectionCriterion,
  type TrainData,
  type TrainHooks,
  type TrainResult,
  type TrainState,
} from "./train/types.js";
