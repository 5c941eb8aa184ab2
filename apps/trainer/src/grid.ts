/**
 * Hyperparameter grids: the keys a grid may vary and the grid spec ("lr=5e-4,2e-3 weightDecay=1e-6")
 * expanded into its points, each trained by `trainAndEvaluate` and chosen on validation.
 */
import { ConfigError, type TrainOptions } from "@implicitrm/core";

/** Hyperparameters a grid may vary. */
export const GRID_KEYS = ["lr", "weightDecay", "batchSize", "negativesPerPositive"] as const;
/** One point of a grid: values for some of {@link GRID_KEYS}. */
export type GridPoint = Partial<Pick<TrainOptions, (typeof GRID_KEYS)[number]>>;

/**
 * Parses a grid spec "lr=5e-4,2e-3 weightDecay=1e-6,1e-4" (space- or semicolon-separated keys)
 * into its cartesian product of points.
 */
export function parseGrid(spec: string): GridPoint[] {
  let points: GridPoint[] = [{}];
  for (const part of spec.split(/[;\s]+/).filter(Boolean)) {
    const [key, values] = part.split("=");
    if (!key || !values || !(GRID_KEYS as readonly string[]).includes(key)) {
      throw new ConfigError(`--grid: "${part}" must be <key>=<v1>,<v2>... with key one of ${GRID_KEYS.join(", ")}`);
    }
    const nums = values.split(",").map((v) => Number(v));
    if (nums.some((v) => !Number.isFinite(v))) throw new ConfigError(`--grid: values of ${key} must be numbers, got "${values}"`);
    points = points.flatMap((p) => nums.map((v) => ({ ...p, [key]: v })));
  }
  return points;
}
