/**
 * Turns a dataset spec from the command line or a config into train/validation/test FeatureSets.
 * 'synthetic' is the built-in default (no files, no downloads); a `.jsonl` path is read as
 * precomputed features with their feedback (see features-file.ts).
 */
import { ConfigError, type SplitFeatureSets } from "@implicitrm/core";
import { syntheticDataset } from "@implicitrm/datasets";
import { loadFeaturesFile } from "./features-file.js";

/** How implicit feedback is simulated from ratings (METHOD §4). */
export interface SimulationSettings {
  /** Bias strength α (default 0.5; smaller = stronger bias). */
  alpha: number;
  /** Target mean observation propensity (default 0.5). */
  observationRate: number;
}

export const DEFAULT_SIMULATION: Readonly<SimulationSettings> = Object.freeze({ alpha: 0.5, observationRate: 0.5 });

/** Names of the built-in datasets. */
export const BUILTIN_DATASETS = ["synthetic"] as const;

/**
 * Loads a dataset by spec and simulates its implicit feedback with `seed` (the same seed gives the
 * same rows and the same feedback draws, so methods compared at one seed see identical data).
 */
export async function loadDataset(spec: string, seed: number, simulation: Partial<SimulationSettings> = {}): Promise<SplitFeatureSets> {
  const sim = { ...DEFAULT_SIMULATION, ...simulation };
  if (!(sim.alpha > 0 && sim.alpha <= 1)) throw new ConfigError(`alpha must be in (0, 1], got ${sim.alpha}`);
  if (!(sim.observationRate > 0 && sim.observationRate <= 1)) {
    throw new ConfigError(`observation rate must be in (0, 1], got ${sim.observationRate}`);
  }
  if (spec === "synthetic") {
    return syntheticDataset({ seed, alpha: sim.alpha, observationRate: sim.observationRate });
  }
  if (spec.endsWith(".jsonl")) return loadFeaturesFile(spec, seed);
  throw new ConfigError(
    `unknown dataset "${spec}": use a built-in dataset (${BUILTIN_DATASETS.join(", ")}) or a features file (.jsonl, one {"features": [...], "r": 0|1, "rStar"?: 0|1} per line)`,
  );
}
