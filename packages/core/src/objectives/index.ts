// The objectives and their building blocks, one import away. No side effect: the built-in
// objectives are in the default registry (registry.ts) from the start.
export { bpr, pairwiseLogLoss } from "./bpr.js";
export {
  CLASS_PRIOR_DEFAULTS,
  PROPENSITY_CHECKS,
  PROPENSITY_DEFAULTS,
  classPriorCheck,
  pairSides,
  propensitySourceCheck,
  type PuLoss,
} from "./common.js";
export { dr, drPerRow, type DrOptions } from "./dr.js";
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
} from "./implicitrm.js";
export { ipsNn } from "./ips-nn.js";
export { ips, ipsPerRow, type IpsOptions } from "./ips.js";
export { nnpu, type NnpuOptions } from "./nnpu.js";
export { recrecI } from "./recrec-i.js";
export { numberIn, oneOf, resolveObjectiveOptions } from "./options.js";
export { getObjective, listObjectives, objectives, registerObjective, unregisterObjective } from "./registry.js";
export { naive, oracle } from "./supervised.js";
export { ubpr, type UbprOptions } from "./ubpr.js";
export { puRisks, upu, type PuRisks, type UpuOptions } from "./upu.js";
export type {
  BatchPairs,
  ClassPriorOptions,
  HeadInput,
  HeadKind,
  HeadName,
  HeadSpec,
  LossParts,
  Objective,
  ObjectiveBatch,
  ObjectiveNeeds,
  OptionCheck,
  PairPartner,
  PropensityOptions,
  PropensitySource,
} from "./types.js";
