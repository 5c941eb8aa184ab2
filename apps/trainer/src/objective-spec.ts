/**
 * The syntax of an objective and its options (`implicitrm bench --methods`, programs):
 * `<objective>[:<key>=<value>;...]`. The options are the objective's own (`defaults` and `checks`
 * of its registry entry in @implicitrm/core).
 */
import { ConfigError, getObjective, resolveObjectiveOptions } from "@implicitrm/core";

/** An objective spec read by {@link parseObjectiveSpec}. */
export interface ObjectiveSpec {
  objective: string;
  options: Record<string, unknown>;
  /** The name a bench method gets in tables (`label=objective:...`). */
  label?: string;
}

/**
 * Parses an objective spec: an objective name with optional options, `ips` or
 * `ips:propensity=estimated;clipMin=0.1`, optionally preceded by a label for tables:
 * `context-fed=implicitrm:activityInputs=context`. Values that parse as numbers are numbers,
 * `null` is null, anything else a string. The options are checked against the objective's own (an
 * unknown objective or option is a ConfigError listing what exists).
 */
export function parseObjectiveSpec(spec: string): ObjectiveSpec {
  const [head = "", rest] = spec.split(/:(.*)/s, 2);
  const eqAt = head.indexOf("=");
  const label = eqAt > 0 ? head.slice(0, eqAt) : undefined;
  const objective = eqAt > 0 ? head.slice(eqAt + 1) : head;
  const options: Record<string, unknown> = {};
  for (const part of (rest ?? "").split(";").filter(Boolean)) {
    const eq = part.indexOf("=");
    if (eq <= 0) throw new ConfigError(`method "${spec}": options are written key=value;key=value, got "${part}"`);
    const raw = part.slice(eq + 1);
    options[part.slice(0, eq)] = raw.trim() === "null" ? null : raw.trim() !== "" && Number.isFinite(Number(raw)) ? Number(raw) : raw;
  }
  resolveObjectiveOptions(getObjective(objective), options);
  return { objective, options, ...(label ? { label } : {}) };
}
