/**
 * @internal `@implicitrm/core/objectives-kit`: what an objective implementation is built from, for
 * objectives outside core and for tests that check one against its math: the tensor math helpers,
 * option checks, the shared option blocks (propensity, class prior), the per-row losses of the
 * built-in methods, the built-in objectives themselves, and the types an objective is written in.
 * Register an objective with `registerObjective` from the face. Not a user API: it may change with
 * any release.
 * @packageDocumentation
 */
// Registers tfjs's gradient functions, as the main entry does: these names came from there and
// are used to compute gradients.
import "./register-gradients.js";

export {
  DEFAULT_OBSERVED_CLASSIFIER_OPTIONS,
  fitObservedClassifier,
  type ObservedClassifier,
  type ObservedClassifierOptions,
} from "./estimators.js";
export { bceWithLogits, log1mSigmoidProduct, logSigmoid, maskedMean, observedNll, probabilityLogit, stopGradient, weightedMean } from "./math.js";
export { bpr, pairwiseLogLoss } from "./objectives/bpr.js";
export {
  CLASS_PRIOR_DEFAULTS,
  PROPENSITY_CHECKS,
  PROPENSITY_DEFAULTS,
  classPriorCheck,
  pairSides,
  propensitySourceCheck,
  type PuLoss,
} from "./objectives/common.js";
export { dr, drPerRow, type DrOptions } from "./objectives/dr.js";
export {
  IMPLICITRM_CHECKS,
  IMPLICITRM_DEFAULTS,
  activityHeadSpec,
  activityPriorCheck,
  activityPriorPenalty,
  implicitRMLoss,
  implicitrm,
  prepareActivityPrior,
  type ActivityHeadKind,
  type ActivityPrior,
  type ImplicitRMLossInput,
  type ImplicitRMOptions,
} from "./objectives/implicitrm.js";
export { ipsNn } from "./objectives/ips-nn.js";
export { ips, ipsPerRow, type IpsOptions } from "./objectives/ips.js";
export { nnpu, type NnpuOptions } from "./objectives/nnpu.js";
export { numberIn, oneOf } from "./objectives/options.js";
export { recrecI } from "./objectives/recrec-i.js";
export { naive, oracle } from "./objectives/supervised.js";
export type {
  BatchPairs,
  ClassPriorOptions,
  HeadInput,
  HeadKind,
  HeadSpec,
  LossParts,
  ObjectiveBatch,
  ObjectiveNeeds,
  OptionCheck,
  PairPartner,
  PropensityOptions,
  PropensitySource,
} from "./objectives/types.js";
export { ubpr, type UbprOptions } from "./objectives/ubpr.js";
export { puRisks, upu, type PuRisks, type UpuOptions } from "./objectives/upu.js";
export type { PosteriorOptions, Smoothing } from "./posteriors.js";
