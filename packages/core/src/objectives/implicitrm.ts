import * as tf from "@tensorflow/tfjs-core";
import { bceWithLogits, observedNll, stopGradient, weightedMean } from "../math.js";
import { type Smoothing, strataPosteriors } from "../posteriors.js";
import { numberIn, oneOf } from "./options.js";
import { DataError } from "../errors.js";
import type { RowSource } from "../types.js";
import { headLogits } from "./common.js";
import type { HeadInput, HeadName, HeadSpec, LossParts, Objective, ObjectiveBatch, OptionCheck } from "./types.js";

export interface ImplicitRMLossInput {
  /** f_θ(x), the reward head's logits. */
  rewardLogits: tf.Tensor1D;
  /** g_ψ(x), the activity (stratification) head's logits. */
  activityLogits: tf.Tensor1D;
  /** Observed feedback r ∈ {0, 1} as floats. */
  r: tf.Tensor1D;
  /** Weight of the observed-likelihood term L_obs (default 1; 0 turns it off). */
  lambdaObs?: number;
  /** Denominator guard of the E-step (default 1e-6). */
  eps?: number;
  /** E-step smoothing (default 'clampDenominator'). */
  smoothing?: Smoothing;
  /**
   * 1 for explicit negatives (known NA rows, r = 0), default none: their posterior is fixed at
   * φ_NA = 1, so the reward head's soft target is q = 0 and the activity head's p = 1. L_obs keeps
   * reading them as r = 0.
   */
  explicitNegative?: tf.Tensor1D;
  /** Prior on the mean action rate among good responses (default none); adds the loss part `prior`. */
  activityPrior?: ActivityPrior | null;
  /** Per-row weights of the prior's batch action rate (default: `weight`). */
  priorWeight?: tf.Tensor1D;
  /**
   * Per-row weights of every batch mean (default 1 for every row): `ObjectiveBatch.weight`, the
   * importance weights that undo the 'positives+k' resampling, with `sampleWeights: 'importance'`.
   */
  weight?: tf.Tensor1D;
}

/**
 * A prior on the activity head: `mean` is the action rate among good responses, E[a | r* = 1] (a
 * known or audited rate: of the responses a user would call good, the share they act on), in (0, 1);
 * `weight` ≥ 0 scales its penalty (in nats per row, like the other loss parts). As an option, `mean`
 * may also be 'oracle': the mean true propensity of the training rows with r* = 1 (simulated data
 * only; what a perfect audit would find), resolved once before training; and the option may be
 * written as the string "<mean>@<weight>" ("0.8@10", "oracle@10"), for command lines.
 */
export interface ActivityPrior {
  mean: number;
  weight: number;
}

/**
 * The prior's penalty: weight · KL(μ ‖ m), the Bernoulli KL divergence of the batch's action rate
 * among predicted-good rows, m = Σᵢ wᵢ·r̂ᵢ·âᵢ / Σᵢ wᵢ·r̂ᵢ (r̂ = σ(f) with its gradient stopped, so
 * only the activity head is pulled), from the prior mean μ; zero when m = μ. Since the likelihood
 * pins the product r̂·â, fixing the action rate among good rows fixes the reward head's scale:
 * mean(r̂) ≈ mean(r) / μ.
 */
export function activityPriorPenalty(f: tf.Tensor1D, g: tf.Tensor1D, prior: ActivityPrior, weight?: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const good = stopGradient(tf.sigmoid(f));
    const w = weight ? tf.mul(good, weight) : good;
    const m = tf.clipByValue(tf.div(tf.sum(tf.mul(w, tf.sigmoid(g))), tf.maximum(tf.sum(w), 1e-12)), 1e-6, 1 - 1e-6);
    const mu = prior.mean;
    const kl = tf.add(tf.mul(mu, tf.sub(Math.log(mu), tf.log(m))), tf.mul(1 - mu, tf.sub(Math.log(1 - mu), tf.log1p(tf.neg(m)))));
    return tf.mul(kl, prior.weight) as tf.Scalar;
  });
}

/**
 * The ImplicitRM objective (METHOD §2) from logits: the E-step posteriors φ (no gradient) give soft
 * targets q = φ_PA + φ_PP for the reward head and p = φ_PA + φ_NA for the activity head;
 * L_pref = BCE(σ(f), q), L_act = BCE(σ(g), p), L_obs = NLL of r under σ(f)·σ(g)^sg (gradient to the
 * reward head only), total = L_pref + L_act + λ_obs·L_obs (+ the part `prior`, see
 * {@link activityPriorPenalty}, when an activity prior is given). All parts are batch means, in nats.
 * Explicit negatives (`explicitNegative`, known NA rows) enter with φ_NA = 1: q = 0, p = 1.
 */
export function implicitRMLoss(input: ImplicitRMLossInput): { total: tf.Scalar; pref: tf.Scalar; act: tf.Scalar; obs: tf.Scalar; prior?: tf.Scalar } {
  const { rewardLogits: f, activityLogits: g, r } = input;
  const lambdaObs = input.lambdaObs ?? 1;
  return tf.tidy(() => {
    const phi = strataPosteriors(f, g, r, {
      eps: input.eps ?? 1e-6,
      smoothing: input.smoothing ?? "clampDenominator",
      ...(input.explicitNegative ? { explicitNegative: input.explicitNegative } : {}),
    });
    const q = tf.add(phi.pa, phi.pp);
    const p = tf.add(phi.pa, phi.na);
    const w = input.weight;
    const pref = weightedMean(bceWithLogits(f, q), w);
    const act = weightedMean(bceWithLogits(g, p), w);
    const obs = weightedMean(observedNll(f, stopGradient(g), r), w);
    const prior = input.activityPrior ? activityPriorPenalty(f, g, input.activityPrior, input.priorWeight ?? input.weight) : undefined;
    const total = tf.addN([pref, act, tf.mul(obs, lambdaObs), ...(prior ? [prior] : [])]) as tf.Scalar;
    return { total, pref, act, obs, ...(prior ? { prior } : {}) };
  });
}

/**
 * Architecture of the activity head: 'mlp' (the hidden widths of the training option `hidden`),
 * 'linear' (a logistic model of its inputs), 'scalar' (one learnable logit for every row: recrec-i).
 */
export type ActivityHeadKind = "mlp" | "linear" | "scalar";

export interface ImplicitRMOptions {
  /** Weight of L_obs (default 1; 0 turns it off). */
  lambdaObs: number;
  /** E-step denominator guard (default 1e-6). */
  eps: number;
  /** E-step smoothing (default 'clampDenominator'). */
  smoothing: Smoothing;
  /**
   * What the activity head reads (default 'auto': the activity block where the data carry one,
   * else the content features). 'content' with an 'mlp' head and no prior is the symmetric setup
   * whose heads the data cannot tell apart (METHOD §2, "Identifiability").
   */
  activityInputs: HeadInput;
  /** Activity head architecture (default 'mlp'). */
  activityHead: ActivityHeadKind;
  /** Prior on the action rate among good responses (default null: none); also initialises the activity head's output at logit(mean). */
  activityPrior: ActivityPrior | null;
  /** Coupled L2 of the activity head (default null: the training option `weightDecay`). */
  activityWeightDecay: number | null;
  /** Adam learning rate of the activity head (default null: the training option `lr`). */
  activityLr: number | null;
  /**
   * 'importance': weight every row of the loss by `ObjectiveBatch.weight`, which undoes the
   * 'positives+k' resampling, so the heads fit P(r = 1 | x) of the log itself; 'none': plain batch
   * means, as the authors' harness does (the fitted product is then biased towards the epoch's
   * positive share 1/(1 + k)). The prior's action rate always uses the weights.
   */
  sampleWeights: "importance" | "none";
}

/** Reads the "<mean>@<weight>" form of an activity prior (other values are returned as they are). */
function parsePriorString(v: unknown): unknown {
  if (typeof v !== "string") return v;
  const m = /^\s*(oracle|[0-9.eE+-]+)\s*@\s*([0-9.eE+-]+)\s*$/.exec(v);
  if (!m) return v;
  return { mean: m[1] === "oracle" ? "oracle" : Number(m[1]), weight: Number(m[2]) };
}

/** Option check of `activityPrior`: null, {mean in (0, 1) or 'oracle', weight ≥ 0}, or the string "<mean>@<weight>". */
export const activityPriorCheck: OptionCheck = (given) => {
  if (given === null) return null;
  const v = parsePriorString(given);
  const o = v as { mean?: unknown; weight?: unknown };
  const ok =
    typeof v === "object" &&
    v !== null &&
    !Array.isArray(v) &&
    Object.keys(v).every((k) => k === "mean" || k === "weight") &&
    (o.mean === "oracle" || (typeof o.mean === "number" && o.mean > 0 && o.mean < 1)) &&
    typeof o.weight === "number" &&
    Number.isFinite(o.weight) &&
    o.weight >= 0;
  return ok ? null : `must be null, {"mean": a number in (0, 1) or "oracle", "weight": a number ≥ 0} or "<mean>@<weight>", got ${JSON.stringify(given)}`;
};

/**
 * Resolves `activityPrior.mean: 'oracle'` to the mean true propensity of the training rows with
 * r* = 1 (a DataError when the rows lack r* or propensities, as real logs do); reports the prior used.
 */
export function prepareActivityPrior(o: ImplicitRMOptions, train: RowSource): { options: ImplicitRMOptions; report?: Record<string, unknown> } {
  const prior = parsePriorString(o.activityPrior) as { mean: number | "oracle"; weight: number } | null;
  if (!prior) return { options: o };
  if (prior.mean !== "oracle") {
    return { options: { ...o, activityPrior: { mean: prior.mean, weight: prior.weight } }, report: { activityPrior: { source: "given", mean: prior.mean, weight: prior.weight } } };
  }
  if (!train.rStar || !train.propensity) {
    throw new DataError(
      "activityPrior mean 'oracle' needs the training rows' clean labels and true propensities (simulated data only); give the audited action rate among good responses as a number",
      { file: "train", field: train.rStar ? "propensity" : "rStar" },
    );
  }
  let sum = 0;
  let count = 0;
  for (let i = 0; i < train.n; i++) {
    if (train.rStar[i] === 1) {
      sum += train.propensity[i]!;
      count++;
    }
  }
  if (count === 0) throw new DataError("activityPrior mean 'oracle': the training split has no row with r* = 1", { file: "train", field: "rStar" });
  const mean = Math.min(1 - 1e-6, Math.max(1e-6, sum / count));
  return { options: { ...o, activityPrior: { mean, weight: prior.weight } }, report: { activityPrior: { source: "oracle", mean, weight: prior.weight } } };
}

/** Option check: null, or a value `check` accepts. */
function nullOr(check: OptionCheck): OptionCheck {
  return (v) => (v === null ? null : check(v));
}

/** The activity head's spec for the training loop, from the ImplicitRM options. */
export function activityHeadSpec(o: ImplicitRMOptions): Partial<Record<HeadName, HeadSpec>> {
  const prior = parsePriorString(o.activityPrior) as { mean: unknown } | null;
  const spec: HeadSpec = {
    kind: o.activityHead === "scalar" ? "constant" : "mlp",
    input: o.activityHead === "scalar" ? "content" : o.activityInputs,
    ...(o.activityHead === "linear" ? { hidden: [] } : {}),
    ...(prior && typeof prior.mean === "number" ? { initLogit: Math.log(prior.mean / (1 - prior.mean)) } : {}),
    ...(o.activityWeightDecay !== null ? { weightDecay: o.activityWeightDecay } : {}),
    ...(o.activityLr !== null ? { lr: o.activityLr } : {}),
  };
  return { activity: spec };
}

/** Defaults of {@link ImplicitRMOptions}. */
export const IMPLICITRM_DEFAULTS: Readonly<ImplicitRMOptions> = Object.freeze({
  lambdaObs: 1,
  eps: 1e-6,
  smoothing: "clampDenominator",
  activityInputs: "auto",
  activityHead: "mlp",
  activityPrior: null,
  activityWeightDecay: null,
  activityLr: null,
  sampleWeights: "importance",
} as ImplicitRMOptions);

/** Checks of {@link ImplicitRMOptions}. */
export const IMPLICITRM_CHECKS = {
  lambdaObs: numberIn(0, 1e6),
  eps: numberIn(1e-30, 0.1),
  smoothing: oneOf("clampDenominator", "additive"),
  activityInputs: oneOf("auto", "content", "context", "both"),
  activityHead: oneOf("mlp", "linear", "scalar"),
  activityPrior: activityPriorCheck,
  activityWeightDecay: nullOr(numberIn(0, 1e3)),
  activityLr: nullOr(numberIn(1e-8, 10)),
  sampleWeights: oneOf("importance", "none"),
} as const;

/**
 * ImplicitRM's loss for one batch with the objective's options (shared by implicitrm and its
 * recrec-i ablation, which differ only in the activity head): importance weights are applied when
 * `sampleWeights` is 'importance', and the activity prior always sees them.
 */
export function implicitRMObjectiveLoss(batch: ObjectiveBatch, o: ImplicitRMOptions, objective: string): LossParts {
  return implicitRMLoss({
    rewardLogits: headLogits(batch, "reward", objective),
    activityLogits: headLogits(batch, "activity", objective),
    r: batch.r,
    lambdaObs: o.lambdaObs,
    eps: o.eps,
    smoothing: o.smoothing,
    activityPrior: o.activityPrior,
    ...(batch.explicitNegative ? { explicitNegative: batch.explicitNegative } : {}),
    ...(batch.weight && o.sampleWeights === "importance" ? { weight: batch.weight } : {}),
    ...(batch.weight ? { priorWeight: batch.weight } : {}),
  }) as LossParts;
}

/** Per-row held-out NLL of r under σ(f)·σ(g), the model-selection criterion of both. */
export function implicitRMObservedNll(batch: ObjectiveBatch, objective: string): tf.Tensor1D {
  return observedNll(headLogits(batch, "reward", objective), headLogits(batch, "activity", objective), batch.r) as tf.Tensor1D;
}

export const implicitrm: Objective<ImplicitRMOptions> = {
  name: "implicitrm",
  summary: "ImplicitRM: EM over the four latent groups (PA, PP, NA, NP) with reward and activity heads",
  heads: ["reward", "activity"],
  needs: {},
  defaults: IMPLICITRM_DEFAULTS,
  checks: IMPLICITRM_CHECKS,
  headSpecs: activityHeadSpec,
  prepare: prepareActivityPrior,
  samplingLabel: "r",
  loss(batch, o): LossParts {
    return implicitRMObjectiveLoss(batch, o, "implicitrm");
  },
  observedNll(batch) {
    return implicitRMObservedNll(batch, "implicitrm");
  },
};
