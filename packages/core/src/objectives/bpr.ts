import * as tf from "@tensorflow/tfjs-core";
import { headLogits, pairSides, pairsOf } from "./common.js";
import type { LossParts, Objective } from "./types.js";

/**
 * Per-pair −log σ(f_i − f_j) = softplus(f_j − f_i), in nats, from the anchors' logits f_i and the
 * partners' logits f_j (equal lengths). Finite for any finite logits.
 */
export function pairwiseLogLoss(fi: tf.Tensor1D, fj: tf.Tensor1D): tf.Tensor1D {
  return tf.tidy(() => tf.softplus(tf.sub(fj, fi)) as tf.Tensor1D);
}

/**
 * bpr (Bayesian personalised ranking; Rendle, Freudenthaler, Gantner, Schmidt-Thieme, UAI 2009):
 * mean over pairs of −log σ(f_i − f_j), i a response with feedback (r = 1), j a response to the same
 * prompt without feedback (r = 0); pairs are drawn per epoch by the training loop (needs.pairs
 * 'unlabeled'; a prompt with no such partner falls back to a random r = 0 row). Treats unlabeled
 * as worse, like naive, but only relative to responses to the same prompt. The score σ(f) is a
 * ranking, not a calibrated probability (NLL and ECE mean little for it). No options. Selected on
 * the same loss over a fixed set of validation pairs.
 */
export const bpr: Objective<Record<string, never>> = {
  name: "bpr",
  summary: "BPR: −log σ(f_i − f_j), i with feedback vs j without, same prompt (Rendle et al. 2009)",
  heads: ["reward"],
  needs: { pairs: "unlabeled" },
  defaults: {},
  samplingLabel: "r",
  loss(batch): LossParts {
    const f = headLogits(batch, "reward", "bpr");
    const pairs = pairsOf(batch, "bpr");
    return tf.tidy(() => ({ total: tf.mean(pairwiseLogLoss(...pairSides(f, pairs))) as tf.Scalar }));
  },
};
