import * as tf from "@tensorflow/tfjs-core";
import { weightedMean } from "../math.js";
import { PROPENSITY_CHECKS, PROPENSITY_DEFAULTS, headLogits, propensityOf } from "./common.js";
import { type IpsOptions, ipsPerRow } from "./ips.js";
import type { LossParts, Objective } from "./types.js";

/**
 * ips-nn: Rel-MF with the negative weight clipped at zero,
 * −[(r/π) log σ(f) + max(0, 1 − r/π) log(1 − σ(f))]. Rel-MF's weight 1 − r/π is negative on every
 * r = 1 row with π < 1, which makes the loss unbounded below there (it falls like (1/π − 1)·f as
 * f → +∞) and lets a flexible head overfit; clipping (a per-row analogue of the non-negative correction of
 * Kiryo et al. 2017) removes that at the price of a bias towards positives. Options
 * and selection as for `ips` (`propensity` 'oracle', `clipMin` 0.05).
 */
export const ipsNn: Objective<IpsOptions> = {
  name: "ips-nn",
  summary: "Rel-MF with the negative weight 1 − r/π clipped at 0",
  heads: ["reward"],
  needs: { propensity: true },
  defaults: PROPENSITY_DEFAULTS,
  checks: PROPENSITY_CHECKS,
  samplingLabel: "r",
  loss(batch): LossParts {
    const f = headLogits(batch, "reward", "ips-nn");
    const pi = propensityOf(batch, "ips-nn");
    return tf.tidy(() => ({ total: weightedMean(ipsPerRow(f, batch.r, pi, true), batch.weight) }));
  },
};
