import * as tf from "@tensorflow/tfjs-core";
import { bceWithLogits, observedNll, probabilityLogit, stopGradient, weightedMean } from "../math.js";
import { PROPENSITY_CHECKS, PROPENSITY_DEFAULTS, headLogits, propensityOf } from "./common.js";
import { ipsPerRow } from "./ips.js";
import type { LossParts, Objective, ObjectiveBatch, PropensityOptions } from "./types.js";

/** Options of `dr`: where π comes from and its lower clip. */
export type DrOptions = PropensityOptions;

/**
 * The two per-row parts of the doubly robust objective, in nats.
 * reward: ℓ(r̂, ê) + (r/π)(ℓ(r̂, 1) − ℓ(r̂, ê)) with ℓ the BCE, r̂ = σ(f), ê = σ(e) taken as a
 * constant (stop-gradient). ℓ is linear in its label, so this equals BCE(f, y) with the DR label
 * y = ê + (r/π)(1 − ê), which is how it is computed (finite for any finite logits).
 * imputation: −[r log(π ê) + (1 − r) log(1 − π ê)], the NLL of the observed r under
 * P(r = 1 | x) = π·ê, with gradient to the imputation head only.
 */
export function drPerRow(f: tf.Tensor1D, e: tf.Tensor1D, r: tf.Tensor1D, propensity: tf.Tensor1D): { reward: tf.Tensor1D; imputation: tf.Tensor1D } {
  return tf.tidy(() => {
    const eHat = tf.sigmoid(stopGradient(e));
    const y = tf.add(eHat, tf.mul(tf.div(r, propensity), tf.sub(1, eHat)));
    const reward = bceWithLogits(f, y) as tf.Tensor1D;
    const imputation = observedNll(e, probabilityLogit(propensity), r) as tf.Tensor1D;
    return { reward, imputation };
  });
}

function drParts(batch: ObjectiveBatch): { reward: tf.Scalar; imputation: tf.Scalar } {
  const f = headLogits(batch, "reward", "dr");
  const e = headLogits(batch, "imputation", "dr");
  const pi = propensityOf(batch, "dr");
  return tf.tidy(() => {
    const rows = drPerRow(f, e, batch.r, pi);
    return { reward: weightedMean(rows.reward, batch.weight), imputation: weightedMean(rows.imputation, batch.weight) };
  });
}

/**
 * dr (doubly robust, adapted from Wang, Zhang, Sun, Qi, "Doubly Robust Joint Learning for
 * Recommendation on Data Missing Not at Random", ICML 2019). Two heads: the reward head f and an
 * imputation head e (ê = σ(e), an imputed P(r* = 1 | x)). Per row (see {@link drPerRow}):
 * reward part ℓ(r̂, ê) + (r/π)(ℓ(r̂, 1) − ℓ(r̂, ê)), the imputed error plus the inverse-propensity
 * correction on the rows whose feedback revealed a positive; imputation part the NLL of r under
 * π·ê. Both are importance-weighted batch means; total = reward + imputation, and the stop-gradient
 * on ê makes each head follow only its own part, so the one Adam step per head on each minibatch is
 * the joint-learning (DR-JL) alternation done on the same batch.
 *
 * How the imputation head is trained (the adaptation): DR-JL fits the imputation model on the
 * observed entries, weighted by 1/π, to the prediction model's error there. In implicit feedback the
 * only rows whose label is revealed are the r = 1 rows, all positives, so that fit drives ê to 1
 * everywhere and the reward head with it. The imputation head here is instead fitted to all of the
 * observed feedback through the propensity, by maximum likelihood of r under π·ê: consistent for
 * P(r* = 1 | x) when π is right (r = r*·a, r* ⊥ a | x). Note that the reward part's expected label
 * is ê + P(r* = 1 | x)·(1 − ê): it equals Rel-MF's (unbiased) when ê = 0, and with ê ≈ P* it is
 * P*(2 − P*), monotone in P*, so the ranking is preserved while σ(f) is pulled upwards.
 * Options: `propensity` (default 'oracle'), `clipMin` (default 0.05). Parts: total, reward,
 * imputation. Selected on the Rel-MF (ips) risk of the reward head on the validation rows: DR's
 * own reward part depends on the imputation head, which moves between epochs, so it cannot rank
 * epochs; the IPS risk is a fixed estimate of the same ideal BCE.
 */
export const dr: Objective<DrOptions> = {
  name: "dr",
  summary: "doubly robust: imputed error + (r/π)·correction, imputation head by likelihood (Wang et al. ICML 2019, adapted)",
  heads: ["reward", "imputation"],
  needs: { propensity: true },
  defaults: PROPENSITY_DEFAULTS,
  checks: PROPENSITY_CHECKS,
  samplingLabel: "r",
  loss(batch): LossParts {
    const { reward, imputation } = drParts(batch);
    return { total: tf.add(reward, imputation) as tf.Scalar, reward, imputation };
  },
  validationLoss(batch): tf.Scalar {
    const f = headLogits(batch, "reward", "dr");
    const pi = propensityOf(batch, "dr");
    return tf.tidy(() => weightedMean(ipsPerRow(f, batch.r, pi), batch.weight));
  },
};
