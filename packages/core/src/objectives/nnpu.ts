import * as tf from "@tensorflow/tfjs-core";
import { stopGradient } from "../math.js";
import { numberIn } from "./options.js";
import { CLASS_PRIOR_DEFAULTS, classPriorCheck, puLossCheck } from "./common.js";
import { type UpuOptions, puInputs } from "./upu.js";
import type { LossParts, Objective, ObjectiveBatch } from "./types.js";

/** Options of `nnpu`. */
export interface NnpuOptions extends UpuOptions {
  /** β ≥ 0: the negative risk may fall to −β before the correction step is taken (default 0). */
  beta: number;
  /** γ ∈ (0, 1]: the size of the correction step (default 1). */
  gamma: number;
}

/**
 * nnpu (non-negative PU risk; Kiryo, Niu, du Plessis, Sugiyama, "Positive-Unlabeled Learning with
 * Non-Negative Risk Estimator", NeurIPS 2017). Risk: π_p·ℓ⁺_P + max(0, ℓ⁻_U − π_p·ℓ⁻_P), the partial
 * risks as in {@link puRisks}. Implemented exactly as the paper's Algorithm 1, per minibatch: with
 * the negative risk n = ℓ⁻_U − π_p·ℓ⁻_P, if n ≥ −β the step descends the uPU risk π_p·ℓ⁺_P + n;
 * otherwise it descends −γ·n (a "defitting" step that pushes the negative risk back up, with no
 * positive term). `total`, the quantity differentiated, is therefore π_p·ℓ⁺_P + n or −γ·n; the
 * part `risk` is the nnPU risk π_p·ℓ⁺_P + max(0, n), which is also the validation criterion.
 * Options: `classPrior` (default 'estimated', Elkan–Noto), `loss` (default 'logistic'; Kiryo et al.
 * mostly used 'sigmoid'), `beta` (default 0), `gamma` (default 1), the paper's defaults.
 */
export const nnpu: Objective<NnpuOptions> = {
  name: "nnpu",
  summary: "non-negative PU risk π_p·ℓ⁺_P + max(0, ℓ⁻_U − π_p·ℓ⁻_P) (Kiryo et al. 2017)",
  heads: ["reward"],
  needs: { classPrior: true },
  defaults: { ...CLASS_PRIOR_DEFAULTS, loss: "logistic", beta: 0, gamma: 1 },
  checks: { classPrior: classPriorCheck, loss: puLossCheck, beta: numberIn(0, 1e3), gamma: numberIn(1e-6, 1) },
  samplingLabel: "r",
  loss(batch, o): LossParts {
    const { prior, risks } = puInputs(batch, o.loss, "nnpu");
    return tf.tidy(() => {
      const positive = tf.mul(risks.positiveOnP, prior) as tf.Scalar;
      const negative = tf.sub(risks.negativeOnU, tf.mul(risks.negativeOnP, prior)) as tf.Scalar;
      const keep = stopGradient(tf.cast(tf.greaterEqual(negative, -o.beta), "float32"));
      const descend = tf.add(positive, negative);
      const defit = tf.mul(negative, -o.gamma);
      const total = tf.add(tf.mul(keep, descend), tf.mul(tf.sub(1, keep), defit)) as tf.Scalar;
      const risk = tf.add(positive, tf.relu(negative)) as tf.Scalar;
      return { total, risk, positive, negative };
    });
  },
  validationLoss(batch: ObjectiveBatch, o: NnpuOptions): tf.Scalar {
    return nnpu.loss(batch, o).risk!;
  },
};
