/**
 * The face of @implicitrm/core without side effects (as tfjs-core's base.ts): everything users
 * call, but tfjs's gradient functions are not registered. `index.ts` is this plus
 * `register-gradients.ts`; import `@implicitrm/core/base` only where something else registers the
 * gradients (the full `@tensorflow/tfjs` does). What neighbouring packages need beyond this lives
 * in internal subpaths: `/kernel` (MLP kernels, heads) and `/objectives-kit` (what an objective
 * implementation is built from); tfjs-free parts also in `/errors`, `/random`, `/types`,
 * `/metrics`, `/registry`, `/runtime` and `/node`.
 */
export { env, type CoreEnv } from "./env.js";
export {
  DEFAULT_INDISTINGUISHABLE_RULE,
  DEFAULT_SATURATION_RULE,
  diagnosticWarnings,
  formatHeadDiagnostics,
  headDiagnostics,
  type HeadDiagnostics,
  type IndistinguishableRule,
  type SaturationRule,
} from "./diagnostics.js";
export { ConfigError, DataError, DivergenceError, ImplicitRMError, TrainingError, type DataLocation } from "./errors.js";
export {
  estimateClassPrior,
  estimatePropensity,
  type ClassPriorEstimate,
  type ObservedData,
  type PropensityEstimate,
  type PropensityEstimatorOptions,
} from "./estimators.js";
export type { HeadWeights } from "./heads.js";
export * from "./metrics.js";
export { RewardModel, predictRows, type FeatureRows, type ModelLayout, type PredictOptions, type RewardModelState } from "./model.js";
export { MODEL_FORMAT, MODEL_FORMAT_VERSION, deserializeModel, serializeModel } from "./model-json.js";
export {
  MODEL_RECORD_FORMAT,
  MODEL_RECORD_VERSION,
  parseModelRecord,
  rewardNormalization,
  type EncoderRecord,
  type ModelRecord,
  type RewardNormalization,
} from "./model-record.js";
export { resolveObjectiveOptions } from "./objectives/options.js";
export { getObjective, listObjectives, objectives, registerObjective, unregisterObjective } from "./objectives/registry.js";
export type { HeadName, Objective } from "./objectives/types.js";
export { strataPosteriors, type StrataPosteriors } from "./posteriors.js";
export { Rng, deriveSeed } from "./random.js";
export { readRange } from "./rows/read.js";
export { DEFAULT_TRAIN_OPTIONS, resolveTrainOptions, type TrainOptions } from "./train/options.js";
export { train } from "./train/train.js";
export {
  TRAIN_STATE_FORMAT,
  TRAIN_STATE_VERSION,
  type AdamState,
  type CheckpointInfo,
  type EpochRecord,
  type ResolvedInputs,
  type TrainData,
  type TrainHooks,
  type TrainResult,
  type TrainState,
} from "./train/types.js";
export type { ActivityBlock, FeatureSet, RowSource, SplitFeatureSets, SplitRowSources } from "./types.js";
