import "./register-gradients.js";

export { validateFeatureSet, countPositives, PairSampler, type RowPairs } from "./data.js";
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
export {
  DEFAULT_TRAIN_OPTIONS,
  RewardModel,
  resolveHeadSpecs,
  resolveInputs,
  resolveTrainOptions,
  train,
  type EpochRecord,
  type ModelLayout,
  type ResolvedHeadSpec,
  type ResolvedInputs,
  type RewardModelState,
  type Sampling,
  type SelectionCriterion,
  type TrainData,
  type TrainHooks,
  type TrainOptions,
  type TrainResult,
} from "./train.js";
export type { ActivityBlock, FeatureSet, RowSource, SplitFeatureSets, SplitRowSources } from "./types.js";
export { SCAN_CHUNK_ROWS, gatherRows, isInMemory, predictRows, readRange, requireInMemory } from "./row-source.js";
export {
  TRAIN_STATE_FORMAT,
  TRAIN_STATE_VERSION,
  captureAdam,
  restoreAdam,
  type AdamState,
  type CheckpointInfo,
  type CheckpointReason,
  type TrainState,
} from "./train-state.js";
