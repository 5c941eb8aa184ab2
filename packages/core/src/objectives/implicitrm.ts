import * as tf from "@tensorflow/tfjs-core";
import { bceWithLogits, observedNll, stopGradient } from "../math.js";
import { type Smoothing, strataPosteriors } from "../posteriors.js";
import { numberIn, oneOf } from "./registry.js";
import type { LossParts, Objective } from "./types.js";

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
}

/**
 * The ImplicitRM objective (METHOD §2) from logits: the E-step posteriors φ (no gradient) give soft
 * targets q = φ_PA + φ_PP for the reward head and p = φ_PA + φ_NA for the activity head;
 * L_pref = BCE(σ(f), q), L_act = BCE(σ(g), p), L_obs = NLL of r under σ(f)·σ(g)^sg (gradient to the
 * reward head only), total = L_pref + L_act + λ_obs·L_obs. All parts are batch means, in nats.
 */
export function implicitRMLoss(input: ImplicitRMLossInput): { total: tf.Scalar; pref: tf.Scalar; act: tf.Scalar; obs: tf.Scalar } {
  const { rewardLogits: f, activityLogits: g, r } = input;
  const lambdaObs = input.lambdaObs ?? 1;
  return tf.tidy(() => {
    const phi = strataPosteriors(f, g, r, { eps: input.eps ?? 1e-6, smoothing: input.smoothing ?? "clampDenominator" });
    const q = tf.add(phi.pa, phi.pp);
    const p = tf.add(phi.pa, phi.na);
    const pref = tf.mean(bceWithLogits(f, q)) as tf.Scalar;
    const act = tf.mean(bceWithLogits(g, p)) as tf.Scalar;
    const obs = tf.mean(observedNll(f, stopGradient(g), r)) as tf.Scalar;
    const total = tf.addN([pref, act, tf.mul(obs, lambdaObs)]) as tf.Scalar;
    return { total, pref, act, obs };
  });
}

export interface ImplicitRMOptions {
  lambdaObs: number;
  eps: number;
  smoothing: Smoothing;
}

export const implicitrm: Objective<ImplicitRMOptions> = {
  name: "implicitrm",
  summary: "ImplicitRM: EM over the four latent groups (PA, PP, NA, NP) with reward and activity heads",
  heads: ["reward", "activity"],
  needs: {},
  defaults: { lambdaObs: 1, eps: 1e-6, smoothing: "clampDenominator" },
  checks: { lambdaObs: numberIn(0, 1e6), eps: numberIn(1e-30, 0.1), smoothing: oneOf("clampDenominator", "additive") },
  samplingLabel: "r",
  loss(batch, o): LossParts {
    return implicitRMLoss({
      rewardLogits: batch.logits.reward!,
      activityLogits: batch.logits.activity!,
      r: batch.r,
      lambdaObs: o.lambdaObs,
      eps: o.eps,
      smoothing: o.smoothing,
    });
  },
  observedNll(batch) {
    return observedNll(batch.logits.reward!, batch.logits.activity!, batch.r) as tf.Tensor1D;
  },
};
