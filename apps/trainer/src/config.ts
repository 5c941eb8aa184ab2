/**
 * The trainer's configuration: a JSON file (`--config`) and command-line flags over the defaults.
 * Every key is checked; an unknown key or a bad value is a ConfigError naming the file and the key.
 */
import { readFile } from "node:fs/promises";
import { listBackends } from "@implicitrm/backends";
import { ConfigError, DEFAULT_TRAIN_OPTIONS, type TrainOptions, resolveTrainOptions } from "@implicitrm/core";
import { DEFAULT_DATA_SETTINGS, type DataSettings } from "./dataset.js";

/** 'auto' or a registered backend name (cpu, wasm, onnxruntime, webgpu, tensorflow; see @implicitrm/backends). */
export type BackendChoice = string;

export interface TrainerConfig extends TrainOptions, DataSettings {
  /** Dataset spec: 'synthetic' (default), a features/log/rated data file, or hf:owner/name. */
  data: string;
  /** Compute backend (default 'auto': the fastest registered backend that starts, see @implicitrm/backends). */
  backend: BackendChoice;
  /** Checkpoint directory to write (default 'runs/<objective>-seed<seed>'). */
  out: string | null;
}

/** The trainer's defaults: core's training defaults, the data defaults, synthetic data, backend auto, no out dir. */
export const DEFAULT_TRAINER_CONFIG: Readonly<TrainerConfig> = Object.freeze({
  ...DEFAULT_TRAIN_OPTIONS,
  ...DEFAULT_DATA_SETTINGS,
  data: "synthetic",
  backend: "auto" as BackendChoice,
  out: null,
});


/** Reads a JSON config file; its keys must be TrainerConfig keys. */
export async function readConfigFile(path: string): Promise<Partial<TrainerConfig>> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    throw new ConfigError(`cannot read config file ${path}: ${(e as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`config file ${path} is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(`config file ${path} must hold a JSON object of settings`);
  }
  return checkConfig(parsed as Record<string, unknown>, `config file ${path}`);
}

/** Checks keys and values of a partial config; `source` names where they came from in errors. */
export function checkConfig(values: Record<string, unknown>, source: string): Partial<TrainerConfig> {
  const known = Object.keys(DEFAULT_TRAINER_CONFIG);
  for (const key of Object.keys(values)) {
    if (!known.includes(key)) throw new ConfigError(`${source}: unknown key "${key}"; known keys: ${known.join(", ")}`);
  }
  const cfg = values as Partial<TrainerConfig>;
  if (cfg.backend !== undefined) {
    const known = ["auto", ...listBackends().map((b) => b.name)];
    if (!known.includes(cfg.backend)) {
      throw new ConfigError(`${source}: "backend" must be one of ${known.join(", ")}, got ${JSON.stringify(cfg.backend)}`);
    }
  }
  for (const key of ["alpha", "observationRate"] as const) {
    const v = cfg[key];
    if (v !== undefined && !(typeof v === "number" && v > 0 && v <= 1)) {
      throw new ConfigError(`${source}: "${key}" must be a number in (0, 1], got ${JSON.stringify(v)}`);
    }
  }
  if (cfg.presentationShare !== undefined && !(typeof cfg.presentationShare === "number" && cfg.presentationShare >= 0 && cfg.presentationShare <= 1)) {
    throw new ConfigError(`${source}: "presentationShare" must be a number in [0, 1], got ${JSON.stringify(cfg.presentationShare)}`);
  }
  if (cfg.thumbsDownRate !== undefined && !(typeof cfg.thumbsDownRate === "number" && cfg.thumbsDownRate >= 0 && cfg.thumbsDownRate <= 1)) {
    throw new ConfigError(`${source}: "thumbsDownRate" must be a number in [0, 1] (0: no explicit negatives), got ${JSON.stringify(cfg.thumbsDownRate)}`);
  }
  if (cfg.presentationMix !== undefined && cfg.presentationMix !== "geometric" && cfg.presentationMix !== "linear") {
    throw new ConfigError(`${source}: "presentationMix" must be "geometric" or "linear", got ${JSON.stringify(cfg.presentationMix)}`);
  }
  if (cfg.onBadRow !== undefined && cfg.onBadRow !== "fail" && cfg.onBadRow !== "skip") {
    throw new ConfigError(`${source}: "onBadRow" must be "fail" or "skip", got ${JSON.stringify(cfg.onBadRow)}`);
  }
  if (cfg.direction != null && cfg.direction !== "higher-better" && cfg.direction !== "lower-better") {
    throw new ConfigError(`${source}: "direction" must be "higher-better" or "lower-better", got ${JSON.stringify(cfg.direction)}`);
  }
  if (cfg.threshold != null && !(typeof cfg.threshold === "number" && cfg.threshold >= 1 && cfg.threshold < 5)) {
    throw new ConfigError(`${source}: "threshold" is on the rescaled grade and must be in [1, 5), got ${JSON.stringify(cfg.threshold)}`);
  }
  const trainPart = pickTrainOptions(cfg);
  try {
    resolveTrainOptions(trainPart);
  } catch (e) {
    throw new ConfigError(`${source}: ${(e as Error).message}`);
  }
  return cfg;
}

/** The subset of a config that the core training loop takes. */
export function pickTrainOptions(cfg: Partial<TrainerConfig>): Partial<TrainOptions> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(DEFAULT_TRAIN_OPTIONS)) {
    const v = (cfg as Record<string, unknown>)[key];
    if (v !== undefined) out[key] = v;
  }
  return out as Partial<TrainOptions>;
}
