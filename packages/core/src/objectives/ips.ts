import * as tf from "@tensorflow/tfjs-core";
import { weightedMean } from "../math.js";
import { PROPENSITY_CHECKS, PROPENSITY_DEFAULTS, headLogits, propensityOf } from "./common.js";
import type { LossParts, Objective, PropensityOptions } from "./types.js";

/**
 * Per-row Rel-MF loss from the reward logit f, the observed r and the propensity π:
 * −[(r/π) log σ(f) + (1 − r/π) log(1 − σ(f))] = (r/π)·softplus(−f) + (1 − r/π)·softplus(f), in nats.
 * With `nonNegative` the negative weight 1 − r/π is clipped at 0 (ips-nn). Finite for any finite f.
 */
export function ipsPerRow(f: tf.Tensor, r: tf.Tensor, propensity: tf.Tensor, nonNegative = false): tf.Tensor {
  return tf.tidy(() => {
    const pos = tf.div(r, propensity);
    let neg = tf.sub(1, pos);
    if (nonNegative) neg = tf.relu(neg);
    return tf.add(tf.mul(pos, tf.softplus(tf.neg(f))), tf.mul(neg, tf.softplus(f)));
  });
}

/** Options of `ips` (and `ips-nn`): where π comes from and its lower clip. */
export type IpsOptions = PropensityOptions;

/**
 * ips (Rel-MF; Saito, Yaginuma, Nishino, Sakata, Nakata, "Unbiased Recommender Learning from
 * Missing-Not-At-Random Implicit Feedback", WSDM 2020): the BCE against the inverse-propensity label
 * r/π, unbiased for the ideal BCE against r* when π is the true P(a = 1 | x) (E[r/π | x] =
 * P(r* = 1 | x)). Loss: the importance-weighted batch mean of {@link ipsPerRow}, in nats; the weights
 * undo the epoch sampler's class resampling, so the estimate is over the log itself. Options:
 * `propensity` (default 'oracle'), `clipMin` (default 0.05). Selected on the same loss on the
 * validation rows (its own risk estimate).
 */
export const ips: Objective<IpsOptions> = ipsObjective(
  "ips",
  "Rel-MF: BCE against r/π (inverse propensity; Saito et al. WSDM 2020)",
  false,
);

/** The ips-style objective `name`, with the negative weight clipped at 0 when `nonNegative` (ips-nn). */
export function ipsObjective(name: string, summary: string, nonNegative: boolean): Objective<IpsOptions> {
  return {
    name,
    summary,
    heads: ["reward"],
    needs: { propensity: true },
    defaults: PROPENSITY_DEFAULTS,
    checks: PROPENSITY_CHECKS,
    samplingLabel: "r",
    loss(batch): LossParts {
      const f = headLogits(batch, "reward", name);
      const pi = propensityOf(batch, name);
      return tf.tidy(() => ({ total: weightedMean(ipsPerRow(f, batch.r, pi, nonNegative), batch.weight) }));
    },
  };
}
