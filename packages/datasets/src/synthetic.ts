/**
 * The built-in synthetic default dataset: Gaussian features, a hidden nonlinear teacher that grades
 * them 1..5, and implicit feedback simulated from the grades (METHOD.md §4). Needs no files, so
 * examples and tests run anywhere. Pure TypeScript, no I/O.
 */
import { ConfigError } from "@implicitrm/core/errors";
import { Rng, deriveSeed } from "@implicitrm/core/random";
import type { FeatureSet, SplitFeatureSets } from "@implicitrm/core/types";
import { presentationActivityBlock, simulatePresentation } from "./presentation.js";
import { simulateImplicitFeedback } from "./simulate.js";
import { splitIndices, takeRows } from "./split.js";

/** Options of {@link syntheticDataset}; every field has a default. */
export interface SyntheticOptions {
  /** Number of rows. Default 8000. */
  n?: number;
  /** Feature dimension D. Default 32. */
  dim?: number;
  /** Seed (uint32) of features, teacher weights, noise, simulation and split. Default 42. */
  seed?: number;
  /** Hidden width of the teacher network D→hidden→1 (tanh). Default 16. */
  teacherHidden?: number;
  /**
   * Std of the teacher's hidden pre-activations (W1 ~ N(0, gain²/D)). Default 2, where tanh saturates
   * enough that a linear model of x explains only about three quarters of the grade's variance.
   */
  teacherGain?: number;
  /**
   * Std of the Gaussian noise added to the teacher's score, as a multiple of the score's std.
   * Default 0.3, so the teacher explains 1/(1 + 0.3²) ≈ 92 % of the noisy score's variance.
   */
  noise?: number;
  /** Number of equal-frequency grade levels 1..levels. Default 5. */
  levels?: number;
  /** Rows per prompt group (consecutive rows share a group id). Default 4. */
  groupSize?: number;
  /** Bias strength α of the simulator. Default 0.5. */
  alpha?: number;
  /** Target mean propensity of the simulator. Default 0.5. */
  observationRate?: number;
  /** Threshold on the rescaled grade ℓ' ∈ [1, 5]. Default: median of the levels (3 for 5 levels: r* = grade ≥ 4). */
  threshold?: number;
  /** Test fraction (whole groups). Default 0.2. */
  testFraction?: number;
  /** Validation fraction of the non-test rows (whole groups). Default 0.2. */
  validationFraction?: number;
  /**
   * Share w ∈ [0, 1] of the presentation part in the simulator's propensity (see
   * `simulateImplicitFeedback`). Default 0: the paper's protocol, the grade alone drives the action.
   */
  presentationShare?: number;
  /** How the simulator mixes the presentation and grade parts: 'geometric' (default) or 'linear'. */
  presentationMix?: "geometric" | "linear";
  /** Thumbs-down probability of acted-on bad rows (see `simulateImplicitFeedback`). Default 0: no explicit negatives. */
  thumbsDownRate?: number;
}

/**
 * Builds the synthetic default dataset. Features x ~ N(0, 1)^D (defaults n = 8000, D = 32, seed 42);
 * a fixed random teacher s(x) = w2·tanh(W1 x + b1) + b2 with hidden width 16, weights drawn from the
 * seed (W1 ~ N(0, gain²/D) with gain 2, b1 ~ N(0, 0.25), w2 ~ N(0, 1/16)); Gaussian noise of std `noise` (default
 * 0.3) times std(s) added; quantised by rank into `levels` (default 5) equal-frequency grades 1..5;
 * grades fed to {@link simulateImplicitFeedback} (higher-better, scale 1..levels, α 0.5, target
 * observation rate 0.5, default threshold 3 so r* = grade ≥ 4). Consecutive rows form prompt groups
 * of 4. Split seeded 64/16/20 (train/validation/test) keeping groups whole. Every split carries
 * features, r, rStar, propensity, grade (rescaled ℓ'), group and ids (`syn-<row>`); `info` reports the
 * realised observation, positive and feedback rates, α, threshold, k, the teacher noise and its
 * realised R², and rows per split. Deterministic for a seed.
 *
 * Every row also has presentation context, drawn independently of x and of the grade: a response
 * length L = round(exp(6 + 0.6·z)) characters (z ~ N(0, 1); median ≈ 403), a display position (a
 * seeded order within its group of 4) and a per-user activity factor (one user per group, ~5 groups
 * per user, factor ~ U(0.1, 1)); see `simulatePresentation`. The splits carry it as the activity
 * block (`activity`: standardised log length, position, user activity), and with `presentationShare`
 * w > 0 the simulator's propensity mixes w of its presentation part in. With w = 0 (the default) the
 * features, grades and feedback are those of the paper's protocol, unchanged by the context.
 */
export function syntheticDataset(opts: SyntheticOptions = {}): SplitFeatureSets {
  const n = opts.n ?? 8000;
  const dim = opts.dim ?? 32;
  const seed = opts.seed ?? 42;
  const hidden = opts.teacherHidden ?? 16;
  const gain = opts.teacherGain ?? 2;
  const noise = opts.noise ?? 0.3;
  const levels = opts.levels ?? 5;
  const groupSize = opts.groupSize ?? 4;
  for (const [name, v, lo] of [
    ["n", n, 1],
    ["dim", dim, 1],
    ["teacherHidden", hidden, 1],
    ["levels", levels, 2],
    ["groupSize", groupSize, 1],
  ] as const) {
    if (!(Number.isInteger(v) && v >= lo)) throw new ConfigError(`syntheticDataset: ${name} must be an integer >= ${lo} (got ${v})`);
  }
  if (n < levels) throw new ConfigError(`syntheticDataset: n (${n}) must be at least levels (${levels})`);
  if (!(Number.isFinite(noise) && noise >= 0)) throw new ConfigError(`syntheticDataset: noise must be >= 0 (got ${noise})`);
  if (!(Number.isFinite(gain) && gain > 0)) throw new ConfigError(`syntheticDataset: teacherGain must be > 0 (got ${gain})`);

  // Features.
  const features = new Float32Array(n * dim);
  const rngX = new Rng(deriveSeed(seed, "synthetic-features"));
  for (let i = 0; i < features.length; i++) features[i] = rngX.normal();

  // Teacher weights.
  const rngT = new Rng(deriveSeed(seed, "synthetic-teacher"));
  const w1 = new Float64Array(hidden * dim);
  const s1 = gain / Math.sqrt(dim);
  for (let i = 0; i < w1.length; i++) w1[i] = rngT.normal() * s1;
  const b1 = new Float64Array(hidden);
  for (let h = 0; h < hidden; h++) b1[h] = rngT.normal() * 0.5;
  const w2 = new Float64Array(hidden);
  const s2 = 1 / Math.sqrt(hidden);
  for (let h = 0; h < hidden; h++) w2[h] = rngT.normal() * s2;
  const b2 = rngT.normal() * 0.1;

  // Teacher score.
  const score = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b2;
    const row = i * dim;
    for (let h = 0; h < hidden; h++) {
      let z = b1[h]!;
      const wr = h * dim;
      for (let d = 0; d < dim; d++) z += w1[wr + d]! * features[row + d]!;
      s += w2[h]! * Math.tanh(z);
    }
    score[i] = s;
  }
  const scoreStd = std(score);
  const noiseAbs = noise * scoreStd;
  const rngN = new Rng(deriveSeed(seed, "synthetic-noise"));
  const noisy = new Float64Array(n);
  for (let i = 0; i < n; i++) noisy[i] = score[i]! + noiseAbs * rngN.normal();
  const noisyStd = std(noisy);
  const teacherR2 = noisyStd > 0 ? Math.min(1, (scoreStd * scoreStd) / (noisyStd * noisyStd)) : 1;

  // Equal-frequency grades 1..levels by rank (ties broken by row index, so deterministic).
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => noisy[x]! - noisy[y]! || x - y);
  const grades = new Float64Array(n);
  for (let rank = 0; rank < n; rank++) grades[order[rank]!] = 1 + Math.floor((rank * levels) / n);

  const group = new Int32Array(n);
  for (let i = 0; i < n; i++) group[i] = Math.floor(i / groupSize);
  const rngL = new Rng(deriveSeed(seed, "synthetic-length"));
  const length = new Float64Array(n);
  for (let i = 0; i < n; i++) length[i] = Math.round(Math.exp(6 + 0.6 * rngL.normal()));
  const shown = simulatePresentation(n, { group, seed: deriveSeed(seed, "synthetic-presentation") });
  const presentation = { length, position: shown.position, userActivity: shown.userActivity };

  const sim = simulateImplicitFeedback(grades, {
    direction: "higher-better",
    scale: { min: 1, max: levels },
    alpha: opts.alpha,
    observationRate: opts.observationRate,
    threshold: opts.threshold,
    seed: deriveSeed(seed, "synthetic-simulate"),
    presentation,
    ...(opts.presentationShare !== undefined ? { presentationShare: opts.presentationShare } : {}),
    ...(opts.presentationMix !== undefined ? { presentationMix: opts.presentationMix } : {}),
    ...(opts.thumbsDownRate ? { thumbsDownRate: opts.thumbsDownRate } : {}),
  });

  const ids = Array.from({ length: n }, (_, i) => `syn-${i}`);
  const all: FeatureSet = {
    n,
    dim,
    features,
    r: sim.r,
    rStar: sim.rStar,
    propensity: sim.propensity,
    grade: sim.gradeRescaled,
    group,
    ids,
    activity: presentationActivityBlock(presentation),
    ...(sim.explicitNegative ? { explicitNegative: sim.explicitNegative } : {}),
  };
  const idx = splitIndices(n, {
    testFraction: opts.testFraction,
    validationFraction: opts.validationFraction,
    seed: deriveSeed(seed, "synthetic-split"),
    group,
  });
  const { stats } = sim;
  return {
    name: "synthetic",
    train: takeRows(all, idx.train),
    validation: takeRows(all, idx.validation),
    test: takeRows(all, idx.test),
    info: {
      source: "synthetic",
      seed,
      n,
      dim,
      nTrain: idx.train.length,
      nValidation: idx.validation.length,
      nTest: idx.test.length,
      levels,
      groupSize,
      observationRate: stats.observationRate,
      positiveRate: stats.positiveRate,
      feedbackRate: stats.feedbackRate,
      targetObservationRate: stats.targetObservationRate,
      alpha: stats.alpha,
      threshold: stats.threshold,
      k: stats.k,
      clippedFraction: stats.clippedFraction,
      presentationShare: stats.presentationShare,
      presentationMix: stats.presentationMix,
      positionDecay: stats.positionDecay!,
      lengthHalf: stats.lengthHalf!,
      ...(stats.thumbsDownRate !== undefined ? { thumbsDownRate: stats.thumbsDownRate, explicitNegativeRate: stats.explicitNegativeRate! } : {}),
      users: shown.users,
      teacherHidden: hidden,
      teacherGain: gain,
      teacherNoise: noise,
      teacherNoiseStd: noiseAbs,
      teacherR2,
    },
  };
}

function std(xs: Float64Array): number {
  let mean = 0;
  for (let i = 0; i < xs.length; i++) mean += xs[i]!;
  mean /= xs.length;
  let v = 0;
  for (let i = 0; i < xs.length; i++) v += (xs[i]! - mean) ** 2;
  return Math.sqrt(v / xs.length);
}
