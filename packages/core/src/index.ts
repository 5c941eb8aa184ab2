import "./gradients.js";

export { validateFeatureSet, countPositives } from "./data.js";
export { ConfigError, DataError, ImplicitRMError, TrainingError, formatLocation, type DataLocation } from "./errors.js";
export { LEAKY_RELU_SLOPE, MlpHead, type HeadWeights } from "./heads.js";
export { bceWithLogits, log1mSigmoidProduct, logSigmoid, observedNll, stopGradient } from "./math.js";
export * from "./objectives/index.js";
export { strataPosteriors, type PosteriorOptions, type Smoothing, type StrataPosteriors } from "./posteriors.js";
export * from "./metrics.js";
export { Rng, deriveSeed, hashString } from "./random.js";
export {
  DEFAULT_TRAIN_OPTIONS,
  RewardModel,
  resolveTrainOptions,
  train,
  type EpochRecord,
  type RewardModelState,
  type Sampling,
  type SelectionCriterion,
  type TrainData,
  type TrainHooks,
  type TrainOptions,
  type TrainResult,
} from "./train.js";
export type { FeatureSet, SplitFeatureSets } from "./types.js";
