/**
 * Identifiability diagnostics of a two-head model (METHOD §2, "Identifiability"): the data fix only
 * the product σ(f)·σ(g), so a run must say how its two heads split it. Computed on held-out rows
 * (no labels needed), reported by every ImplicitRM run.
 */
import { pearson } from "./metrics.js";
import type { HeadInput } from "./objectives/types.js";
import type { FeatureSet } from "./types.js";

/**
 * The rule that calls two heads indistinguishable: the Pearson correlation of σ(f) and σ(g) over
 * held-out rows is at least `minPearson`. Default 0.5, set from the sweep in
 * docs/results/identifiability (3 seeds, presentation share 0…1, per-run validation Pearson): the
 * symmetric setup (both heads MLPs on the content features, no prior) gave 0.80–0.94 on the
 * synthetic default and 0.96–0.997 on UltraFeedback, and a linear activity head with a prior but on
 * the content features 0.75–0.95 on UltraFeedback (all flagged); an activity head on presentation
 * features gave −0.04–0.03 on the synthetic default and 0.02–0.50 on UltraFeedback, where response
 * length, which drives the simulated action, also goes with quality (none flagged; the largest
 * value, 0.497, is close to the threshold). A high correlation is not an error in itself (the true
 * activity may go with quality), but it means the data cannot tell the two heads apart.
 */
export interface IndistinguishableRule {
  minPearson: number;
}

export const DEFAULT_INDISTINGUISHABLE_RULE: Readonly<IndistinguishableRule> = Object.freeze({ minPearson: 0.5 });

/**
 * The rule that calls the activity head saturated: its mean σ(g) over held-out rows is at least
 * `maxMean` or at most `minMean`. Defaults 0.95 and 0.05, set from the runs in
 * docs/results/identifiability (validation split, 3 seeds each): on the paper's protocol
 * (presentation share 0, the default activity head on the presentation features, which carry no
 * grade) mean σ(g) was 0.950–0.990 in all 9 default runs (context-fed, synthetic.json,
 * synthetic-positives-k.json, defaults-demo.json), while every run whose heads split the product
 * (presentation share ≥ 0.25, or an activity prior) stayed at or below 0.93 (share 0.25: 0.92–0.93;
 * share 0.5: 0.70–0.79; priors 0.70–0.90) and no run went below 0.28. `extremeRows` (the share of rows
 * with σ(g) > 1 − `extreme` or < `extreme`, default extreme 0.01) is reported beside it, for reading,
 * not for the rule. A saturated head reads almost every row as "would act" (or none), so the reward
 * head is naive training with a rescale: σ(f) ≈ P(r = 1 | x) / mean σ(g).
 */
export interface SaturationRule {
  maxMean: number;
  minMean: number;
  extreme: number;
}

export const DEFAULT_SATURATION_RULE: Readonly<SaturationRule> = Object.freeze({ maxMean: 0.95, minMean: 0.05, extreme: 0.01 });

/** How a model's heads split the observed-feedback probability, on one split. */
export interface HeadDiagnostics {
  /** The split the numbers are from (the held-out validation split in training). */
  split: string;
  rows: number;
  /** mean σ(f): the reward head's mean, the model's estimate of the share of preferred rows. */
  meanReward: number;
  /** mean σ(g): the activity head's mean. */
  meanActivity: number;
  /** Pearson correlation of σ(f) and σ(g) over the rows (NaN when a head is constant). */
  pearson: number;
  /** mean σ(f)·σ(g): the model's feedback rate, comparable with `feedbackRate`. */
  meanProduct: number;
  /** mean r on the split. */
  feedbackRate: number;
  /** What the activity head read. */
  activityInputs: Exclude<HeadInput, "auto">;
  /** The activity head's architecture: 'mlp', 'linear' (no hidden layer) or 'scalar' (one logit). */
  activityHead: "mlp" | "linear" | "scalar";
  /** True when the rule fired. */
  indistinguishable: boolean;
  /** The rule that was applied. */
  rule: IndistinguishableRule;
  /** A sentence for logs when the indistinguishable-heads rule fired, else null. */
  warning: string | null;
  /**
   * True when the saturation rule fired (mean σ(g) ≥ maxMean or ≤ minMean). This and the fields
   * below are always set by {@link headDiagnostics}; they are optional only because rows written
   * before the check existed (older metrics.json and bench files) lack them.
   */
  saturated?: boolean;
  /** Share of rows with σ(g) > 1 − extreme or < extreme (see {@link SaturationRule}). */
  extremeActivityShare?: number;
  /** The saturation rule that was applied. */
  saturationRule?: SaturationRule;
  /** A sentence for logs when the saturation rule fired, else null. */
  saturationWarning?: string | null;
  /**
   * One line per check (identical heads, saturation): what the numbers mean and what to do; the
   * lines of the checks that fired start with "warning:".
   */
  readings?: string[];
}

/**
 * Diagnostics from the two heads' probabilities on one split: means, their Pearson correlation,
 * the mean product against the observed feedback rate, and the warning when the rule fires.
 */
export function headDiagnostics(
  reward: Float32Array,
  activity: Float32Array,
  fs: Pick<FeatureSet, "n" | "r">,
  setup: { split: string; activityInputs: Exclude<HeadInput, "auto">; activityHead: HeadDiagnostics["activityHead"] },
  rule: IndistinguishableRule = DEFAULT_INDISTINGUISHABLE_RULE,
  saturation: SaturationRule = DEFAULT_SATURATION_RULE,
): HeadDiagnostics {
  const n = reward.length;
  let sf = 0;
  let sg = 0;
  let sp = 0;
  let sr = 0;
  let extreme = 0;
  for (let i = 0; i < n; i++) {
    sf += reward[i]!;
    sg += activity[i]!;
    if (activity[i]! > 1 - saturation.extreme || activity[i]! < saturation.extreme) extreme++;
    sp += reward[i]! * activity[i]!;
    sr += fs.r[i]!;
  }
  const corr = constant(reward) || constant(activity) ? Number.NaN : pearson(reward, activity);
  const indistinguishable = corr >= rule.minPearson;
  const meanA = sg / n;
  const saturated = meanA >= saturation.maxMean || meanA <= saturation.minMean;
  const extremeShare = extreme / n;
  const saturationWarning = saturated
    ? `the activity head is saturated on the ${setup.split} rows (mean σ(g) ${meanA.toFixed(3)} ${meanA >= saturation.maxMean ? `≥ ${saturation.maxMean}` : `≤ ${saturation.minMean}`}; ` +
      `${(100 * extremeShare).toFixed(0)} % of rows beyond ${saturation.extreme} of 0 or 1): it reads ${meanA >= saturation.maxMean ? "almost every row as \"would act\"" : "almost no row as \"would act\""}, so the reward head is naive training with a rescale (σ(f) ≈ P(r = 1 | x) / ${meanA.toFixed(2)}). ` +
      "Give the activity head features that drive action but not quality (activityInputs 'context' on a log that has them), an activityPrior (an audited action rate), or explicit negatives; see METHOD.md, Identifiability"
    : null;
  const warning = indistinguishable
    ? `the reward and activity heads are indistinguishable on the ${setup.split} rows (Pearson of σ(f) and σ(g) ${corr.toFixed(2)} ≥ ${rule.minPearson}; ` +
      `means ${(sf / n).toFixed(3)} and ${(sg / n).toFixed(3)}): the data fix only their product, so σ(f) need not be P(r* = 1 | x). ` +
      "Give the activity head presentation features (activityInputs 'context'), or an activityPrior; see METHOD.md, Identifiability"
    : null;
  const corrText = Number.isNaN(corr) ? "n/a" : corr.toFixed(2);
  const readings = [
    indistinguishable
      ? `warning: identical heads (Pearson ${corrText} ≥ ${rule.minPearson}): σ(f) and σ(g) move together, so the data cannot say which is preference; give the activity head other inputs or a prior`
      : `identical heads: no (Pearson ${corrText} < ${rule.minPearson}): the heads read different things; nothing to do`,
    saturated
      ? `warning: saturated activity head (mean σ(g) ${meanA.toFixed(3)}): σ(f) is naive training rescaled, not a debiased reward; add activity features, an activityPrior or explicit negatives`
      : `saturated activity head: no (mean σ(g) ${meanA.toFixed(3)} inside (${saturation.minMean}, ${saturation.maxMean})): the activity head takes a share of the product; nothing to do`,
  ];
  return {
    split: setup.split,
    rows: n,
    meanReward: sf / n,
    meanActivity: sg / n,
    pearson: corr,
    meanProduct: sp / n,
    feedbackRate: sr / n,
    activityInputs: setup.activityInputs,
    activityHead: setup.activityHead,
    indistinguishable,
    rule: { ...rule },
    warning,
    saturated,
    extremeActivityShare: extremeShare,
    saturationRule: { ...saturation },
    saturationWarning,
    readings,
  };
}

function constant(a: Float32Array): boolean {
  for (let i = 1; i < a.length; i++) if (a[i] !== a[0]) return false;
  return true;
}

/** The warnings of every check that fired (identical heads, then saturation), for logs; empty when none fired. */
export function diagnosticWarnings(d: HeadDiagnostics): string[] {
  return [d.warning, d.saturationWarning].filter((w): w is string => typeof w === "string");
}

/** One line for logs: `heads: mean σ(f) 0.412, mean σ(g) 0.498, Pearson 0.74 (activity: mlp on content)`. */
export function formatHeadDiagnostics(d: HeadDiagnostics): string {
  const corr = Number.isNaN(d.pearson) ? "n/a (a head is constant)" : d.pearson.toFixed(3);
  return `heads on ${d.split}: mean σ(f) ${d.meanReward.toFixed(3)}, mean σ(g) ${d.meanActivity.toFixed(3)}, Pearson ${corr}, mean σ(f)σ(g) ${d.meanProduct.toFixed(3)} vs feedback rate ${d.feedbackRate.toFixed(3)} (activity: ${d.activityHead} on ${d.activityInputs})`;
}
