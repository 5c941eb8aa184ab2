/**
 * The objective registry: core's {@link Registry} with the checks the training loop relies on, and
 * its default instance `objectives`, which holds the built-in methods of METHOD §3 from the start
 * (no import side effect: they are in the instance as soon as it exists).
 */
import { ConfigError } from "../errors.js";
import { Registry } from "../registry.js";
import { bpr } from "./bpr.js";
import { dr } from "./dr.js";
import { implicitrm } from "./implicitrm.js";
import { ipsNn } from "./ips-nn.js";
import { ips } from "./ips.js";
import { nnpu } from "./nnpu.js";
import { recrecI } from "./recrec-i.js";
import { naive, oracle } from "./supervised.js";
import type { Objective } from "./types.js";
import { ubpr } from "./ubpr.js";
import { upu } from "./upu.js";

/**
 * The contracts an objective must meet to be registered: it is registered under its own name; its
 * first head is 'reward'; `headKinds` names only its heads; an objective that declares
 * `needs.propensity` has the options `propensity` and `clipMin` (PropensityOptions); one that
 * declares `needs.classPrior` has the option `classPrior` (ClassPriorOptions). A ConfigError says
 * which one is broken.
 */
function checkObjective(name: string, objective: Objective<object>): void {
  const problem = (what: string) => new ConfigError(`objective "${name}" cannot be registered: ${what}`);
  if (objective.name !== name) throw problem(`it is named "${objective.name}"`);
  if (objective.heads[0] !== "reward") throw problem(`its first head must be "reward", got ${JSON.stringify(objective.heads[0])}`);
  for (const head of Object.keys(objective.headKinds ?? {})) {
    if (!objective.heads.includes(head as never)) throw problem(`headKinds names "${head}", which is not one of its heads`);
  }
  const keys = Object.keys(objective.defaults);
  if (objective.needs.propensity && !(keys.includes("propensity") && keys.includes("clipMin"))) {
    throw problem("it needs propensities, so its options must include propensity and clipMin (PropensityOptions)");
  }
  if (objective.needs.classPrior && !keys.includes("classPrior")) {
    throw problem("it needs a class prior, so its options must include classPrior (ClassPriorOptions)");
  }
}

/**
 * The default objective registry, which `train()` resolves `TrainOptions.objective` in. It starts
 * with the built-in methods, in METHOD §3's order: implicitrm, naive, oracle, ips, ips-nn, upu,
 * nnpu, dr, bpr, ubpr, recrec-i.
 */
export const objectives: Registry<Objective<object>> = new Registry<Objective<object>>("objective", { check: checkObjective });
for (const o of [implicitrm, naive, oracle, ips, ipsNn, upu, nnpu, dr, bpr, ubpr, recrecI] as Objective<object>[]) objectives.register(o.name, o);

/**
 * Adds an objective to the default registry under its name (a name may be registered once).
 * Checks the contracts the training loop relies on (see the registry's check): a ConfigError
 * naming the broken one.
 */
export function registerObjective<O extends object>(objective: Objective<O>): void {
  objectives.register(objective.name, objective as unknown as Objective<object>);
}

/** Removes an objective from the default registry (so a test or a plug-in can put things back); returns it, or undefined. */
export function unregisterObjective(name: string): Objective<object> | undefined {
  return objectives.unregister(name);
}

/** Looks an objective up by name in the default registry; the ConfigError lists the registered names. */
export function getObjective(name: string): Objective<object> {
  return objectives.resolve(name);
}

/** Names of every registered objective, in registration order. */
export function listObjectives(): string[] {
  return objectives.names();
}
