import { ConfigError } from "../errors.js";
import type { Objective, OptionCheck } from "./types.js";

const objectives = new Map<string, Objective<object>>();

/**
 * Adds an objective to the registry (a name may be registered once). Checks the contracts the
 * training loop relies on: the first head is 'reward'; an objective that declares
 * `needs.propensity` has the options `propensity` and `clipMin` (PropensityOptions); one that
 * declares `needs.classPrior` has the option `classPrior` (ClassPriorOptions).
 */
export function registerObjective<O extends object>(objective: Objective<O>): void {
  if (objectives.has(objective.name)) throw new ConfigError(`objective "${objective.name}" is already registered`);
  const problem = (what: string) => new ConfigError(`objective "${objective.name}" cannot be registered: ${what}`);
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
  objectives.set(objective.name, objective as unknown as Objective<object>);
}

/** Looks an objective up by name; the error lists the registered names. */
export function getObjective(name: string): Objective<object> {
  const objective = objectives.get(name);
  if (!objective) {
    throw new ConfigError(`unknown objective "${name}": choose one of ${listObjectives().join(", ")}`);
  }
  return objective;
}

/** Names of every registered objective, in registration order. */
export function listObjectives(): string[] {
  return [...objectives.keys()];
}

/**
 * Merges user options over an objective's defaults. An unknown key or a value that fails its check
 * is a ConfigError naming the objective, the key and what is allowed.
 */
export function resolveObjectiveOptions(objective: Objective<object>, given: Record<string, unknown> = {}): object {
  const defaults = objective.defaults as Record<string, unknown>;
  const checks = (objective.checks ?? {}) as Record<string, OptionCheck | undefined>;
  for (const [key, value] of Object.entries(given)) {
    if (!(key in defaults)) {
      const known = Object.keys(defaults);
      throw new ConfigError(
        `objective "${objective.name}" has no option "${key}"` +
          (known.length ? `; its options are ${known.join(", ")}` : "; it takes no options"),
      );
    }
    const problem = checks[key]?.(value);
    if (problem) throw new ConfigError(`objective "${objective.name}" option "${key}": ${problem}`);
  }
  return { ...defaults, ...given };
}

/** Option check: a finite number in [lo, hi]. */
export function numberIn(lo: number, hi: number): OptionCheck {
  return (v) =>
    typeof v === "number" && Number.isFinite(v) && v >= lo && v <= hi ? null : `must be a number in [${lo}, ${hi}], got ${JSON.stringify(v)}`;
}

/** Option check: one of the listed strings. */
export function oneOf(...allowed: string[]): OptionCheck {
  return (v) => (typeof v === "string" && allowed.includes(v) ? null : `must be one of ${allowed.join(", ")}, got ${JSON.stringify(v)}`);
}
