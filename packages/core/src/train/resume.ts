/**
 * Checkpoint and resume: a run's state between two optimizer steps is captured as plain data
 * (see TrainState in types.ts) and put back into a freshly built model and its Adam optimizers,
 * bit for bit, so a resumed run gives the same result as an uninterrupted one. No I/O here.
 */
import * as tf from "@tensorflow/tfjs-core";
import { DataError, TrainingError } from "../errors.js";
import type { RewardModel } from "../model.js";
import type { HeadName, Objective } from "../objectives/types.js";
import { type AdamState, TRAIN_STATE_FORMAT, TRAIN_STATE_VERSION, type TrainState } from "./types.js";

interface AdamInternals {
  accBeta1?: tf.Variable;
  accBeta2?: tf.Variable;
}

/** Copies an Adam optimizer's state (m and v in `variables` order, which is the order it was given gradients in). */
export async function captureAdam(opt: tf.Optimizer, variables: readonly tf.Variable[]): Promise<AdamState> {
  const internals = opt as unknown as AdamInternals;
  if (!internals.accBeta1 || !internals.accBeta2) throw new TrainingError(`cannot checkpoint a ${opt.getClassName()} optimizer: only Adam's state is known`);
  const named = await opt.getWeights();
  const [iter, ...moments] = named;
  const iterations = iter ? (await iter.tensor.data())[0]! : 0;
  iter?.tensor.dispose(); // a fresh scalar made by getWeights; the moments are the live variables
  const k = moments.length / 2;
  if (k !== 0 && k !== variables.length) throw new TrainingError(`the optimizer holds ${k} moment pairs for ${variables.length} variables`);
  return {
    iterations,
    accBeta1: internals.accBeta1.dataSync()[0]!,
    accBeta2: internals.accBeta2.dataSync()[0]!,
    m: moments.slice(0, k).map((w) => new Float32Array(w.tensor.dataSync())),
    v: moments.slice(k).map((w) => new Float32Array(w.tensor.dataSync())),
  };
}

/**
 * Puts a captured state into a fresh Adam optimizer for `variables` (same shapes, same order). β₁ᵗ
 * and β₂ᵗ are restored as stored, not recomputed as powers (tfjs's `setWeights` does that, which can
 * differ from the accumulated product in the last bit and break bit-identical resumption).
 */
export async function restoreAdam(opt: tf.Optimizer, variables: readonly tf.Variable[], state: AdamState, where: string): Promise<void> {
  const internals = opt as unknown as AdamInternals;
  if (!internals.accBeta1 || !internals.accBeta2) throw new TrainingError(`cannot restore a ${opt.getClassName()} optimizer: only Adam's state is known`);
  if (state.m.length === 0 && state.v.length === 0) {
    if (state.iterations !== 0) throw new DataError(`${where}: the optimizer state has ${state.iterations} steps but no moments`);
    return;
  }
  if (state.m.length !== variables.length || state.v.length !== variables.length) {
    throw new DataError(`${where}: the optimizer state has ${state.m.length}/${state.v.length} moments for ${variables.length} variables`);
  }
  const named: Parameters<tf.Optimizer["setWeights"]>[0] = [{ name: "iter", tensor: tf.scalar(state.iterations, "int32") }];
  for (const [which, list] of [["m", state.m], ["v", state.v]] as const) {
    list.forEach((values, i) => {
      const v = variables[i]!;
      if (values.length !== v.size) throw new DataError(`${where}: optimizer ${which}[${i}] holds ${values.length} values, ${v.name} has ${v.size}`);
      named.push({ name: `${v.name}/${which}`, tensor: tf.tensor(values, v.shape, "float32") });
    });
  }
  await opt.setWeights(named);
  for (const t of named) t.tensor.dispose(); // setWeights made variables of them (which keep the data)
  tf.tidy(() => {
    internals.accBeta1!.assign(tf.scalar(state.accBeta1));
    internals.accBeta2!.assign(tf.scalar(state.accBeta2));
  });
}

/** Whether two Rng states are the same (an epoch's row order was drawn alike). */
export function sameRngState(a: readonly number[], b: readonly number[]): boolean {
  return a.length >= 4 && b.length >= 4 && [0, 1, 2, 3].every((i) => a[i] === b[i]);
}

/**
 * Puts a {@link TrainState} into a freshly built model and its optimizers, checking that it belongs
 * to this objective and that every shape matches (a DataError saying what differs).
 */
export async function restoreTrainState(state: TrainState, model: RewardModel, optimizers: Map<HeadName, tf.Optimizer>, objective: Objective<object>): Promise<void> {
  if (state.format !== TRAIN_STATE_FORMAT || state.version !== TRAIN_STATE_VERSION) {
    throw new DataError(`not a training state this version can resume (format ${String(state.format)} version ${String(state.version)}, expected ${TRAIN_STATE_FORMAT} ${TRAIN_STATE_VERSION})`);
  }
  if (state.objective !== objective.name) throw new DataError(`the checkpoint trains objective "${state.objective}", not "${objective.name}"`, { field: "objective" });
  const heads = Object.keys(state.model.heads).sort().join(", ");
  if (heads !== [...objective.heads].sort().join(", ")) throw new DataError(`the checkpoint has heads ${heads}, this objective ${objective.heads.join(", ")}`, { field: "heads" });
  if (state.model.inputDim !== model.inputDim) {
    throw new DataError(`the checkpoint was trained on ${state.model.inputDim}-dimensional features, these rows have ${model.inputDim}`, { field: "inputDim" });
  }
  try {
    model.setWeights(state.model.heads);
    model.setWeights(state.best.weights); // shape check of the best weights too
    model.setWeights(state.model.heads);
  } catch (e) {
    throw new DataError(`the checkpoint's weights do not fit this model: ${(e as Error).message}`, { field: "weights" }, { cause: e });
  }
  for (const h of objective.heads) {
    const s = state.optimizers[h];
    if (!s) throw new DataError(`the checkpoint has no optimizer state for the ${h} head`, { field: "optimizers" });
    await restoreAdam(optimizers.get(h)!, model.head(h).variables, s, `the ${h} head`);
  }
}

/** Where a run stands between two steps, as the loop holds it: what {@link captureTrainState} copies. */
export interface RunProgress {
  epoch: number;
  batch: number;
  steps: number;
  best: TrainState["best"];
  sinceBest: number;
  finished: boolean;
  stoppedEarly: boolean;
  history: TrainState["history"];
  /** The epoch's running sums of the loss parts (scalars; read, not disposed). */
  sums: Map<string, tf.Scalar>;
  pairFallbacks: number;
  pairsDrawn: number;
  rng: number[];
  seconds: number;
}

/** The run's state between two steps (see TrainState): the weights, every head's Adam state and the loop's progress, copied. */
export async function captureTrainState(
  model: RewardModel,
  optimizers: Map<HeadName, tf.Optimizer>,
  objective: Objective<object>,
  p: RunProgress,
): Promise<TrainState> {
  const opts: Partial<Record<HeadName, AdamState>> = {};
  for (const h of objective.heads) opts[h] = await captureAdam(optimizers.get(h)!, model.head(h).variables);
  const epochSums: Record<string, number> = {};
  for (const [k, v] of p.sums) epochSums[k] = v.dataSync()[0]!;
  return {
    format: TRAIN_STATE_FORMAT,
    version: TRAIN_STATE_VERSION,
    objective: objective.name,
    epoch: p.epoch,
    batch: p.batch,
    steps: p.steps,
    model: model.getState(),
    optimizers: opts,
    best: { loss: p.best.loss, epoch: p.best.epoch, weights: p.best.weights },
    sinceBest: p.sinceBest,
    finished: p.finished,
    stoppedEarly: p.stoppedEarly,
    history: p.history.map((r) => ({ ...r, train: { ...r.train } })),
    epochSums,
    pairFallbacks: p.pairFallbacks,
    pairsDrawn: p.pairsDrawn,
    rng: p.rng,
    seconds: p.seconds,
  };
}
