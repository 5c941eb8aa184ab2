/**
 * The semi-synthetic implicit-feedback simulator of METHOD.md §4: graded responses in, simulated
 * implicit feedback out (true preference r*, propensity π, action disposition a, observed r = a·r*).
 * Pure TypeScript, no I/O: runs in Node and browsers.
 */
import { ConfigError, DataError } from "@implicitrm/core/errors";
import { Rng, deriveSeed } from "@implicitrm/core/random";
import { type PresentationContext, type PresentationModel, presentationPropensity } from "./presentation.js";

/** Which end of a rating scale is good. PKU-SafeRLHF severity, for example, is `lower-better`. */
export type RatingDirection = "higher-better" | "lower-better";

/** Options of {@link simulateImplicitFeedback}. */
export interface SimulateOptions {
  /** Which end of the rating is good. Required: a wrong guess silently inverts every label. */
  direction: RatingDirection;
  /**
   * The rating's declared range in its own units (e.g. `{min: 1, max: 10}` for UltraFeedback).
   * Default: the observed minimum and maximum. Grades outside a declared range are a DataError.
   */
  scale?: { min: number; max: number };
  /**
   * Threshold on the rescaled, oriented grade ℓ' ∈ [1, 5]: r* = 1[ℓ' > threshold].
   * Default: the median of the distinct rescaled rating levels present in the data (the mean of the
   * two middle levels when their number is even); for five levels 1..5 that is 3, so r* = 1 for 4 and 5.
   */
  threshold?: number;
  /** Bias strength α ∈ (0, 1] of π0 = α^(5 − ℓ'); smaller is stronger bias, 1 is none. Default 0.5. */
  alpha?: number;
  /** Target mean propensity mean(π) ∈ (0, 1]. Default 0.5 (0.2 is the paper's other setting). */
  observationRate?: number;
  /** Seed (uint32) of the Bernoulli draws of a. Default 42. */
  seed?: number;
  /**
   * Share w ∈ [0, 1] of the presentation part in the base propensity π0, which mixes
   * p_pres ({@link presentationPropensity} of the rows' `presentation` context) with the grade part
   * q = α^(5 − ℓ') as `presentationMix` says. Default 0: the paper's protocol (the grade alone drives
   * the action); 1: pure presentation bias (the action does not depend on quality at all).
   */
  presentationShare?: number;
  /**
   * How the two parts mix: 'geometric' (default), π0 = p_pres^w · q^(1 − w), the examination
   * hypothesis of click models (a user acts when they notice the response, which presentation
   * drives, and find it worth acting on, which its grade drives) with w weighting the two in log
   * space; 'linear', π0 = w·p_pres + (1 − w)·q, a population in which a share w of actions is
   * driven by presentation alone and the rest by the grade alone.
   */
  presentationMix?: "geometric" | "linear";
  /** Observable context of every row (response length, position, user activity); required when `presentationShare` > 0. */
  presentation?: PresentationContext;
  /** Parameters of the presentation part (position decay 0.7, length half-point the median length). */
  presentationModel?: PresentationModel;
  /**
   * Probability t ∈ [0, 1] that a user who acted on a bad response (a = 1, r* = 0) leaves a
   * thumbs-down: such rows become explicit negatives (`explicitNegative` = 1, still r = 0), known NA
   * rows. Default 0: no explicit negatives, and the result is exactly what it was without the option
   * (the draws use their own random stream, seeded from `seed`). The share of rows this marks is
   * t · P(a = 1, r* = 0) (about t · 0.21 on the synthetic default).
   */
  thumbsDownRate?: number;
}

/** Realised facts about one simulation, for reports. Rates are fractions in [0, 1]. */
export interface SimulationStats {
  /** Realised mean of a (the fraction of rows whose user would act). */
  observationRate: number;
  /** Mean of r* (the fraction of truly preferred rows). */
  positiveRate: number;
  /** Mean of r (the fraction of rows with observed feedback). */
  feedbackRate: number;
  /** The target mean propensity that k was solved for. */
  targetObservationRate: number;
  /** The propensity scale k of π = min(1, k·π0). */
  k: number;
  /** The threshold on ℓ' that was used. */
  threshold: number;
  /** The bias strength α that was used. */
  alpha: number;
  /** Fraction of rows whose propensity was clipped to 1. */
  clippedFraction: number;
  /** The rating range (original units, before orientation) used for rescaling. */
  scaleMin: number;
  scaleMax: number;
  /** The presentation share w of π0 (see `presentationMix`). */
  presentationShare: number;
  /** How the presentation and grade parts were mixed. */
  presentationMix: "geometric" | "linear";
  /** The thumbs-down probability of acted-on bad rows and the realised share of explicit negatives (present when thumbsDownRate > 0). */
  thumbsDownRate?: number;
  explicitNegativeRate?: number;
  /** The presentation model used (present when presentation context was given). */
  positionDecay?: number;
  lengthHalf?: number;
}

/** Output of {@link simulateImplicitFeedback}: one entry per input row, in input order. */
export interface SimulationResult {
  /** ℓ' = 1 + 4(ℓ − min)/(max − min) after orientation, in [1, 5] (higher is better). */
  gradeRescaled: Float32Array;
  /** True preference r* = 1[ℓ' > threshold]. */
  rStar: Uint8Array;
  /** Feedback propensity π = min(1, k·π0), π0 = p_pres^w·(α^(5 − ℓ'))^(1 − w) by default (w = 0: min(1, k·α^(5 − ℓ'))). */
  propensity: Float32Array;
  /** The grade part α^(5 − ℓ') of π0, per row. */
  propensityGrade: Float32Array;
  /** The presentation part p_pres of π0, per row; present when presentation context was given. */
  propensityPresentation?: Float32Array;
  /** Action disposition a ~ Bernoulli(π). */
  a: Uint8Array;
  /** Observed implicit feedback r = a·r*. */
  r: Uint8Array;
  /** Explicit negatives (thumbs-down on an acted-on bad response: a = 1, r* = 0); present when `thumbsDownRate` > 0. */
  explicitNegative?: Uint8Array;
  stats: SimulationStats;
}

/**
 * Simulates implicit feedback from graded responses (METHOD.md §4). Steps: orient the rating so that
 * higher is better (`direction`); rescale to ℓ' = 1 + 4(ℓ − min)/(max − min) ∈ [1, 5] using `scale`
 * (default: observed min/max); r* = 1[ℓ' > threshold] (default threshold: the median of the distinct
 * rescaled levels); π0 = α^(5 − ℓ') (α default 0.5, so π0 = 1 at the top grade); π = min(1, k·π0) with
 * k chosen so that mean(π) equals `observationRate` (default 0.5) — the clipped mean is piecewise
 * linear in k, so k is solved exactly per linear piece (what bisection converges to, without its
 * tolerance); a ~ Bernoulli(π) from a seeded Rng (seed default 42); r = a·r*. Throws DataError
 * naming the row for a non-finite grade or one outside the declared scale, and ConfigError for
 * min == max, α outside (0, 1], a non-finite threshold, or a target observation rate outside (0, 1]
 * (unreachable: the clipped mean only spans (0, 1]).
 *
 * Beyond the paper: with `presentationShare` w > 0, π0 mixes in a presentation part p_pres computed
 * from the rows' observable context (see `presentationPropensity`: user activity × 0.7^position ×
 * L/(L + median L)): π0 = p_pres^w · (α^(5 − ℓ'))^(1 − w) ('geometric', the default) or
 * w·p_pres + (1 − w)·α^(5 − ℓ') ('linear'); both parts are returned so that the true propensity can
 * be rebuilt (π = min(1, k·π0)). A row whose π0 is 0 (an empty response at w = 1) gets π0 = 1e-9 so
 * that k stays finite. ConfigError when w is outside [0, 1] or w > 0 without context.
 */
export function simulateImplicitFeedback(grades: ArrayLike<number>, opts: SimulateOptions): SimulationResult {
  const n = grades.length;
  if (opts === undefined || (opts.direction !== "higher-better" && opts.direction !== "lower-better")) {
    throw new ConfigError(
      `simulateImplicitFeedback: option "direction" must be "higher-better" or "lower-better" (got ${String(opts?.direction)}); say which end of the rating is good`,
    );
  }
  const alpha = opts.alpha ?? 0.5;
  if (!(Number.isFinite(alpha) && alpha > 0 && alpha <= 1)) {
    throw new ConfigError(`simulateImplicitFeedback: alpha must be in (0, 1] (got ${alpha}); 0.5 is the default`);
  }
  const target = opts.observationRate ?? 0.5;
  if (!(Number.isFinite(target) && target > 0 && target <= 1)) {
    throw new ConfigError(
      `simulateImplicitFeedback: observationRate ${target} is unreachable; mean(min(1, k·π0)) can only take values in (0, 1]`,
    );
  }
  if (n === 0) throw new DataError("simulateImplicitFeedback: no grades given (0 rows)");
  const share = opts.presentationShare ?? 0;
  if (!(Number.isFinite(share) && share >= 0 && share <= 1)) {
    throw new ConfigError(`simulateImplicitFeedback: presentationShare must be in [0, 1] (got ${share}); 0 is the paper's protocol`);
  }
  if (share > 0 && !opts.presentation) {
    throw new ConfigError(
      `simulateImplicitFeedback: presentationShare ${share} needs the rows' presentation context (length, position, userActivity); see simulatePresentation`,
    );
  }
  const thumbsDown = opts.thumbsDownRate ?? 0;
  if (!(Number.isFinite(thumbsDown) && thumbsDown >= 0 && thumbsDown <= 1)) {
    throw new ConfigError(`simulateImplicitFeedback: thumbsDownRate must be in [0, 1] (got ${thumbsDown}); 0, the default, emits no explicit negatives`);
  }
  const mix = opts.presentationMix ?? "geometric";
  if (mix !== "geometric" && mix !== "linear") throw new ConfigError(`simulateImplicitFeedback: presentationMix must be "geometric" or "linear" (got ${String(mix)})`);
  const pres = opts.presentation ? presentationPropensity(opts.presentation, opts.presentationModel) : undefined;
  if (pres && pres.values.length !== n) {
    throw new ConfigError(`simulateImplicitFeedback: the presentation context has ${pres.values.length} rows for ${n} grades`);
  }

  let obsMin = Number.POSITIVE_INFINITY;
  let obsMax = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const g = grades[i]!;
    if (typeof g !== "number" || !Number.isFinite(g)) {
      throw new DataError(`grade is not a finite number (got ${String(g)}); remove or repair the row`, { row: i });
    }
    if (g < obsMin) obsMin = g;
    if (g > obsMax) obsMax = g;
  }
  let min = obsMin;
  let max = obsMax;
  if (opts.scale !== undefined) {
    ({ min, max } = opts.scale);
    if (!(Number.isFinite(min) && Number.isFinite(max)) || min > max) {
      throw new ConfigError(`simulateImplicitFeedback: scale must have finite min <= max (got ${min}..${max})`);
    }
  }
  if (min === max) {
    throw new ConfigError(
      `simulateImplicitFeedback: rating scale has min == max (${min}); every row has the same grade, so no preference can be derived. Pass scale: {min, max} or use data with more than one grade`,
    );
  }
  // max - min overflows to Infinity for a range such as ±1e308; then rescale with both ends halved,
  // (g/2 - min/2) / (max/2 - min/2), which stays finite (valid ranges keep the exact formula below)
  const half = !Number.isFinite(max - min);
  const span = half ? max / 2 - min / 2 : max - min;
  const gradeRescaled = new Float32Array(n);
  const rescaled = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const g = grades[i]!;
    if (g < min || g > max) {
      throw new DataError(`grade ${g} is outside the declared scale ${min}..${max}; fix the scale option or the row`, {
        row: i,
      });
    }
    const oriented = half ? (opts.direction === "higher-better" ? g / 2 - min / 2 : max / 2 - g / 2) : opts.direction === "higher-better" ? g - min : max - g;
    const v = half ? 1 + 4 * (oriented / span) : 1 + (4 * oriented) / span;
    rescaled[i] = v;
    gradeRescaled[i] = v;
  }

  const threshold = opts.threshold ?? medianOfDistinct(rescaled);
  if (!Number.isFinite(threshold)) {
    throw new ConfigError(`simulateImplicitFeedback: threshold must be a finite number on the 1..5 scale (got ${threshold})`);
  }

  const rStar = new Uint8Array(n);
  const pi0 = new Float64Array(n);
  const propensityGrade = new Float32Array(n);
  let positives = 0;
  for (let i = 0; i < n; i++) {
    const v = rescaled[i]!;
    const pos = v > threshold ? 1 : 0;
    rStar[i] = pos;
    positives += pos;
    const gradePart = alpha ** (5 - v);
    propensityGrade[i] = gradePart;
    if (share === 0) pi0[i] = gradePart;
    else {
      const p = pres!.values[i]!;
      const mixed = mix === "geometric" ? p ** share * gradePart ** (1 - share) : share * p + (1 - share) * gradePart;
      pi0[i] = Math.max(mixed, 1e-9);
    }
  }

  const k = solvePropensityScale(pi0, target);
  const propensity = new Float32Array(n);
  const a = new Uint8Array(n);
  const r = new Uint8Array(n);
  const rng = new Rng(deriveSeed(opts.seed ?? 42, "simulate-a"));
  let acted = 0;
  let feedback = 0;
  let clipped = 0;
  for (let i = 0; i < n; i++) {
    const raw = k * pi0[i]!;
    const p = Math.min(raw, 1);
    if (raw >= 1) clipped++;
    propensity[i] = p;
    const ai = rng.bernoulli(p);
    a[i] = ai;
    acted += ai;
    const ri = ai & rStar[i]!;
    r[i] = ri;
    feedback += ri;
  }

  let explicitNegative: Uint8Array | undefined;
  let negatives = 0;
  if (thumbsDown > 0) {
    explicitNegative = new Uint8Array(n);
    const rngT = new Rng(deriveSeed(opts.seed ?? 42, "simulate-thumbs-down"));
    for (let i = 0; i < n; i++) {
      if (a[i] === 1 && rStar[i] === 0 && rngT.bernoulli(thumbsDown) === 1) {
        explicitNegative[i] = 1;
        negatives++;
      }
    }
  }

  return {
    gradeRescaled,
    rStar,
    propensity,
    propensityGrade,
    ...(pres ? { propensityPresentation: Float32Array.from(pres.values) } : {}),
    a,
    r,
    ...(explicitNegative ? { explicitNegative } : {}),
    stats: {
      observationRate: acted / n,
      positiveRate: positives / n,
      feedbackRate: feedback / n,
      targetObservationRate: target,
      k,
      threshold,
      alpha,
      clippedFraction: clipped / n,
      scaleMin: min,
      scaleMax: max,
      presentationShare: share,
      presentationMix: mix,
      ...(explicitNegative ? { thumbsDownRate: thumbsDown, explicitNegativeRate: negatives / n } : {}),
      ...(pres ? { positionDecay: pres.positionDecay, lengthHalf: pres.lengthHalf } : {}),
    },
  };
}

/**
 * Solves mean(min(1, k·π0)) = target for the propensity scale k ≥ 0. `pi0` must be positive;
 * `target` in (0, 1]. The clipped mean is continuous, nondecreasing and piecewise linear in k, so the
 * solution is found exactly: sort the distinct π0 levels from the largest down, assume the top j
 * levels are clipped, solve the linear piece, and keep the first j whose solution is consistent.
 * Returns the smallest k reaching the target (k = 1/min π0 when the target is 1). Throws ConfigError
 * for an unreachable target (outside (0, 1]) or an empty or non-positive `pi0`.
 */
export function solvePropensityScale(pi0: ArrayLike<number>, target: number): number {
  const n = pi0.length;
  if (!(Number.isFinite(target) && target > 0 && target <= 1)) {
    throw new ConfigError(`observation rate ${target} is unreachable; it must be in (0, 1]`);
  }
  if (n === 0) throw new ConfigError("cannot solve the propensity scale for 0 rows");
  const counts = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const p = pi0[i]!;
    if (!(Number.isFinite(p) && p > 0)) throw new ConfigError(`base propensity at row ${i} must be positive (got ${p})`);
    counts.set(p, (counts.get(p) ?? 0) + 1);
  }
  const levels = [...counts.keys()].sort((x, y) => y - x);
  const L = levels.length;
  // suffix[j] = Σ over levels [j, L) of count·π0, summed from the smallest level up.
  const suffix = new Float64Array(L + 1);
  for (let j = L - 1; j >= 0; j--) suffix[j] = suffix[j + 1]! + counts.get(levels[j]!)! * levels[j]!;
  const need = target * n;
  let clippedCount = 0;
  for (let j = 0; j < L; j++) {
    // Levels [0, j) are clipped (k·π0 >= 1); levels [j, L) are not.
    const top = levels[j]!;
    const k = (need - clippedCount) / suffix[j]!;
    const prev = j > 0 ? levels[j - 1]! : Number.POSITIVE_INFINITY;
    if (k * top <= 1 + 1e-12 && k * prev >= 1 - 1e-12) return k;
    clippedCount += counts.get(top)!;
  }
  // Every level clipped: only target = 1 lands here (k = 1/min π0).
  return 1 / levels[L - 1]!;
}

/** Median of the distinct values of `xs` (mean of the two middle ones for an even count). */
function medianOfDistinct(xs: ArrayLike<number>): number {
  const distinct = [...new Set(Array.from(xs))].sort((x, y) => x - y);
  const m = distinct.length;
  if (m % 2 === 1) return distinct[(m - 1) / 2]!;
  return (distinct[m / 2 - 1]! + distinct[m / 2]!) / 2;
}
