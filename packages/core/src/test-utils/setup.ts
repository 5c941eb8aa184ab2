// Test-only helpers: the cpu backend and a tiny learnable FeatureSet generator.
import "@tensorflow/tfjs-backend-cpu";
import "../register-gradients.js";
import * as tf from "@tensorflow/tfjs-core";
import { auroc } from "../metrics.js";
import { Rng } from "../random.js";
import type { TrainOptions } from "../train/options.js";
import { train } from "../train/train.js";
import type { TrainResult } from "../train/types.js";
import type { FeatureSet } from "../types.js";

export async function useCpu(): Promise<void> {
  await tf.setBackend("cpu");
  await tf.ready();
}

/**
 * n rows of D Gaussian features; r* = 1[x₀ + 0.5·x₁ > 0]; propensity 0.2 or 0.9 by the sign of x₂;
 * r = r*·a. Small and learnable, for loop tests. With `groupSize`, consecutive rows form prompt
 * groups of that size (`group`), for pairwise objectives.
 */
export function toyFeatureSet(n: number, dim: number, seed: number, options: { groupSize?: number } = {}): FeatureSet {
  const rng = new Rng(seed);
  const features = new Float32Array(n * dim);
  for (let i = 0; i < features.length; i++) features[i] = rng.normal();
  const r = new Uint8Array(n);
  const rStar = new Uint8Array(n);
  const propensity = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const x = features.subarray(i * dim, (i + 1) * dim);
    rStar[i] = x[0]! + 0.5 * x[1]! > 0 ? 1 : 0;
    propensity[i] = x[2]! > 0 ? 0.9 : 0.2;
    r[i] = rStar[i]! * rng.bernoulli(propensity[i]!);
  }
  const fs: FeatureSet = { n, dim, features, r, rStar, propensity };
  if (options.groupSize) {
    const size = options.groupSize;
    fs.group = Int32Array.from({ length: n }, (_, i) => Math.floor(i / size));
  }
  return fs;
}

/** The toy train / validation / test splits the objective tests share (1200 / 400 / 600 rows, D = 8). */
export function toySplits(options: { groupSize?: number } = {}): { train: FeatureSet; validation: FeatureSet; test: FeatureSet } {
  return { train: toyFeatureSet(1200, 8, 1, options), validation: toyFeatureSet(400, 8, 2, options), test: toyFeatureSet(600, 8, 3, options) };
}

/** Training settings of the objective tests' short runs: small, fast, and enough to learn the toy rule. */
export const TOY_TRAIN: Readonly<Partial<TrainOptions>> = Object.freeze({ hidden: [32], epochs: 25, patience: 10, lr: 3e-3 });

/** Reads a tensor's values into a plain array. */
export function values(x: tf.Tensor): number[] {
  return Array.from(x.dataSync());
}

/** Expects every value of every tensor to be finite (no NaN, no ±Infinity). */
export function allFinite(...xs: tf.Tensor[]): boolean {
  return xs.every((x) => values(x).every(Number.isFinite));
}

/**
 * Trains `objective` on the toy splits with {@link TOY_TRAIN} (overridden by `trainOptions`) and returns the test AUROC of σ(f)
 * against r* with the training result (its model already disposed).
 */
export async function trainToy(
  objective: string,
  objectiveOptions: Record<string, unknown> = {},
  data: { groupSize?: number } = {},
  trainOptions: Partial<TrainOptions> = {},
): Promise<{ auroc: number; result: TrainResult }> {
  const { train: tr, validation, test } = toySplits(data);
  const result = await train({ train: tr, validation }, { ...TOY_TRAIN, ...trainOptions, objective, objectiveOptions });
  const score = auroc(result.model.predict(test.features), test.rStar!);
  result.model.dispose();
  return { auroc: score, result };
}
