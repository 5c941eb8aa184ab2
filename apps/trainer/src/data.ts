/**
 * Turns a dataset spec from the command line or a config into train/validation/test FeatureSets:
 * 'synthetic' (the built-in default: no files, no downloads), a features file (JSONL rows with a
 * `features` array, see features-file.ts), an implicit-feedback log, or rated text data (any adapter
 * of @implicitrm/datasets, including `hf:owner/name`), see text-data.ts; or a feature store directory
 * written by `implicitrm embed` (rows read from disk in blocks, see store-data.ts).
 */
import { ConfigError, type SplitRowSources } from "@implicitrm/core";
import { isFeatureStore, syntheticDataset } from "@implicitrm/datasets";
import { loadFeaturesFile } from "./features-file.js";
import { loadStoreDataset } from "./store-data.js";
import { DEFAULT_TEXT_DATA, type TextDataSettings, loadTextDataset, sniffDataFile } from "./text-data.js";

/** How implicit feedback is simulated from ratings (METHOD §4). */
export interface SimulationSettings {
  /** Bias strength α (default 0.5; smaller = stronger bias). */
  alpha: number;
  /** Target mean observation propensity (default 0.5). */
  observationRate: number;
  /**
   * Share w ∈ [0, 1] of presentation bias in the simulated propensity (default 0: the paper's
   * protocol, the grade alone drives the action; 1: response length, display position and the
   * user's activity alone drive it). See `simulateImplicitFeedback` in @implicitrm/datasets.
   */
  presentationShare: number;
  /** How presentation and grade parts mix: 'geometric' (default) or 'linear'. */
  presentationMix: "geometric" | "linear";
}

export const DEFAULT_SIMULATION: Readonly<SimulationSettings> = Object.freeze({
  alpha: 0.5,
  observationRate: 0.5,
  presentationShare: 0,
  presentationMix: "geometric" as const,
});

export type DataSettings = SimulationSettings & TextDataSettings;

export const DEFAULT_DATA_SETTINGS: Readonly<DataSettings> = Object.freeze({ ...DEFAULT_SIMULATION, ...DEFAULT_TEXT_DATA });

/** Names of the built-in datasets. */
export const BUILTIN_DATASETS = ["synthetic"] as const;

/**
 * Loads a dataset by spec and simulates its implicit feedback with `seed` (the same seed gives the
 * same rows and the same feedback draws, so methods compared at one seed see identical data).
 * `log` receives one-line notes (skipped rows, encoding time).
 */
export async function loadDataset(
  spec: string,
  seed: number,
  settings: Partial<DataSettings> = {},
  log: (line: string) => void = () => {},
): Promise<SplitRowSources> {
  const s: DataSettings = { ...DEFAULT_DATA_SETTINGS, ...settings };
  if (!(s.alpha > 0 && s.alpha <= 1)) throw new ConfigError(`alpha must be in (0, 1], got ${s.alpha}`);
  if (!(s.observationRate > 0 && s.observationRate <= 1)) {
    throw new ConfigError(`observation rate must be in (0, 1], got ${s.observationRate}`);
  }
  if (!(s.presentationShare >= 0 && s.presentationShare <= 1)) throw new ConfigError(`presentation share must be in [0, 1], got ${s.presentationShare}`);
  if (spec === "synthetic") {
    return syntheticDataset({
      seed,
      alpha: s.alpha,
      observationRate: s.observationRate,
      presentationShare: s.presentationShare,
      presentationMix: s.presentationMix,
      ...(s.threshold !== null ? { threshold: s.threshold } : {}),
    });
  }
  if (isFeatureStore(spec)) return loadStoreDataset(spec, seed, s, s.threshold);
  const kind = await sniffDataFile(spec);
  if (kind === "features") return loadFeaturesFile(spec, seed, { onBadRow: s.onBadRow }, log);
  return loadTextDataset(spec, kind, seed, s, s, log);
}
