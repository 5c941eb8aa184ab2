import * as tf from "@tensorflow/tfjs-core";
import { maskedMean, weightedMean } from "../math.js";
import { CLASS_PRIOR_DEFAULTS, type PuLoss, classPriorCheck, classPriorOf, headLogits, puLossCheck } from "./common.js";
import type { ClassPriorOptions, LossParts, Objective, ObjectiveBatch } from "./types.js";

/** The three partial risks of PU learning, each a batch mean in nats (logistic) or in [0, 1] (sigmoid). */
export interface PuRisks {
  /** ℓ⁺_P: mean of ℓ(f, +1) over the labelled positives (rows with r = 1). */
  positiveOnP: tf.Scalar;
  /** ℓ⁻_P: mean of ℓ(f, −1) over the labelled positives. */
  negativeOnP: tf.Scalar;
  /** ℓ⁻_U: mean of ℓ(f, −1) over the unlabeled sample U = every row of the batch, importance-weighted. */
  negativeOnU: tf.Scalar;
}

/**
 * ℓ⁺_P, ℓ⁻_P and ℓ⁻_U of a batch. Surrogate losses: 'logistic' ℓ(z, +1) = softplus(−z),
 * ℓ(z, −1) = softplus(z); 'sigmoid' ℓ(z, +1) = σ(−z), ℓ(z, −1) = σ(z). The labelled positives P
 * are the rows with r = 1 (a batch without one gives 0 for their means). The unlabeled sample U is
 * the whole log, labelled rows included (the "censoring" PU setting: every logged row is a draw from
 * the marginal p(x), so π_p below is the ordinary class prior P(r* = 1)); its mean uses
 * `weight`, which undoes the epoch sampler's over-representation of positives.
 */
export function puRisks(f: tf.Tensor1D, r: tf.Tensor1D, loss: PuLoss, weight?: tf.Tensor1D): PuRisks {
  return tf.tidy(() => {
    const lPos = loss === "logistic" ? tf.softplus(tf.neg(f)) : tf.sigmoid(tf.neg(f));
    const lNeg = loss === "logistic" ? tf.softplus(f) : tf.sigmoid(f);
    return {
      positiveOnP: maskedMean(lPos, r),
      negativeOnP: maskedMean(lNeg, r),
      negativeOnU: weightedMean(lNeg, weight),
    };
  });
}

/** Options of `upu`. */
export interface UpuOptions extends ClassPriorOptions {
  /** Surrogate loss ℓ (default 'logistic', so σ(f) is a probability comparable across methods). */
  loss: PuLoss;
}

/**
 * upu (unbiased PU risk; du Plessis, Niu, Sugiyama, "Convex formulation for learning from positive
 * and unlabeled data", ICML 2015): R = π_p·(ℓ⁺_P − ℓ⁻_P) + ℓ⁻_U with the partial risks of
 * {@link puRisks} and the class prior π_p = P(r* = 1). Unbiased for the ideal risk when the labelled
 * positives are a random sample of the positives (SCAR); here feedback is missing not at random, so
 * it is not. With the logistic loss, ℓ(z, +1) − ℓ(z, −1) = −z and the risk is convex in a linear
 * model's weights (the 2015 paper's point), but with a flexible head its empirical value can fall
 * below zero without bound: the overfitting nnPU corrects. Options: `classPrior` (default
 * 'estimated', Elkan–Noto), `loss` (default 'logistic'). Parts: total, positive (π_p·ℓ⁺_P),
 * negative (ℓ⁻_U − π_p·ℓ⁻_P). Selected on its own risk on the validation rows.
 */
export const upu: Objective<UpuOptions> = {
  name: "upu",
  summary: "unbiased PU risk π_p(ℓ⁺_P − ℓ⁻_P) + ℓ⁻_U (du Plessis et al. 2015)",
  heads: ["reward"],
  needs: { classPrior: true },
  defaults: { ...CLASS_PRIOR_DEFAULTS, loss: "logistic" },
  checks: { classPrior: classPriorCheck, loss: puLossCheck },
  samplingLabel: "r",
  loss(batch, o): LossParts {
    const { prior, risks } = puInputs(batch, o.loss, "upu");
    return tf.tidy(() => {
      const positive = tf.mul(risks.positiveOnP, prior) as tf.Scalar;
      const negative = tf.sub(risks.negativeOnU, tf.mul(risks.negativeOnP, prior)) as tf.Scalar;
      return { total: tf.add(positive, negative) as tf.Scalar, positive, negative };
    });
  },
};

/** The class prior and the partial risks of a batch (shared with nnpu). */
export function puInputs(batch: ObjectiveBatch, loss: PuLoss, objective: string): { prior: number; risks: PuRisks } {
  const prior = classPriorOf(batch, objective);
  const f = headLogits(batch, "reward", objective);
  return { prior, risks: puRisks(f, batch.r, loss, batch.weight) };
}
