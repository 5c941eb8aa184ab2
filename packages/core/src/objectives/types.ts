import type * as tf from "@tensorflow/tfjs-core";

/** The heads an objective can train. Each head is its own MLP with its own Adam optimizer. */
export type HeadName = "reward" | "activity" | "imputation";

/** What an objective sees for one minibatch. Labels are float tensors of 0/1. */
export interface ObjectiveBatch {
  /** Logits of each head the objective declared, one per row. */
  logits: Partial<Record<HeadName, tf.Tensor1D>>;
  /** Observed implicit feedback r. */
  r: tf.Tensor1D;
  /** Clean labels r*, present only for objectives that declare `needs.cleanLabels`. */
  rStar?: tf.Tensor1D;
  /** Feedback propensity π, present only for objectives that declare `needs.propensity`. */
  propensity?: tf.Tensor1D;
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
  needs: { cleanLabels?: boolean; propensity?: boolean };
  /** Default option values; every key a user may set appears here. */
  defaults: Readonly<O>;
  /** Per-option validators (keys of `defaults`). */
  checks?: Partial<Record<keyof O, OptionCheck>>;
  /** Which label defines "positives" for `sampling: 'positives+k'`. */
  samplingLabel: "r" | "rStar";
  loss(batch: ObjectiveBatch, options: O): LossParts;
  /**
   * Per-row negative log-likelihood of the observed r on held-out rows, the default model-selection
   * criterion (no clean labels needed). Objectives trained on clean labels leave it out and are
   * selected on clean validation BCE instead.
   */
  observedNll?(batch: ObjectiveBatch, options: O): tf.Tensor1D;
}
