/**
 * The E-step of ImplicitRM (METHOD §2): posterior weights of the four latent groups given the
 * observed feedback r and the current heads, with gradients stopped.
 */
import * as tf from "@tensorflow/tfjs-core";
import { log1mSigmoidProduct, stopGradient } from "./math.js";

/** How the r = 0 posteriors are guarded where D = 1 − r̂·â is tiny. */
export type Smoothing = "clampDenominator" | "additive";

export interface PosteriorOptions {
  /** Guard for D = 1 − r̂·â (default 1e-6). */
  eps?: number;
  /**
   * 'clampDenominator' (default): φ_k = n_k / max(D, eps), exact whenever D ≥ eps.
   * 'additive': the paper's variant, eps added to each numerator and the weights renormalised:
   * φ_k = (n_k + eps) / (D + 3·eps).
   */
  smoothing?: Smoothing;
  /**
   * 1 for a known NA row (an explicit negative: r* = 0, a = 1, with r = 0), 0 otherwise (default: no
   * row). Such a row's posterior is fixed: φ_NA = 1 and φ_PA = φ_PP = φ_NP = 0, whatever the heads say.
   */
  explicitNegative?: tf.Tensor1D;
}

/** Posterior weights of the groups PA (r*=1,a=1), PP (1,0), NA (0,1), NP (0,0), one per row. */
export interface StrataPosteriors {
  pa: tf.Tensor1D;
  pp: tf.Tensor1D;
  na: tf.Tensor1D;
  np: tf.Tensor1D;
}

/**
 * φ for each row: r = 1 gives φ_PA = 1; r = 0 gives φ_PP = r̂(1−â)/D, φ_NA = (1−r̂)â/D,
 * φ_NP = (1−r̂)(1−â)/D with D = 1 − r̂â, r̂ = σ(rewardLogits), â = σ(activityLogits). Computed in
 * log space (each numerator is a sum of log-sigmoids, D comes from `log1mSigmoidProduct`), so it is
 * finite for any finite logits. The outputs carry no gradient. Rows marked in
 * `options.explicitNegative` (known NA) get φ_NA = 1 and 0 elsewhere.
 */
export function strataPosteriors(
  rewardLogits: tf.Tensor1D,
  activityLogits: tf.Tensor1D,
  r: tf.Tensor1D,
  options: PosteriorOptions = {},
): StrataPosteriors {
  const eps = options.eps ?? 1e-6;
  const smoothing = options.smoothing ?? "clampDenominator";
  if (!(eps > 0 && eps < 1)) throw new RangeError(`strataPosteriors: eps must be in (0, 1), got ${eps}`);
  const [pa, pp, na, np] = tf.tidy(() => {
    const f = stopGradient(rewardLogits);
    const g = stopGradient(activityLogits);
    // log σ(x) = −softplus(−x) and log(1 − σ(x)) = −softplus(x)
    const logR = tf.neg(tf.softplus(tf.neg(f)));
    const log1mR = tf.neg(tf.softplus(f));
    const logA = tf.neg(tf.softplus(tf.neg(g)));
    const log1mA = tf.neg(tf.softplus(g));
    const logNum = [tf.add(logR, log1mA), tf.add(log1mR, logA), tf.add(log1mR, log1mA)];
    const logD = log1mSigmoidProduct(f, g);
    let weights: tf.Tensor[];
    if (smoothing === "clampDenominator") {
      const logDen = tf.maximum(logD, Math.log(eps));
      weights = logNum.map((l) => tf.exp(tf.sub(l, logDen)));
    } else if (smoothing === "additive") {
      const den = tf.add(tf.exp(logD), 3 * eps);
      weights = logNum.map((l) => tf.div(tf.add(tf.exp(l), eps), den));
    } else {
      throw new RangeError(`strataPosteriors: unknown smoothing "${String(smoothing)}"`);
    }
    const unobserved = tf.sub(1, r);
    const out = [tf.clone(r), tf.mul(unobserved, weights[0]!), tf.mul(unobserved, weights[1]!), tf.mul(unobserved, weights[2]!)] as tf.Tensor1D[];
    const known = options.explicitNegative;
    if (!known) return out;
    // known NA rows: PP and NP to 0, NA to 1 (r = 0 there, so PA is 0 already)
    const free = tf.sub(1, known);
    return [out[0]!, tf.mul(out[1]!, free), tf.add(tf.mul(out[2]!, free), known), tf.mul(out[3]!, free)] as tf.Tensor1D[];
  });
  return { pa: pa!, pp: pp!, na: na!, np: np! };
}
