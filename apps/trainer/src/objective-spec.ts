/**
 * The one syntax for an objective and its options, wherever one is named (`implicitrm train
 * --objective`, `implicitrm bench --methods`, programs): `<objective>[:<key>=<value>;...]`, so a
 * new objective's options reach every command without touching the command line. The options are
 * the objective's own (`defaults` and `checks` of its registry entry in @implicitrm/core).
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
 * Reads the syntax of an objective spec without checking it against the registry: an objective name
 * with optional options, `ips` or `ips:propensity=estimated;clipMin=0.1`, optionally preceded by a
 * label for tables: `context-fed=implicitrm:activityInputs=context`. Values that parse as numbers
 * are numbers, `null` is null, anything else a string. A ConfigError for an option that is not
 * `key=value`.
 */
export function splitObjectiveSpec(spec: string): ObjectiveSpec {
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
  return { objective, options, ...(label ? { label } : {}) };
}

/**
 * Parses an objective spec ({@link splitObjectiveSpec}) and checks it: the objective must be
 * registered and the options must be its own (an unknown objective or option, or a bad value, is a
 * ConfigError listing what exists).
 */
export function parseObjectiveSpec(spec: string): ObjectiveSpec {
  const parsed = splitObjectiveSpec(spec);
  resolveObjectiveOptions(getObjective(parsed.objective), parsed.options);
  return parsed;
}
