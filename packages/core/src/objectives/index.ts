import { implicitrm } from "./implicitrm.js";
import { registerObjective } from "./registry.js";
import { naive, oracle } from "./supervised.js";

registerObjective(implicitrm);
registerObjective(naive);
registerObjective(oracle);

export { implicitRMLoss, implicitrm, type ImplicitRMLossInput, type ImplicitRMOptions } from "./implicitrm.js";
export { getObjective, listObjectives, numberIn, oneOf, registerObjective, resolveObjectiveOptions } from "./registry.js";
export { naive, oracle } from "./supervised.js";
export type { HeadName, LossParts, Objective, ObjectiveBatch, OptionCheck } from "./types.js";
