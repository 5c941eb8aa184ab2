/** A minibatch as tensors: its rows' features gathered, with the labels and inputs the objective needs. */
import * as tf from "@tensorflow/tfjs-core";
import { TrainingError } from "../errors.js";
import type { ObjectiveBatch, ObjectiveNeeds } from "../objectives/types.js";
import { gatherRows } from "../rows/read.js";
import type { RowSource } from "../types.js";

/** One split's rows with the propensities resolved for it. */
export interface SplitInputs {
  fs: RowSource;
  propensity?: Float32Array;
}

/** Run-level inputs every batch gets. */
export interface BatchContext {
  needs: ObjectiveNeeds;
  classPrior?: number;
  /** Gather the rows' activity block too (a head reads it). */
  activity?: boolean;
}

/** One minibatch: rows (for pairs, the m anchors then their m partners) and per-row weights. */
export interface BatchSpec {
  rows: Int32Array;
  weight?: Float32Array;
  /** m: the batch holds m pairs, rows[t] paired with rows[m + t]. */
  pairCount?: number;
}

/** Gathers a batch's rows into tensors, with what the objective's `needs` ask for. */
export function batchTensors(
  split: SplitInputs,
  spec: BatchSpec,
  context: BatchContext,
  cleanLabels = context.needs.cleanLabels === true,
): { x: tf.Tensor2D; ctx?: tf.Tensor2D; batch: Omit<ObjectiveBatch, "logits"> } {
  const { fs } = split;
  const { rows } = spec;
  const n = rows.length;
  const d = fs.dim;
  const x = new Float32Array(n * d);
  const block = context.activity ? fs.activity : undefined;
  if (context.activity && !block) throw new TrainingError("internal: a head reads the activity block, which this split lacks");
  const ctx = block ? new Float32Array(n * block.dim) : undefined;
  const r = new Float32Array(n);
  const rStar = cleanLabels ? new Float32Array(n) : undefined;
  const prop = context.needs.propensity ? new Float32Array(n) : undefined;
  const known = fs.explicitNegative ? new Float32Array(n) : undefined;
  if (prop && !split.propensity) throw new TrainingError("internal: propensities were not resolved for this split");
  gatherRows(fs, rows, x);
  for (let i = 0; i < n; i++) {
    const row = rows[i]!;
    if (ctx) ctx.set(block!.features.subarray(row * block!.dim, (row + 1) * block!.dim), i * block!.dim);
    r[i] = fs.r[row]!;
    if (rStar) rStar[i] = fs.rStar![row]!;
    if (prop) prop[i] = split.propensity![row]!;
    if (known) known[i] = fs.explicitNegative![row]!;
  }
  return {
    x: tf.tensor2d(x, [n, d]),
    ...(ctx ? { ctx: tf.tensor2d(ctx, [n, block!.dim]) } : {}),
    batch: {
      r: tf.tensor1d(r),
      ...(rStar ? { rStar: tf.tensor1d(rStar) } : {}),
      ...(prop ? { propensity: tf.tensor1d(prop) } : {}),
      ...(known ? { explicitNegative: tf.tensor1d(known) } : {}),
      ...(context.needs.classPrior && context.classPrior !== undefined ? { classPrior: context.classPrior } : {}),
      ...(spec.weight ? { weight: tf.tensor1d(spec.weight) } : {}),
      ...(spec.pairCount !== undefined ? { pairs: { count: spec.pairCount } } : {}),
    },
  };
}
