import "./gradients.js";
/**
 * The training loop (METHOD §2, Algorithm 1): per minibatch, one forward pass of every head, the
 * objective's loss (ImplicitRM computes its E-step posteriors inside, with gradients stopped), and
 * one Adam step per head with coupled L2. Early stopping on held-out data keeps the best weights.
 * Deterministic for a given seed and backend.
 */
import * as tf from "@tensorflow/tfjs-core";
import { countPositives, validateFeatureSet } from "./data.js";
import { ConfigError, DataError, TrainingError } from "./errors.js";
import { type HeadWeights, MlpHead } from "./heads.js";
import { bceWithLogits } from "./math.js";
import { getObjective, resolveObjectiveOptions } from "./objectives/index.js";
import type { HeadName, Objective, ObjectiveBatch } from "./objectives/types.js";
import { Rng, deriveSeed } from "./random.js";
import type { FeatureSet } from "./types.js";

export type Sampling = "positives+k" | "full";

/** Training settings; every field has a default (METHOD §2, the authors' harness). */
export interface TrainOptions {
  /** Objective name from the registry (default 'implicitrm'). */
  objective: string;
  /** Objective options, checked against the objective's defaults. */
  objectiveOptions: Record<string, unknown>;
  /** Hidden layer widths of every head (default [256, 64]). */
  hidden: number[];
  /** Adam learning rate (default 5e-4). */
  lr: number;
  /** Minibatch size (default 512). */
  batchSize: number;
  /** Coupled L2: weightDecay·w is added to each gradient before Adam (default 1e-6). */
  weightDecay: number;
  /** Maximum number of epochs (default 200). */
  epochs: number;
  /** Evaluations without improvement before stopping (default 20). */
  patience: number;
  /** Seed of initialisation and shuffling (default 42). */
  seed: number;
  /** 'positives+k' (default): each epoch all positives plus k× as many negatives drawn with replacement; 'full': every row once. */
  sampling: Sampling;
  /** k of 'positives+k' (default 4). */
  negativesPerPositive: number;
}

export const DEFAULT_TRAIN_OPTIONS: Readonly<TrainOptions> = Object.freeze({
  objective: "implicitrm",
  objectiveOptions: {},
  hidden: [256, 64],
  lr: 5e-4,
  batchSize: 512,
  weightDecay: 1e-6,
  epochs: 200,
  patience: 20,
  seed: 42,
  sampling: "positives+k",
  negativesPerPositive: 4,
});

/** How the epoch to keep was chosen. */
export type SelectionCriterion = "observed-nll" | "clean-validation-bce";

export interface EpochRecord {
  epoch: number;
  steps: number;
  /** Mean of each loss part over the epoch's minibatches. */
  train: Record<string, number>;
  /** The model-selection loss on held-out rows (lower is better). */
  selectionLoss: number;
  improved: boolean;
  samplesPerSec: number;
}

export interface TrainData {
  train: FeatureSet;
  /** Held-out rows of the same log (observed r only is used unless the objective trains on clean labels). */
  validation: FeatureSet;
  /** Optional small clean-labelled set; when given, early stopping uses its BCE against r*. */
  cleanValidation?: FeatureSet;
}

export interface TrainHooks {
  onEpoch?: (record: EpochRecord) => void;
  /** Called after every optimizer step with the running step count. */
  onStep?: (step: number, epoch: number) => void;
  /** Stops after the current step when aborted; the best weights so far are kept. */
  signal?: AbortSignal;
}

export interface TrainResult {
  model: RewardModel;
  history: EpochRecord[];
  bestEpoch: number;
  bestSelectionLoss: number;
  selection: SelectionCriterion;
  steps: number;
  seconds: number;
  stoppedEarly: boolean;
}

let runCounter = 0;

/** Merges options over the defaults, rejecting unknown keys and out-of-range values with a ConfigError. */
export function resolveTrainOptions(given: Partial<TrainOptions> = {}): TrainOptions {
  for (const key of Object.keys(given)) {
    if (!(key in DEFAULT_TRAIN_OPTIONS)) {
      throw new ConfigError(`unknown training option "${key}"; known options: ${Object.keys(DEFAULT_TRAIN_OPTIONS).join(", ")}`);
    }
  }
  const o: TrainOptions = { ...DEFAULT_TRAIN_OPTIONS, ...given, hidden: [...(given.hidden ?? DEFAULT_TRAIN_OPTIONS.hidden)] };
  const positive = (key: keyof TrainOptions, integer: boolean) => {
    const v = o[key] as number;
    if (typeof v !== "number" || !Number.isFinite(v) || v <= 0 || (integer && !Number.isInteger(v))) {
      throw new ConfigError(`training option "${key}" must be a positive ${integer ? "integer" : "number"}, got ${JSON.stringify(v)}`);
    }
  };
  positive("lr", false);
  positive("batchSize", true);
  positive("epochs", true);
  positive("patience", true);
  positive("negativesPerPositive", false);
  if (typeof o.weightDecay !== "number" || !(o.weightDecay >= 0)) {
    throw new ConfigError(`training option "weightDecay" must be a number ≥ 0, got ${JSON.stringify(o.weightDecay)}`);
  }
  if (!Number.isInteger(o.seed)) throw new ConfigError(`training option "seed" must be an integer, got ${JSON.stringify(o.seed)}`);
  if (o.sampling !== "positives+k" && o.sampling !== "full") {
    throw new ConfigError(`training option "sampling" must be "positives+k" or "full", got ${JSON.stringify(o.sampling)}`);
  }
  if (!o.hidden.every((h) => Number.isInteger(h) && h > 0)) {
    throw new ConfigError(`training option "hidden" must be a list of positive integers, got ${JSON.stringify(o.hidden)}`);
  }
  getObjective(o.objective);
  return o;
}

/**
 * Trains the objective's heads on `data.train`, early-stopping on held-out data, and returns the
 * model restored to its best evaluation. The selection criterion is the held-out observed NLL
 * (no clean labels needed) unless a clean-labelled validation set is given, or the objective itself
 * trains on clean labels (oracle).
 */
export async function train(data: TrainData, options: Partial<TrainOptions> = {}, hooks: TrainHooks = {}): Promise<TrainResult> {
  const o = resolveTrainOptions(options);
  const objective = getObjective(o.objective);
  const objectiveOptions = resolveObjectiveOptions(objective, o.objectiveOptions);
  validateFeatureSet(data.train, "train");
  validateFeatureSet(data.validation, "validation", data.train.dim);
  if (data.cleanValidation) {
    validateFeatureSet(data.cleanValidation, "clean validation", data.train.dim);
    if (!data.cleanValidation.rStar) throw new DataError("the clean validation set has no clean labels (rStar)", { file: "clean validation", field: "rStar" });
  }
  requireLabels(objective, data.train, "train");
  const samplingLabels = objective.samplingLabel === "r" ? data.train.r : data.train.rStar!;
  if (countPositives(samplingLabels) === 0) {
    throw new DataError(
      `the training split has no positives (${objective.samplingLabel} = 1 in none of ${data.train.n} rows): nothing can be learned; check the rating direction and threshold, or log more feedback`,
      { file: "train", field: objective.samplingLabel },
    );
  }
  const selection: SelectionCriterion = data.cleanValidation || objective.needs.cleanLabels ? "clean-validation-bce" : "observed-nll";
  const selectionSet = data.cleanValidation ?? data.validation;
  if (selection === "clean-validation-bce") requireLabels({ needs: { cleanLabels: true } }, selectionSet, "validation");

  const run = ++runCounter;
  const model = new RewardModel(objective.name, objective.heads, data.train.dim, o.hidden, o.seed, run);
  const optimizers = new Map(objective.heads.map((h) => [h, tf.train.adam(o.lr)] as const));
  const history: EpochRecord[] = [];
  let best = { loss: Number.POSITIVE_INFINITY, epoch: 0, weights: model.getWeights() };
  let sinceBest = 0;
  let steps = 0;
  let stoppedEarly = false;
  const started = Date.now();

  try {
    for (let epoch = 1; epoch <= o.epochs; epoch++) {
      const rng = new Rng(deriveSeed(o.seed, `epoch:${epoch}`));
      const order = epochOrder(samplingLabels, o, rng);
      const epochStart = Date.now();
      const sums = new Map<string, tf.Scalar>();
      let batches = 0;
      for (let start = 0; start < order.length; start += o.batchSize) {
        const rows = order.subarray(start, Math.min(order.length, start + o.batchSize));
        const parts = trainStep(model, objective, objectiveOptions, optimizers, data.train, rows, o.weightDecay);
        for (const [k, v] of Object.entries(parts)) {
          const prev = sums.get(k);
          sums.set(k, prev ? tf.keep(tf.tidy(() => tf.add(prev, v))) : v);
          if (prev) {
            prev.dispose();
            v.dispose();
          }
        }
        batches++;
        steps++;
        hooks.onStep?.(steps, epoch);
        if (hooks.signal?.aborted) break;
      }
      const trainParts: Record<string, number> = {};
      for (const [k, v] of sums) {
        trainParts[k] = (await v.data())[0]! / batches;
        v.dispose();
      }
      if (!Number.isFinite(trainParts.total)) {
        throw new TrainingError(
          `the training loss became ${trainParts.total} in epoch ${epoch} (step ${steps}); lower the learning rate (now ${o.lr}) or check the features for extreme values`,
        );
      }
      const selectionLoss = selectionLossOf(model, objective, objectiveOptions, selectionSet, selection);
      const improved = selectionLoss < best.loss;
      if (improved) {
        best = { loss: selectionLoss, epoch, weights: model.getWeights() };
        sinceBest = 0;
      } else {
        sinceBest++;
      }
      const seconds = (Date.now() - epochStart) / 1000;
      const record: EpochRecord = { epoch, steps, train: trainParts, selectionLoss, improved, samplesPerSec: order.length / Math.max(seconds, 1e-3) };
      history.push(record);
      hooks.onEpoch?.(record);
      await yieldToEventLoop();
      if (hooks.signal?.aborted) break;
      if (sinceBest >= o.patience) {
        stoppedEarly = true;
        break;
      }
    }
  } catch (e) {
    model.dispose();
    throw e;
  } finally {
    for (const opt of optimizers.values()) opt.dispose();
  }
  model.setWeights(best.weights);
  return {
    model,
    history,
    bestEpoch: best.epoch,
    bestSelectionLoss: best.loss,
    selection,
    steps,
    seconds: (Date.now() - started) / 1000,
    stoppedEarly,
  };
}

function requireLabels(objective: Pick<Objective<object>, "needs">, fs: FeatureSet, name: string): void {
  if (objective.needs.cleanLabels && !fs.rStar) {
    throw new DataError(`this objective needs clean labels (rStar) on the ${name} split, which has none`, { file: name, field: "rStar" });
  }
  if (objective.needs.propensity && !fs.propensity) {
    throw new DataError(`this objective needs propensities on the ${name} split, which has none`, { file: name, field: "propensity" });
  }
}

/** Row order of one epoch: positives + k× sampled negatives, or all rows, shuffled. */
function epochOrder(labels: Uint8Array, o: TrainOptions, rng: Rng): Int32Array {
  if (o.sampling === "full") {
    const all = new Int32Array(labels.length);
    for (let i = 0; i < all.length; i++) all[i] = i;
    return rng.shuffle(all);
  }
  const pos: number[] = [];
  const neg: number[] = [];
  for (let i = 0; i < labels.length; i++) (labels[i] === 1 ? pos : neg).push(i);
  const nNeg = neg.length === 0 ? 0 : Math.round(o.negativesPerPositive * pos.length);
  const order = new Int32Array(pos.length + nNeg);
  order.set(pos);
  for (let j = 0; j < nNeg; j++) order[pos.length + j] = neg[rng.int(neg.length)]!;
  return rng.shuffle(order);
}

/** Gathers rows of a FeatureSet into tensors for one batch. */
function batchTensors(fs: FeatureSet, rows: ArrayLike<number>, needs: Objective<object>["needs"]): { x: tf.Tensor2D; batch: Omit<ObjectiveBatch, "logits"> } {
  const n = rows.length;
  const d = fs.dim;
  const x = new Float32Array(n * d);
  const r = new Float32Array(n);
  const rStar = needs.cleanLabels ? new Float32Array(n) : undefined;
  const prop = needs.propensity ? new Float32Array(n) : undefined;
  for (let i = 0; i < n; i++) {
    const row = rows[i]!;
    x.set(fs.features.subarray(row * d, row * d + d), i * d);
    r[i] = fs.r[row]!;
    if (rStar) rStar[i] = fs.rStar![row]!;
    if (prop) prop[i] = fs.propensity![row]!;
  }
  return {
    x: tf.tensor2d(x, [n, d]),
    batch: {
      r: tf.tensor1d(r),
      ...(rStar ? { rStar: tf.tensor1d(rStar) } : {}),
      ...(prop ? { propensity: tf.tensor1d(prop) } : {}),
    },
  };
}

/** One optimizer step per head; returns the batch's loss parts (kept scalars the caller disposes). */
function trainStep(
  model: RewardModel,
  objective: Objective<object>,
  options: object,
  optimizers: Map<HeadName, tf.Optimizer>,
  fs: FeatureSet,
  rows: Int32Array,
  weightDecay: number,
): Record<string, tf.Scalar> {
  return tf.tidy(() => {
    const { x, batch } = batchTensors(fs, rows, objective.needs);
    const parts: Record<string, tf.Scalar> = {};
    const { value, grads } = tf.variableGrads(() => {
      const logits = model.logitsOf(x);
      const { total, ...rest } = objective.loss({ ...batch, logits }, options);
      // variableGrads disposes everything but its value: keep the other parts for reporting.
      for (const [k, v] of Object.entries(rest)) parts[k] = tf.keep(v);
      return total;
    }, model.variables);
    parts.total = value;
    for (const head of objective.heads) {
      const headGrads: tf.NamedTensorMap = {};
      for (const v of model.head(head).variables) {
        const g = grads[v.name]!;
        headGrads[v.name] = weightDecay > 0 ? tf.add(g, tf.mul(v, weightDecay)) : g;
      }
      optimizers.get(head)!.applyGradients(headGrads);
    }
    return parts;
  });
}

const EVAL_CHUNK = 4096;

/** Mean held-out loss used to pick the epoch to keep. */
function selectionLossOf(
  model: RewardModel,
  objective: Objective<object>,
  options: object,
  fs: FeatureSet,
  selection: SelectionCriterion,
): number {
  let sum = 0;
  const needs = { cleanLabels: selection === "clean-validation-bce" };
  for (let start = 0; start < fs.n; start += EVAL_CHUNK) {
    const rows = rangeRows(start, Math.min(fs.n, start + EVAL_CHUNK));
    sum += tf.tidy(() => {
      const { x, batch } = batchTensors(fs, rows, needs);
      const logits = model.logitsOf(x);
      let perRow: tf.Tensor;
      if (selection === "clean-validation-bce") perRow = bceWithLogits(logits.reward!, batch.rStar!);
      else if (objective.observedNll) perRow = objective.observedNll({ ...batch, logits }, options);
      else perRow = tf.mul(objective.loss({ ...batch, logits }, options).total, rows.length);
      return tf.sum(perRow).dataSync()[0]!;
    });
  }
  return sum / fs.n;
}

function rangeRows(start: number, end: number): Int32Array {
  const rows = new Int32Array(end - start);
  for (let i = 0; i < rows.length; i++) rows[i] = start + i;
  return rows;
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** Serialised model: the objective, the architecture and every head's weights. */
export interface RewardModelState {
  objective: string;
  inputDim: number;
  hidden: number[];
  heads: Partial<Record<HeadName, HeadWeights>>;
}

/**
 * The trained heads. `predict` gives r̂ = σ(f(x)) ≈ P(r* = 1 | x), the reward probability; the
 * other heads (activity, imputation) are kept for diagnostics and checkpoints.
 */
export class RewardModel {
  readonly objective: string;
  readonly inputDim: number;
  readonly hidden: readonly number[];
  private readonly heads = new Map<HeadName, MlpHead>();

  constructor(objective: string, heads: readonly HeadName[], inputDim: number, hidden: readonly number[], seed: number, run = ++runCounter) {
    this.objective = objective;
    this.inputDim = inputDim;
    this.hidden = [...hidden];
    for (const h of heads) this.heads.set(h, new MlpHead(inputDim, hidden, deriveSeed(seed, `init:${h}`), `implicitrm${run}/${h}`));
  }

  /** Rebuilds a model from `getState()` output. */
  static fromState(state: RewardModelState): RewardModel {
    const names = Object.keys(state.heads) as HeadName[];
    const model = new RewardModel(state.objective, names, state.inputDim, state.hidden, 0);
    model.setWeights(state.heads);
    return model;
  }

  get headNames(): HeadName[] {
    return [...this.heads.keys()];
  }

  head(name: HeadName): MlpHead {
    const h = this.heads.get(name);
    if (!h) throw new ConfigError(`this ${this.objective} model has no ${name} head`);
    return h;
  }

  get variables(): tf.Variable[] {
    return [...this.heads.values()].flatMap((h) => h.variables);
  }

  /** Logits of every head for a batch. */
  logitsOf(x: tf.Tensor2D): Partial<Record<HeadName, tf.Tensor1D>> {
    const out: Partial<Record<HeadName, tf.Tensor1D>> = {};
    for (const [name, h] of this.heads) out[name] = h.apply(x);
    return out;
  }

  /** Logits of one head for n rows of row-major features, in chunks. */
  predictLogits(features: Float32Array, head: HeadName = "reward"): Float32Array {
    const n = features.length / this.inputDim;
    if (!Number.isInteger(n)) throw new DataError(`feature array of length ${features.length} is not a multiple of the model's dimension ${this.inputDim}`);
    const out = new Float32Array(n);
    const h = this.head(head);
    for (let start = 0; start < n; start += EVAL_CHUNK) {
      const end = Math.min(n, start + EVAL_CHUNK);
      const logits = tf.tidy(() => h.apply(tf.tensor2d(features.subarray(start * this.inputDim, end * this.inputDim), [end - start, this.inputDim])));
      out.set(logits.dataSync(), start);
      logits.dispose();
    }
    return out;
  }

  /** r̂ = σ(f(x)) for n rows of row-major features. */
  predict(features: Float32Array, head: HeadName = "reward"): Float32Array {
    const z = this.predictLogits(features, head);
    for (let i = 0; i < z.length; i++) z[i] = 1 / (1 + Math.exp(-z[i]!));
    return z;
  }

  getWeights(): Partial<Record<HeadName, HeadWeights>> {
    const out: Partial<Record<HeadName, HeadWeights>> = {};
    for (const [name, h] of this.heads) out[name] = h.getWeights();
    return out;
  }

  setWeights(weights: Partial<Record<HeadName, HeadWeights>>): void {
    for (const [name, h] of this.heads) {
      const w = weights[name];
      if (!w) throw new DataError(`weights for the ${name} head are missing`);
      h.setWeights(w);
    }
  }

  getState(): RewardModelState {
    return { objective: this.objective, inputDim: this.inputDim, hidden: [...this.hidden], heads: this.getWeights() };
  }

  dispose(): void {
    for (const h of this.heads.values()) h.dispose();
  }
}
