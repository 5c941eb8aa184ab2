import * as tf from "@tensorflow/tfjs-core";
import { PROPENSITY_CHECKS, PROPENSITY_DEFAULTS, headLogits, pairSides, pairsOf, propensityOf } from "./common.js";
import { pairwiseLogLoss } from "./bpr.js";
import type { LossParts, Objective, PropensityOptions } from "./types.js";

/** Options of `ubpr`: where π comes from and its lower clip. */
export type UbprOptions = PropensityOptions;

/**
 * ubpr (unbiased BPR; Saito, "Unbiased Pairwise Learning from Biased Implicit Feedback", ICTIR
 * 2020): mean over pairs of −(r_i/π_i)(1 − r_j/π_j) log σ(f_i − f_j). The anchor i has r_i = 1, so its
 * weight is 1/π_i; the partner j is any other response to the same prompt, with or without feedback
 * (needs.pairs 'any'; a prompt with one response falls back to a random row of the split), so that
 * (1 − r_j/π_j) corrects for partners that were good but ignored. That weight is negative when
 * r_j = 1 and π_j < 1, as in the paper (the loss is then unbounded below for that pair); with
 * clipMin 0.05 it is at least −19. In small prompt groups the same pairs recur every epoch and a
 * flexible head memorises the negatively weighted ones, so early stopping matters more here than for
 * bpr. Options: `propensity` (default 'oracle'), `clipMin` (default
 * 0.05). Selected on the same loss over a fixed set of validation pairs.
 */
export const ubpr: Objective<UbprOptions> = {
  name: "ubpr",
  summary: "unbiased BPR: pairs weighted (1/π_i)(1 − r_j/π_j) (Saito 2020)",
  heads: ["reward"],
  needs: { propensity: true, pairs: "any" },
  defaults: PROPENSITY_DEFAULTS,
  checks: PROPENSITY_CHECKS,
  samplingLabel: "r",
  loss(batch): LossParts {
    const f = headLogits(batch, "reward", "ubpr");
    const pi = propensityOf(batch, "ubpr");
    const pairs = pairsOf(batch, "ubpr");
    return tf.tidy(() => {
      const [fi, fj] = pairSides(f, pairs);
      const [ri, rj] = pairSides(batch.r, pairs);
      const [pi_i, pi_j] = pairSides(pi, pairs);
      const weight = tf.mul(tf.div(ri, pi_i), tf.sub(1, tf.div(rj, pi_j)));
      return { total: tf.mean(tf.mul(weight, pairwiseLogLoss(fi, fj))) as tf.Scalar };
    });
  },
};
