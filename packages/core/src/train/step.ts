/** The optimizer step: the loss and its gradients, a divergence guard, clipping, coupled L2 and Adam, per head. */
import * as tf from "@tensorflow/tfjs-core";
import { TrainingError } from "../errors.js";
import type { RewardModel } from "../model.js";
import type { HeadName, Objective } from "../objectives/types.js";
import { type BatchContext, type BatchSpec, type SplitInputs, batchTensors } from "./batch.js";

/** One optimizer step per head; returns the batch's loss parts (kept scalars the caller disposes). */
export function trainStep(
  model: RewardModel,
  objective: Objective<object>,
  options: object,
  optimizers: Map<HeadName, tf.Optimizer>,
  split: SplitInputs,
  spec: BatchSpec,
  context: BatchContext,
  weightDecay: Partial<Record<HeadName, number>>,
  clipNorm: number,
  diverged: (what: string) => never,
): Record<string, tf.Scalar> {
  return tf.tidy(() => {
    const { x, ctx, batch } = batchTensors(split, spec, context);
    const parts: Record<string, tf.Scalar> = {};
    const { value, grads } = tf.variableGrads(() => {
      const logits = model.logitsOf(x, ctx);
      const { total, ...rest } = objective.loss({ ...batch, logits }, options);
      // variableGrads disposes everything but its value: keep the other parts for reporting.
      for (const [k, v] of Object.entries(rest)) parts[k] = tf.keep(v);
      return total;
    }, model.variables);
    parts.total = value;
    const headGrads = objective.heads.map((head) =>
      model.head(head).variables.map((v) => {
        const g = grads[v.name];
        if (!g) throw new TrainingError(`objective "${objective.name}" gave no gradient to the ${head} head's ${v.name}: its loss must use every head it declares`);
        return g;
      }),
    );
    // Divergence guard, before any update: the loss and each head's squared gradient norm, read at once.
    const health = tf.stack([value, ...headGrads.map((gs) => tf.addN(gs.map((g) => tf.sum(tf.square(g)))))]).dataSync();
    const bad = (what: string): never => {
      for (const [k, v] of Object.entries(parts)) if (k !== "total") v.dispose();
      return diverged(what);
    };
    if (!Number.isFinite(health[0]!)) bad(`the loss is ${health[0]}`);
    objective.heads.forEach((head, k) => {
      const g2 = health[k + 1]!;
      if (!Number.isFinite(g2)) bad(`the gradient of the ${head} head is not finite (its squared norm is ${g2})`);
      const norm = Math.sqrt(g2);
      const scale = clipNorm > 0 && norm > clipNorm ? clipNorm / norm : 1;
      const wd = weightDecay[head] ?? 0;
      const named: tf.NamedTensorMap = {};
      model.head(head).variables.forEach((v, i) => {
        const g = scale !== 1 ? tf.mul(headGrads[k]![i]!, scale) : headGrads[k]![i]!;
        named[v.name] = wd > 0 ? tf.add(g, tf.mul(v, wd)) : g;
      });
      optimizers.get(head)!.applyGradients(named);
    });
    return parts;
  });
}
