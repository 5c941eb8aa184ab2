/**
 * Model selection: which held-out loss picks the epoch to keep (see {@link selectionCriterion}) and
 * its value for the current weights, computed in chunks without gradients.
 */
import * as tf from "@tensorflow/tfjs-core";
import { bceWithLogits } from "../math.js";
import type { RewardModel } from "../model.js";
import type { Objective, ObjectiveBatch } from "../objectives/types.js";
import { SCAN_CHUNK_ROWS } from "../rows/read.js";
import { type BatchContext, type BatchSpec, type SplitInputs, batchTensors } from "./batch.js";
import { pairBatch, rangeRows } from "./sampling.js";
import type { RowPairs } from "./pairs.js";
import type { SelectionCriterion, TrainData } from "./types.js";

/**
 * The selection criterion of a run, in order: the BCE against r* on a clean-labelled validation
 * set when one is given or the objective trains on clean labels (oracle); the held-out observed
 * NLL for objectives that define `observedNll`; otherwise the objective's own held-out loss.
 */
export function selectionCriterion(objective: Objective<object>, data: Pick<TrainData, "cleanValidation">): SelectionCriterion {
  return data.cleanValidation || objective.needs.cleanLabels ? "clean-validation-bce" : objective.observedNll ? "observed-nll" : "validation-loss";
}

/** Mean held-out loss used to pick the epoch to keep. */
export function selectionLossOf(
  model: RewardModel,
  objective: Objective<object>,
  options: object,
  split: SplitInputs,
  selection: SelectionCriterion,
  context: BatchContext,
  validationPairs: RowPairs | undefined,
): number {
  const fs = split.fs;
  if (selection === "validation-loss" && validationPairs) {
    const { first, second } = validationPairs;
    const per = SCAN_CHUNK_ROWS / 2;
    let sum = 0;
    for (let start = 0; start < first.length; start += per) {
      const spec = pairBatch(first, second, start, Math.min(first.length, start + per));
      sum += tf.tidy(() => {
        const { x, ctx, batch } = batchTensors(split, spec, context);
        return tf.mul(heldOutLoss(objective, { ...batch, logits: model.logitsOf(x, ctx) }, options), spec.pairCount!).dataSync()[0]!;
      });
    }
    return sum / first.length;
  }
  let sum = 0;
  for (let start = 0; start < fs.n; start += SCAN_CHUNK_ROWS) {
    const spec: BatchSpec = { rows: rangeRows(start, Math.min(fs.n, start + SCAN_CHUNK_ROWS)) };
    sum += tf.tidy(() => {
      const clean = selection === "clean-validation-bce";
      const { x, ctx, batch } = batchTensors(split, spec, clean ? { needs: { cleanLabels: true }, ...(context.activity ? { activity: true } : {}) } : context, clean);
      const logits = model.logitsOf(x, ctx);
      let total: tf.Tensor;
      if (clean) total = tf.sum(bceWithLogits(logits.reward!, batch.rStar!));
      else if (selection === "observed-nll") total = tf.sum(objective.observedNll!({ ...batch, logits }, options));
      else total = tf.mul(heldOutLoss(objective, { ...batch, logits }, options), spec.rows.length);
      return total.dataSync()[0]!;
    });
  }
  return sum / fs.n;
}

/** The objective's held-out criterion on one batch: `validationLoss`, else the loss total. */
function heldOutLoss(objective: Objective<object>, batch: ObjectiveBatch, options: object): tf.Scalar {
  return objective.validationLoss ? objective.validationLoss(batch, options) : objective.loss(batch, options).total;
}
