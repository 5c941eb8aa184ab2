/**
 * The state of a training run between two optimizer steps, as plain data (numbers and Float32Arrays):
 * enough to continue the run exactly where it stopped. `train()` hands it to `TrainHooks.onCheckpoint`
 * and takes it back through `TrainHooks.resume`; writing it to disk is the caller's business (the
 * trainer app's checkpoint files). Nothing here does I/O.
 */
import * as tf from "@tensorflow/tfjs-core";
import { DataError, TrainingError } from "./errors.js";
import type { HeadWeights } from "./heads.js";
import type { HeadName } from "./objectives/types.js";
import type { EpochRecord, RewardModelState } from "./train.js";

export const TRAIN_STATE_FORMAT = "implicitrm-train-state";
export const TRAIN_STATE_VERSION = 1;

/** Adam's state for one head: the step count, β₁ᵗ and β₂ᵗ as accumulated, and m, v per variable (the head's variable order). */
export interface AdamState {
  iterations: number;
  accBeta1: number;
  accBeta2: number;
  m: Float32Array[];
  v: Float32Array[];
}

/** Why a state was handed to `onCheckpoint`. */
export type CheckpointReason = "steps" | "evaluation" | "interrupt";

/** What `onCheckpoint` is told besides the state. */
export interface CheckpointInfo {
  reason: CheckpointReason;
  /** Optimizer steps taken so far. */
  step: number;
  /** For 'evaluation': whether this evaluation improved the selection loss (its weights are the best so far). */
  improved?: boolean;
}

/**
 * A run between two steps. `epoch`/`batch`: the epoch in progress (1-based) and how many of its
 * minibatches are done (0: the epoch has not begun). The epoch's row order is re-derived from the
 * seed on resume; `rng` is the generator state after drawing it, compared to catch changed data.
 */
export interface TrainState {
  format: typeof TRAIN_STATE_FORMAT;
  version: typeof TRAIN_STATE_VERSION;
  objective: string;
  epoch: number;
  batch: number;
  steps: number;
  /** The current weights. */
  model: RewardModelState;
  /** One Adam state per head. */
  optimizers: Partial<Record<HeadName, AdamState>>;
  /** Early stopping: the best selection loss, its epoch and weights, and evaluations since. */
  best: { loss: number; epoch: number; weights: Partial<Record<HeadName, HeadWeights>> };
  sinceBest: number;
  /** The run ended (patience ran out, or every epoch was done): resuming it trains nothing. */
  finished: boolean;
  stoppedEarly: boolean;
  history: EpochRecord[];
  /** Sums of the loss parts over the `batch` minibatches done in the epoch in progress (float32 values). */
  epochSums: Record<string, number>;
  /** Pair sampling counters (pairwise objectives). */
  pairFallbacks: number;
  pairsDrawn: number;
  /** State of the epoch's row-order generator after the order was drawn (Rng.getState()). */
  rng: number[];
  /** Training seconds before this state. */
  seconds: number;
}

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
