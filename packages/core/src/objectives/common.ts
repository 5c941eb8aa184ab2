/**
 * Options and helpers shared by the baselines (METHOD §3): the propensity options of the
 * propensity-weighted methods, the class prior of the PU methods, and accessors that fail with a
 * clear message when the training loop did not supply what an objective declared.
 */
import * as tf from "@tensorflow/tfjs-core";
import { TrainingError } from "../errors.js";
import { numberIn, oneOf } from "./options.js";
import type { BatchPairs, ClassPriorOptions, ObjectiveBatch, OptionCheck, PropensityOptions } from "./types.js";

/** Defaults of {@link PropensityOptions}: the simulator's true propensity, clipped below at 0.05. */
export const PROPENSITY_DEFAULTS: Readonly<PropensityOptions> = Object.freeze({ propensity: "oracle", clipMin: 0.05 });

/** Option check: 'oracle', 'estimated', or a constant propensity in (0, 1]. */
export const propensitySourceCheck: OptionCheck = (v) =>
  v === "oracle" || v === "estimated" || (typeof v === "number" && Number.isFinite(v) && v > 0 && v <= 1)
    ? null
    : `must be "oracle", "estimated" or a number in (0, 1], got ${JSON.stringify(v)}`;

/** Checks of {@link PropensityOptions}; clipMin in [1e-4, 1]. */
export const PROPENSITY_CHECKS = { propensity: propensitySourceCheck, clipMin: numberIn(1e-4, 1) } as const;

/** Defaults of {@link ClassPriorOptions}: the Elkan–Noto estimate. */
export const CLASS_PRIOR_DEFAULTS: Readonly<ClassPriorOptions> = Object.freeze({ classPrior: "estimated" });

/** Option check: 'estimated' or a class prior strictly inside (0, 1). */
export const classPriorCheck: OptionCheck = (v) =>
  v === "estimated" || (typeof v === "number" && Number.isFinite(v) && v > 0 && v < 1)
    ? null
    : `must be "estimated" or a number in (0, 1), got ${JSON.stringify(v)}`;

/** Surrogate losses of the PU methods: ℓ(z, +1) and ℓ(z, −1) of a logit z. */
export type PuLoss = "logistic" | "sigmoid";
export const puLossCheck = oneOf("logistic", "sigmoid");

/** batch.propensity, or a TrainingError naming the objective. */
export function propensityOf(batch: ObjectiveBatch, objective: string): tf.Tensor1D {
  if (!batch.propensity) throw new TrainingError(`objective "${objective}" needs batch.propensity, which the training loop did not supply`);
  return batch.propensity;
}

/** batch.classPrior, or a TrainingError naming the objective. */
export function classPriorOf(batch: ObjectiveBatch, objective: string): number {
  const p = batch.classPrior;
  if (p === undefined || !(p > 0 && p < 1)) {
    throw new TrainingError(`objective "${objective}" needs batch.classPrior in (0, 1), got ${String(p)}`);
  }
  return p;
}

/** batch.pairs, or a TrainingError naming the objective. */
export function pairsOf(batch: ObjectiveBatch, objective: string): BatchPairs {
  if (!batch.pairs) throw new TrainingError(`objective "${objective}" needs batch.pairs, which the training loop did not supply`);
  return batch.pairs;
}

/** The reward head's logits, or a TrainingError naming the objective. */
export function headLogits(batch: ObjectiveBatch, head: "reward" | "activity" | "imputation", objective: string): tf.Tensor1D {
  const z = batch.logits[head];
  if (!z) throw new TrainingError(`objective "${objective}" needs the ${head} head's logits`);
  return z;
}

/** The anchor half (rows [0, m)) and the partner half (rows [m, 2m)) of a per-row tensor of a pairwise batch. */
export function pairSides(x: tf.Tensor1D, pairs: BatchPairs): [tf.Tensor1D, tf.Tensor1D] {
  const m = pairs.count;
  if (x.shape[0] !== 2 * m) throw new TrainingError(`a pairwise batch of ${m} pairs must have ${2 * m} rows, got ${x.shape[0]}`);
  return [tf.slice(x, [0], [m]), tf.slice(x, [m], [m])];
}
