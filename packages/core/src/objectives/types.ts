import type * as tf from "@tensorflow/tfjs-core";
import type { RowSource } from "../types.js";

/** The heads an objective can train. Each head has its own parameters and its own Adam optimizer. */
export type HeadName = "reward" | "activity" | "imputation";

/**
 * Architecture of a head. 'mlp' (the default): D → hidden… → 1 with leaky ReLU, the training
 * option `hidden` giving the widths. 'constant': one learnable scalar logit shared by every row
 * (initialised at 0, i.e. probability 0.5), as the global activity of the recrec-i ablation.
 */
export type HeadKind = "mlp" | "constant";

/**
 * What a head reads (METHOD §2, "Identifiability"): 'content', the content features
 * (`FeatureSet.features`, what the reward head reads); 'context', the activity block
 * (`FeatureSet.activity`: response length, position, user activity...); 'both', the two
 * concatenated [content, context]; 'auto', 'context' when the training data carry an activity
 * block and 'content' otherwise (the choice made is reported in the run's diagnostics).
 */
export type HeadInput = "content" | "context" | "both" | "auto";

/**
 * How the training loop builds and trains one head, as declared by an objective for its options
 * (`Objective.headSpecs`). Every field is optional; absent fields take the training options.
 */
export interface HeadSpec {
  /** Architecture (default 'mlp', or the objective's `headKinds`). */
  kind?: HeadKind;
  /** Hidden widths of an 'mlp' head (default the training option `hidden`; [] is a linear head). */
  hidden?: number[];
  /** What the head reads (default 'content'). */
  input?: HeadInput;
  /** Initial value of the head's output bias, a logit (default: the seeded PyTorch-style draw; 0 for 'constant'). */
  initLogit?: number;
  /** Coupled L2 of this head's weights (default the training option `weightDecay`). */
  weightDecay?: number;
  /** Adam learning rate of this head (default the training option `lr`). */
  lr?: number;
}

/** Where the feedback propensity π = P(a = 1 | x) comes from (see {@link PropensityOptions}). */
export type PropensitySource = "oracle" | "estimated" | number;

/**
 * Options shared by every objective that declares `needs.propensity` (checked at registration).
 * The training loop resolves π once per run, before the first step, for the training and the
 * validation rows, clips it to [clipMin, 1], and hands it to the objective as `batch.propensity`.
 */
export interface PropensityOptions {
  /**
   * 'oracle': the true propensity the data carry (`FeatureSet.propensity`, the simulator's truth;
   * flatters the baseline, METHOD §3). 'estimated': fitted on the observed feedback only (never r*
   * nor the true π): see `estimatePropensity` in estimators.ts. A number in (0, 1]: the same π for
   * every row. Default 'oracle'.
   */
  propensity: PropensitySource;
  /** Lower clip of π, so 1/π ≤ 1/clipMin (default 0.05, i.e. weights at most 20). */
  clipMin: number;
}

/** Options shared by every objective that declares `needs.classPrior` (PU learning). */
export interface ClassPriorOptions {
  /**
   * π_p = P(r* = 1), the share of truly preferred rows. A number in (0, 1), or 'estimated' (the
   * default): the Elkan–Noto estimate from a held-out classifier of r, π_p = mean(r) / c: see
   * `estimateClassPrior` in estimators.ts.
   */
  classPrior: number | "estimated";
}

/**
 * Which rows a pairwise objective pairs with each anchor (an r = 1 row): 'unlabeled', an r = 0 row
 * of the same prompt group (BPR); 'any', any other row of the group whatever its r (UBPR, whose
 * weight 1 − r_j/π_j needs the labelled partners too). A group without a suitable partner (a prompt
 * with one response, or no group information at all) falls back to a uniformly drawn suitable row of
 * the whole split. Pairs are drawn per epoch from the epoch's seed.
 */
export type PairPartner = "unlabeled" | "any";

/** What an objective needs the training loop to supply beyond logits and r. */
export interface ObjectiveNeeds {
  /** `batch.rStar`: the clean labels (oracle only). */
  cleanLabels?: boolean;
  /** `batch.propensity`, resolved from the options of {@link PropensityOptions}. */
  propensity?: boolean;
  /** `batch.classPrior`, resolved from the options of {@link ClassPriorOptions}. */
  classPrior?: boolean;
  /** `batch.pairs`: the batch is made of (anchor, partner) pairs instead of independent rows. */
  pairs?: PairPartner;
}

/**
 * The pair layout of a pairwise batch: its 2m rows are the m anchors i (rows [0, m)) followed by
 * their partners j (rows [m, 2m)), pair t being (t, m + t). Every per-row tensor of the batch
 * (logits, r, propensity) follows that layout; `pairSides` splits one into its two halves.
 */
export interface BatchPairs {
  /** m, the number of pairs. */
  count: number;
}

/** What an objective sees for one minibatch. Labels are float tensors of 0/1. */
export interface ObjectiveBatch {
  /** Logits of each head the objective declared, one per row. */
  logits: Partial<Record<HeadName, tf.Tensor1D>>;
  /** Observed implicit feedback r. */
  r: tf.Tensor1D;
  /** Clean labels r*, present only for objectives that declare `needs.cleanLabels`. */
  rStar?: tf.Tensor1D;
  /**
   * Feedback propensity π ∈ [clipMin, 1], present only for objectives that declare
   * `needs.propensity` (already resolved from the options and clipped).
   */
  propensity?: tf.Tensor1D;
  /** Class prior π_p ∈ (0, 1), present only for objectives that declare `needs.classPrior`. */
  classPrior?: number;
  /**
   * Per-row importance weights that undo the epoch sampler's class resampling (`sampling:
   * 'positives+k'` over-represents positives): with them, a weighted batch mean estimates the mean
   * over the training split itself. Their mean over an epoch is 1. Absent means 1 for every row
   * (sampling 'full', validation, pairwise batches). Risk estimators whose unbiasedness is stated for
   * rows drawn from the log (ips, ips-nn, dr, upu, nnpu) use them; naive and implicitrm follow the
   * authors' harness and do not.
   */
  weight?: tf.Tensor1D;
  /** (anchor, partner) pairs, present only for objectives that declare `needs.pairs`. */
  pairs?: BatchPairs;
  /**
   * 1 for an explicit negative (a known NA row: r* = 0, a = 1, so r = 0), present when the rows carry
   * the column (`FeatureSet.explicitNegative`). ImplicitRM and recrec-i pin those rows' posterior at
   * φ_NA = 1; objectives that ignore it treat the rows as r = 0, as before.
   */
  explicitNegative?: tf.Tensor1D;
}

/** Named scalar loss parts; `total` is what the optimizers minimise. */
export interface LossParts {
  total: tf.Scalar;
  [part: string]: tf.Scalar;
}

/** Checks one option value; returns an error message, or null when the value is valid. */
export type OptionCheck = (value: unknown) => string | null;

/**
 * A training objective: a pure function of logits, labels and options that returns named loss
 * parts. Registering one makes it available to the trainer and to `bench --methods all`.
 */
export interface Objective<O extends object = Record<string, unknown>> {
  name: string;
  /** One line for tables and `--help`. */
  summary: string;
  /** Heads to build; the first is always 'reward', the model that is kept and evaluated. */
  heads: readonly HeadName[];
  /** Architecture of each head; heads not listed are 'mlp'. */
  headKinds?: Partial<Record<HeadName, HeadKind>>;
  /**
   * Per-head architecture, input, initialisation, L2 and learning rate for the resolved options
   * (over `headKinds` and the training options). Absent: every head is built from the training options.
   */
  headSpecs?(options: O): Partial<Record<HeadName, HeadSpec>>;
  /**
   * Resolves options that depend on the training rows (e.g. an activity prior audited from the
   * simulator's truth), once before training; `report` goes to `TrainResult.inputs.objective`.
   */
  prepare?(options: O, train: RowSource): { options: O; report?: Record<string, unknown> };
  needs: ObjectiveNeeds;
  /** Default option values; every key a user may set appears here. */
  defaults: Readonly<O>;
  /** Per-option validators (keys of `defaults`). */
  checks?: Partial<Record<keyof O, OptionCheck>>;
  /** Which label defines "positives" for `sampling: 'positives+k'` (and the anchors of pairs). */
  samplingLabel: "r" | "rStar";
  loss(batch: ObjectiveBatch, options: O): LossParts;
  /**
   * Per-row negative log-likelihood of the observed r on held-out rows, the default model-selection
   * criterion (no clean labels needed). Objectives trained on clean labels leave it out and are
   * selected on clean validation BCE instead.
   */
  observedNll?(batch: ObjectiveBatch, options: O): tf.Tensor1D;
  /**
   * For objectives without `observedNll`: the held-out criterion (a batch mean, lower is better) that
   * selects the epoch to keep, usually the objective's own risk estimate. Defaults to
   * `loss(batch).total`.
   */
  validationLoss?(batch: ObjectiveBatch, options: O): tf.Scalar;
}
