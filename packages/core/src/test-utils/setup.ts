// Test-only helpers: the cpu backend and a tiny learnable FeatureSet generator.
import "@tensorflow/tfjs-backend-cpu";
import * as tf from "@tensorflow/tfjs-core";
import { Rng } from "../random.js";
import type { FeatureSet } from "../types.js";

export async function useCpu(): Promise<void> {
  await tf.setBackend("cpu");
  await tf.ready();
}

/**
 * n rows of D Gaussian features; r* = 1[w·x > 0]; propensity 0.2 or 0.9 by a second direction;
 * r = r*·a. Small and learnable, for loop tests.
 */
export function toyFeatureSet(n: number, dim: number, seed: number): FeatureSet {
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
  return { n, dim, features, r, rStar, propensity };
}
