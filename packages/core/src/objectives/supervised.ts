import * as tf from "@tensorflow/tfjs-core";
import { bceWithLogits } from "../math.js";
import type { LossParts, Objective } from "./types.js";

/** naive: BCE(σ(f), r), every unlabeled row taken as a negative. The baseline ImplicitRM must beat. */
export const naive: Objective<Record<string, never>> = {
  name: "naive",
  summary: "BCE on observed feedback: no feedback = negative (biased)",
  heads: ["reward"],
  needs: {},
  defaults: {},
  samplingLabel: "r",
  loss(batch): LossParts {
    return tf.tidy(() => ({ total: tf.mean(bceWithLogits(batch.logits.reward!, batch.r)) as tf.Scalar }));
  },
  observedNll(batch) {
    return bceWithLogits(batch.logits.reward!, batch.r) as tf.Tensor1D;
  },
};

/** oracle: BCE(σ(f), r*) on the clean labels. An upper bound for comparison, not a real method. */
export const oracle: Objective<Record<string, never>> = {
  name: "oracle",
  summary: "BCE on the clean labels r* (upper bound; needs ground truth)",
  heads: ["reward"],
  needs: { cleanLabels: true },
  defaults: {},
  samplingLabel: "rStar",
  loss(batch): LossParts {
    return tf.tidy(() => ({ total: tf.mean(bceWithLogits(batch.logits.reward!, batch.rStar!)) as tf.Scalar }));
  },
};
