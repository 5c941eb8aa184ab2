/** Objective options: merging them over an objective's defaults, and the checks an objective declares for them. */
import { ConfigError } from "../errors.js";
import type { Objective, OptionCheck } from "./types.js";

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
