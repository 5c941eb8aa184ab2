/**
 * The run's types: what `train()` takes (data, hooks), what it reports (epoch records, the result,
 * the resolved inputs) and the state it checkpoints (TrainState, as plain data: numbers and
 * Float32Arrays, enough to continue a run exactly where it stopped; writing it to disk is the
 * caller's business). No code here but two constants.
 */
import type { HeadDiagnostics } from "../diagnostics.js";
import type { HeadWeights } from "../heads.js";
import type { RewardModel, RewardModelState } from "../model.js";
import type { HeadName, PairPartner } from "../objectives/types.js";
import type { RowSource } from "../types.js";

/**
 * How the epoch to keep was chosen: the held-out NLL of the observed r ('observed-nll'), the
 * objective's own held-out loss ('validation-loss'), or the BCE against clean labels.
 */
export type SelectionCriterion = "observed-nll" | "validation-loss" | "clean-validation-bce";

/** What one epoch did: its loss parts, its held-out selection loss and whether that improved. */
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

/** The rows of a run: FeatureSets in memory, or any {@link RowSource} (e.g. a feature store read in blocks). */
export interface TrainData {
  train: RowSource;
  /** Held-out rows of the same log (observed r only is used unless the objective trains on clean labels). */
  validation: RowSource;
  /** Optional small clean-labelled set; when given, early stopping uses its BCE against r*. */
  cleanValidation?: RowSource;
}

/** Callbacks and controls of a run: progress, stopping, checkpoints and resuming. Every field is optional. */
export interface TrainHooks {
  /**
   * Called after every evaluation with the epoch's record and the model being trained, holding
   * this epoch's weights (so a live view can predict with it). Use the model during the call only:
   * training goes on changing it, and the result keeps the best epoch's weights.
   */
  onEpoch?: (record: EpochRecord, model: RewardModel) => void;
  /** Called after every optimizer step with the running step count. */
  onStep?: (step: number, epoch: number) => void;
  /**
   * Stops after the current step when aborted: the state is handed to `onCheckpoint` (reason
   * 'interrupt'), the unfinished epoch is not evaluated, and the best weights so far are kept
   * (`TrainResult.interrupted`).
   */
  signal?: AbortSignal;
  /**
   * Receives the run's state (see {@link TrainState}) every `checkpointEvery` steps, after every
   * evaluation, and when `signal` stops the run; awaited before training goes on. It may return a
   * description of where the state went (a file name; other values are ignored), which a divergence error names as the last
   * good checkpoint.
   */
  onCheckpoint?: (state: TrainState, info: CheckpointInfo) => unknown;
  /** Steps between two 'steps' checkpoints (default 0: checkpoints at evaluations only). */
  checkpointEvery?: number;
  /** Description of a checkpoint written before this call (a resumed run's), for divergence errors. */
  lastCheckpoint?: string;
  /**
   * Continues a run from a state `onCheckpoint` received, with the same data and options: the
   * result is then bit-identical to the uninterrupted run's on the same backend.
   */
  resume?: TrainState;
}

/** What `train()` returns: the model with its best epoch's weights, and how the run went. */
export interface TrainResult {
  model: RewardModel;
  history: EpochRecord[];
  bestEpoch: number;
  bestSelectionLoss: number;
  selection: SelectionCriterion;
  steps: number;
  seconds: number;
  stoppedEarly: boolean;
  /** What was resolved before training (propensities, class prior, pairs), for reports. */
  inputs: ResolvedInputs;
  /** The run was stopped by `hooks.signal` before it finished. */
  interrupted: boolean;
  /**
   * For two-head objectives with an activity head (implicitrm, recrec-i): how the kept model's heads
   * split σ(f)·σ(g) on the validation split, with the identifiability warning (see diagnostics.ts).
   */
  diagnostics?: HeadDiagnostics;
}

/** What the loop resolved before training, as reported in {@link TrainResult.inputs}. */
export interface ResolvedInputs {
  propensity?: {
    /** 'oracle' (the data's true π), 'estimated' (estimatePropensity) or 'constant'. */
    source: "oracle" | "estimated" | "constant";
    clipMin: number;
    /** Mean clipped π over the training rows. */
    mean: number;
    /** Share of training rows whose π was raised to clipMin. */
    clippedShare: number;
    /** The estimator's normaliser max ĉ(x) ('estimated' only). */
    scale?: number;
  };
  classPrior?: {
    source: "given" | "estimated";
    value: number;
    /** Elkan–Noto's c = P(r = 1 | r* = 1) ('estimated' only). */
    c?: number;
  };
  /** What the objective resolved from the training rows (`Objective.prepare`), e.g. the activity prior used. */
  objective?: Record<string, unknown>;
  pairs?: {
    partner: PairPartner;
    /** Whether the training rows had prompt groups (without them every pair is a random pair). */
    groups: boolean;
    /** Share of training pairs whose partner came from the whole split (the anchor's group had none). */
    fallbackShare: number;
    /** Number of fixed validation pairs the selection loss is averaged over. */
    validationPairs?: number;
  };
}

/** The tag and version a {@link TrainState} carries, checked on resume (a state of another version is refused). */
export const TRAIN_STATE_FORMAT = "implicitrm-train-state";
/** See {@link TRAIN_STATE_FORMAT}. */
export const TRAIN_STATE_VERSION = 1;

/** Adam's state for one head: the step count, β₁ᵗ and β₂ᵗ as accumulated, and m, v per variable (the head's variable order). */
export interface AdamState {
  iterations: number;
  accBeta1: number;
  accBeta2: number;
  m: Float32Array[];
  v: Float32Array[];
}

/** Why a state was handed to `onCheckpoint`. */
export type CheckpointReason = "steps" | "evaluation" | "interrupt";

/** What `onCheckpoint` is told besides the state. */
export interface CheckpointInfo {
  reason: CheckpointReason;
  /** Optimizer steps taken so far. */
  step: number;
  /** For 'evaluation': whether this evaluation improved the selection loss (its weights are the best so far). */
  improved?: boolean;
}

/**
 * A run between two steps. `epoch`/`batch`: the epoch in progress (1-based) and how many of its
 * minibatches are done (0: the epoch has not begun). The epoch's row order is re-derived from the
 * seed on resume; `rng` is the generator state after drawing it, compared to catch changed data.
 */
export interface TrainState {
  format: typeof TRAIN_STATE_FORMAT;
  version: typeof TRAIN_STATE_VERSION;
  objective: string;
  epoch: number;
  batch: number;
  steps: number;
  /** The current weights. */
  model: RewardModelState;
  /** One Adam state per head. */
  optimizers: Partial<Record<HeadName, AdamState>>;
  /** Early stopping: the best selection loss, its epoch and weights, and evaluations since. */
  best: { loss: number; epoch: number; weights: Partial<Record<HeadName, HeadWeights>> };
  sinceBest: number;
  /** The run ended (patience ran out, or every epoch was done): resuming it trains nothing. */
  finished: boolean;
  stoppedEarly: boolean;
  history: EpochRecord[];
  /** Sums of the loss parts over the `batch` minibatches done in the epoch in progress (float32 values). */
  epochSums: Record<string, number>;
  /** Pair sampling counters (pairwise objectives). */
  pairFallbacks: number;
  pairsDrawn: number;
  /** State of the epoch's row-order generator after the order was drawn (Rng.getState()). */
  rng: number[];
  /** Training seconds before this state. */
  seconds: number;
}
