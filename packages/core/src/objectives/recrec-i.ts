import {
  type ImplicitRMOptions,
  IMPLICITRM_CHECKS,
  IMPLICITRM_DEFAULTS,
  activityHeadSpec,
  implicitRMObjectiveLoss,
  implicitRMObservedNll,
  prepareActivityPrior,
} from "./implicitrm.js";
import { oneOf } from "./options.js";
import type { LossParts, Objective } from "./types.js";

/**
 * recrec-i: the ablation of ImplicitRM with one global, learnable activity logit c instead of the
 * activity head g_ψ(x), so â = σ(c) is the same for every row (the activity head has kind
 * 'constant', initialised at c = 0, â = 0.5). Loss, E-step, options (`lambdaObs` 1, `eps` 1e-6,
 * `smoothing` 'clampDenominator') and selection (held-out observed NLL of r under σ(f)·σ(c)) are
 * ImplicitRM's. With â constant, P(r = 1 | x) = σ(f)·â, so the reward can only rank like
 * P(r = 1 | x): the model cannot tell a passive good response from a bad one, which is the point of
 * the ablation. It takes ImplicitRM's options, with `activityHead` fixed at 'scalar'; an
 * `activityPrior` pins â at the prior's mean (and starts c at its logit). Named after the ReCRec ablation (Lin et al., ACM TOIS 2024, doi 10.1145/3672275) as
 * METHOD §3 lists it; that paper was not available offline, so this follows METHOD's definition.
 */
export const recrecI: Objective<ImplicitRMOptions> = {
  name: "recrec-i",
  summary: "ablation: ImplicitRM with one global scalar activity instead of g_ψ(x) (Lin et al. 2024)",
  heads: ["reward", "activity"],
  headKinds: { activity: "constant" },
  needs: {},
  defaults: Object.freeze({ ...IMPLICITRM_DEFAULTS, activityHead: "scalar" }) as ImplicitRMOptions,
  checks: { ...IMPLICITRM_CHECKS, activityHead: oneOf("scalar") },
  headSpecs: activityHeadSpec,
  prepare: prepareActivityPrior,
  samplingLabel: "r",
  loss(batch, o): LossParts {
    return implicitRMObjectiveLoss(batch, o, "recrec-i");
  },
  observedNll(batch) {
    return implicitRMObservedNll(batch, "recrec-i");
  },
};
