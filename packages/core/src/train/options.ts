/** The settings of a training run, their defaults and their checks (a ConfigError for a bad value). */
import { ConfigError } from "../errors.js";
import { getObjective } from "../objectives/registry.js";

/** How each epoch draws its rows (see {@link TrainOptions.sampling}). */
export type Sampling = "positives+k" | "full";

/** Training settings; every field has a default (METHOD §2, the authors' harness). */
export interface TrainOptions {
  /** Objective name from the registry (default 'implicitrm'). */
  objective: string;
  /** Objective options, checked against the objective's defaults. */
  objectiveOptions: Record<string, unknown>;
  /** Hidden layer widths of every head (default [256, 64]). */
  hidden: number[];
  /** Adam learning rate (default 5e-4). */
  lr: number;
  /** Minibatch size (default 512). */
  batchSize: number;
  /** Coupled L2: weightDecay·w is added to each gradient before Adam (default 1e-6). */
  weightDecay: number;
  /** Maximum number of epochs (default 200). */
  epochs: number;
  /** Evaluations without improvement before stopping (default 20). */
  patience: number;
  /** Seed of initialisation and shuffling (default 42). */
  seed: number;
  /**
   * 'positives+k' (default): each epoch all positives plus k× as many negatives drawn with
   * replacement (rows carry importance weights that undo the resampling, for the objectives that
   * use them); 'full': every row once. Pairwise objectives: k pairs per positive, or one.
   */
  sampling: Sampling;
  /** k of 'positives+k' (default 4). */
  negativesPerPositive: number;
  /**
   * Gradient clipping: each head's loss gradient is scaled down to this global L2 norm when it is
   * larger, before the weight decay is added (default 0: off).
   */
  clipNorm: number;
}

/** The defaults every unset training option takes (METHOD §2, the authors' harness). */
export const DEFAULT_TRAIN_OPTIONS: Readonly<TrainOptions> = Object.freeze({
  objective: "implicitrm",
  objectiveOptions: {},
  hidden: [256, 64],
  lr: 5e-4,
  batchSize: 512,
  weightDecay: 1e-6,
  epochs: 200,
  patience: 20,
  seed: 42,
  sampling: "positives+k",
  negativesPerPositive: 4,
  clipNorm: 0,
});

/** Merges options over the defaults, rejecting unknown keys and out-of-range values with a ConfigError. */
export function resolveTrainOptions(given: Partial<TrainOptions> = {}): TrainOptions {
  for (const key of Object.keys(given)) {
    if (!(key in DEFAULT_TRAIN_OPTIONS)) {
      throw new ConfigError(`unknown training option "${key}"; known options: ${Object.keys(DEFAULT_TRAIN_OPTIONS).join(", ")}`);
    }
  }
  const o: TrainOptions = { ...DEFAULT_TRAIN_OPTIONS, ...given, hidden: [...(given.hidden ?? DEFAULT_TRAIN_OPTIONS.hidden)] };
  const positive = (key: keyof TrainOptions, integer: boolean) => {
    const v = o[key] as number;
    if (typeof v !== "number" || !Number.isFinite(v) || v <= 0 || (integer && !Number.isInteger(v))) {
      throw new ConfigError(`training option "${key}" must be a positive ${integer ? "integer" : "number"}, got ${JSON.stringify(v)}`);
    }
  };
  positive("lr", false);
  positive("batchSize", true);
  positive("epochs", true);
  positive("patience", true);
  positive("negativesPerPositive", false);
  if (typeof o.clipNorm !== "number" || !(o.clipNorm >= 0) || !Number.isFinite(o.clipNorm)) {
    throw new ConfigError(`training option "clipNorm" must be a number ≥ 0 (0: no clipping), got ${JSON.stringify(o.clipNorm)}`);
  }
  if (typeof o.weightDecay !== "number" || !(o.weightDecay >= 0)) {
    throw new ConfigError(`training option "weightDecay" must be a number ≥ 0, got ${JSON.stringify(o.weightDecay)}`);
  }
  if (!Number.isInteger(o.seed)) throw new ConfigError(`training option "seed" must be an integer, got ${JSON.stringify(o.seed)}`);
  if (o.sampling !== "positives+k" && o.sampling !== "full") {
    throw new ConfigError(`training option "sampling" must be "positives+k" or "full", got ${JSON.stringify(o.sampling)}`);
  }
  if (!o.hidden.every((h) => Number.isInteger(h) && h > 0)) {
    throw new ConfigError(`training option "hidden" must be a list of positive integers, got ${JSON.stringify(o.hidden)}`);
  }
  getObjective(o.objective);
  return o;
}
