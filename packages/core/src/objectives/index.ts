import { bpr } from "./bpr.js";
import { dr } from "./dr.js";
import { implicitrm } from "./implicitrm.js";
import { ipsNn } from "./ips-nn.js";
import { ips } from "./ips.js";
import { nnpu } from "./nnpu.js";
import { recrecI } from "./recrec-i.js";
import { registerObjective } from "./registry.js";
import { naive, oracle } from "./supervised.js";
import { ubpr } from "./ubpr.js";
import { upu } from "./upu.js";

registerObjective(implicitrm);
registerObjective(naive);
registerObjective(oracle);
registerObjective(ips);
registerObjective(ipsNn);
registerObjective(upu);
registerObjective(nnpu);
registerObjective(dr);
registerObjective(bpr);
registerObjective(ubpr);
registerObjective(recrecI);

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
export { getObjective, listObjectives, numberIn, oneOf, registerObjective, resolveObjectiveOptions } from "./registry.js";
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
