/**
 * Estimators of the nuisance quantities some baselines need (METHOD §3), from the observed data
 * only: the features x and the implicit feedback r. Their input type has no r* and no true
 * propensity, so they cannot read them.
 *
 * - `fitObservedClassifier`: a logistic model of P(r = 1 | x) (linear by default).
 * - `estimatePropensity` ('estimated' propensity): the popularity-style estimate of Rel-MF.
 * - `estimateClassPrior` ('estimated' class prior): Elkan & Noto's c-estimate.
 */
import * as tf from "@tensorflow/tfjs-core";
import { DataError } from "./errors.js";
import { MlpHead } from "./heads.js";
import { bceWithLogits } from "./math.js";
import { Rng, deriveSeed } from "./random.js";
import type { FeatureSet } from "./types.js";

/** The observed part of a FeatureSet: what an estimator may read. */
export type ObservedData = Pick<FeatureSet, "n" | "dim" | "features" | "r">;

/** Settings of the classifier of r; every field has a default. */
export interface ObservedClassifierOptions {
  /** Hidden widths (default []: logistic regression, which is well calibrated at its optimum). */
  hidden: number[];
  /** Passes over the rows (default 30). */
  epochs: number;
  /** Rows per Adam step (default 512). */
  batchSize: number;
  /** Adam learning rate (default 0.05, enough for a linear head to converge in 30 epochs). */
  lr: number;
  /** Coupled L2 added to each gradient (default 1e-4). */
  weightDecay: number;
  /** Seed of initialisation and shuffling (default 42). */
  seed: number;
}

export const DEFAULT_OBSERVED_CLASSIFIER_OPTIONS: Readonly<ObservedClassifierOptions> = Object.freeze({
  hidden: [],
  epochs: 30,
  batchSize: 512,
  lr: 0.05,
  weightDecay: 1e-4,
  seed: 42,
});

/** A fitted model of ĉ(x) = P(r = 1 | x). Owns tfjs variables: call `dispose()`. */
export interface ObservedClassifier {
  /** ĉ(x) ∈ (0, 1) for n rows of row-major features. */
  predict(features: Float32Array): Float32Array;
  dispose(): void;
}

let estimatorCounter = 0;
const CHUNK = 4096;

/**
 * Fits ĉ(x) ≈ P(r = 1 | x) by minimising the BCE of σ(h(x)) against r over every row (natural
 * class balance, no resampling, so ĉ is calibrated on the log), with minibatch Adam and coupled L2.
 * Defaults: a linear head (logistic regression), 30 epochs, batch 512, lr 0.05, L2 1e-4, seed 42.
 * Deterministic for a seed and backend.
 */
export function fitObservedClassifier(data: ObservedData, options: Partial<ObservedClassifierOptions> = {}): ObservedClassifier {
  const o = { ...DEFAULT_OBSERVED_CLASSIFIER_OPTIONS, ...options };
  const { n, dim, features, r } = data;
  const head = new MlpHead(dim, o.hidden, deriveSeed(o.seed, "observed-classifier:init"), `estimator${++estimatorCounter}`);
  const optimizer: tf.Optimizer = tf.train.adam(o.lr);
  try {
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    for (let epoch = 1; epoch <= o.epochs; epoch++) {
      new Rng(deriveSeed(o.seed, `observed-classifier:epoch:${epoch}`)).shuffle(order);
      for (let start = 0; start < n; start += o.batchSize) {
        const rows = order.subarray(start, Math.min(n, start + o.batchSize));
        const xb = new Float32Array(rows.length * dim);
        const yb = new Float32Array(rows.length);
        for (let k = 0; k < rows.length; k++) {
          const row = rows[k]!;
          xb.set(features.subarray(row * dim, row * dim + dim), k * dim);
          yb[k] = r[row]!;
        }
        tf.tidy(() => {
          const x = tf.tensor2d(xb, [rows.length, dim]);
          const y = tf.tensor1d(yb);
          const { grads } = tf.variableGrads(() => tf.mean(bceWithLogits(head.apply(x), y)) as tf.Scalar, head.variables);
          const withDecay: tf.NamedTensorMap = {};
          for (const v of head.variables) withDecay[v.name] = o.weightDecay > 0 ? tf.add(grads[v.name]!, tf.mul(v, o.weightDecay)) : grads[v.name]!;
          optimizer.applyGradients(withDecay);
        });
      }
    }
  } catch (e) {
    head.dispose();
    throw e;
  } finally {
    optimizer.dispose();
  }
  return {
    predict(x: Float32Array): Float32Array {
      const rows = x.length / dim;
      if (!Number.isInteger(rows)) throw new DataError(`feature array of length ${x.length} is not a multiple of the dimension ${dim}`);
      const out = new Float32Array(rows);
      for (let start = 0; start < rows; start += CHUNK) {
        const end = Math.min(rows, start + CHUNK);
        const p = tf.tidy(() => tf.sigmoid(head.apply(tf.tensor2d(x.subarray(start * dim, end * dim), [end - start, dim]))));
        out.set(p.dataSync(), start);
        p.dispose();
      }
      return out;
    },
    dispose: () => head.dispose(),
  };
}

/** Settings of {@link estimatePropensity}. */
export interface PropensityEstimatorOptions {
  /** Exponent η of the popularity-style estimate (default 0.5, Rel-MF's choice). */
  power: number;
  /** Settings of the classifier of r (defaults as in {@link fitObservedClassifier}). */
  classifier: Partial<ObservedClassifierOptions>;
}

/** A fitted propensity estimate. Owns tfjs variables: call `dispose()`. */
export interface PropensityEstimate {
  /** π̂(x) ∈ (0, 1] for n rows of row-major features (not yet clipped at clipMin). */
  predict(features: Float32Array): Float32Array;
  /** The normaliser: the largest ĉ(x) over the fitting rows. */
  scale: number;
  power: number;
  dispose(): void;
}

/**
 * The 'estimated' propensity: the popularity-style estimate of Rel-MF (Saito et al., WSDM 2020,
 * where an item's propensity is (its clicks / the most-clicked item's clicks)^0.5), with the
 * per-item click count replaced by a model of the feedback rate, since each logged response is seen
 * once: π̂(x) = min(1, (ĉ(x) / max_train ĉ)^η), ĉ = {@link fitObservedClassifier} on the training
 * rows, η = `power` (default 0.5). It reads only x and r. Like item popularity, ĉ(x) =
 * P(r* = 1 | x)·π(x) mixes preference with propensity, so π̂ is a heuristic: it ranks rows by how
 * often they draw feedback and treats the row most likely to draw feedback as always seen (π̂ = 1),
 * as the simulator's top grade is. The caller clips it below at clipMin.
 */
export function estimatePropensity(train: ObservedData, options: Partial<PropensityEstimatorOptions> = {}): PropensityEstimate {
  const power = options.power ?? 0.5;
  if (!(power > 0 && Number.isFinite(power))) throw new RangeError(`estimatePropensity: power must be a positive number, got ${power}`);
  const classifier = fitObservedClassifier(observedOnly(train), options.classifier);
  const fitted = classifier.predict(train.features);
  let scale = 0;
  for (let i = 0; i < fitted.length; i++) scale = Math.max(scale, fitted[i]!);
  if (!(scale > 0)) scale = 1;
  return {
    predict(features: Float32Array): Float32Array {
      const p = classifier.predict(features);
      for (let i = 0; i < p.length; i++) p[i] = Math.min(1, Math.max((p[i]! / scale) ** power, Number.MIN_VALUE));
      return p;
    },
    scale,
    power,
    dispose: () => classifier.dispose(),
  };
}

/** Result of {@link estimateClassPrior}. */
export interface ClassPriorEstimate {
  /** π̂_p = mean(r) / ĉ, clamped to [mean(r), 0.999]. */
  classPrior: number;
  /** ĉ = mean of the classifier's P(r = 1 | x) over the held-out rows with r = 1: the label frequency P(r = 1 | r* = 1). */
  c: number;
  /** mean(r) over the fitting rows. */
  labelFrequency: number;
  /** Held-out rows with r = 1 that ĉ was averaged over. */
  heldOutPositives: number;
}

/**
 * The 'estimated' class prior π_p = P(r* = 1): Elkan & Noto's estimator e1 ("Learning classifiers
 * from only positive and unlabeled data", KDD 2008). Fit ĉ(x) ≈ P(r = 1 | x) on `train`
 * ({@link fitObservedClassifier}); average it over the held-out labelled positives (rows of
 * `heldOut` with r = 1) to get c = P(r = 1 | r* = 1); then π_p = mean_train(r) / c. It reads only x
 * and r. Exact when the feedback is "selected completely at random" (a constant propensity c), ĉ is
 * calibrated, and the classes do not overlap (P(r* = 1 | x) = 1 wherever positives occur). Where the
 * classes overlap, ĉ < c on some positives, so c comes out low and π_p high; under a propensity
 * that rises with quality (the simulator), the labelled positives are the more visible ones, which
 * pushes c up and π_p down. Throws a DataError when `heldOut` has no r = 1 row.
 */
export function estimateClassPrior(
  train: ObservedData,
  heldOut: ObservedData,
  options: Partial<ObservedClassifierOptions> = {},
): ClassPriorEstimate {
  let positives = 0;
  for (let i = 0; i < train.n; i++) positives += train.r[i] === 1 ? 1 : 0;
  const labelFrequency = positives / train.n;
  const heldOutRows: number[] = [];
  for (let i = 0; i < heldOut.n; i++) if (heldOut.r[i] === 1) heldOutRows.push(i);
  if (heldOutRows.length === 0) {
    throw new DataError("the held-out split has no rows with feedback (r = 1), so the class prior cannot be estimated; pass classPrior as a number", {
      file: "validation",
      field: "r",
    });
  }
  const classifier = fitObservedClassifier(observedOnly(train), options);
  try {
    const x = new Float32Array(heldOutRows.length * heldOut.dim);
    for (const [k, row] of heldOutRows.entries()) x.set(heldOut.features.subarray(row * heldOut.dim, (row + 1) * heldOut.dim), k * heldOut.dim);
    const p = classifier.predict(x);
    let c = 0;
    for (let i = 0; i < p.length; i++) c += p[i]!;
    c /= p.length;
    const classPrior = Math.min(0.999, Math.max(labelFrequency, labelFrequency / c));
    return { classPrior, c, labelFrequency, heldOutPositives: heldOutRows.length };
  } finally {
    classifier.dispose();
  }
}

/** A copy of the observed fields only, so nothing downstream can reach r* or the true propensity. */
function observedOnly(fs: ObservedData): ObservedData {
  return { n: fs.n, dim: fs.dim, features: fs.features, r: fs.r };
}
