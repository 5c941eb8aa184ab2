import "./register-gradients.js";
/**
 * The training loop (METHOD §2, Algorithm 1): per minibatch, one forward pass of every head, the
 * objective's loss (ImplicitRM computes its E-step posteriors inside, with gradients stopped), and
 * one Adam step per head with coupled L2. Early stopping on held-out data keeps the best weights.
 * Deterministic for a given seed and backend.
 */
import * as tf from "@tensorflow/tfjs-core";
import { PairSampler, type RowPairs, countPositives, validateFeatureSet } from "./data.js";
import { type HeadDiagnostics, headDiagnostics } from "./diagnostics.js";
import { ConfigError, DataError, DivergenceError, TrainingError } from "./errors.js";
import { estimateClassPrior, estimatePropensity } from "./estimators.js";
import { ConstantHead, type Head, type HeadWeights, MlpHead } from "./heads.js";
import { bceWithLogits } from "./math.js";
import { getObjective, resolveObjectiveOptions } from "./objectives/index.js";
import type {
  ClassPriorOptions,
  HeadInput,
  HeadKind,
  HeadName,
  HeadSpec,
  Objective,
  ObjectiveBatch,
  ObjectiveNeeds,
  PairPartner,
  PropensityOptions,
} from "./objectives/types.js";
import { Rng, deriveSeed } from "./random.js";
import { gatherRows, predictRows, requireInMemory } from "./row-source.js";
import { type AdamState, type CheckpointInfo, TRAIN_STATE_FORMAT, TRAIN_STATE_VERSION, type TrainState, captureAdam, restoreAdam } from "./train-state.js";
import type { RowSource } from "./types.js";

export type Sampling = "positives+k" | "full";

/** Training settings; every field has a default (METHOD §2, the authors' harness). */
export interface TrainOptions {
  /** Objective name from the registry (default 'implicitrm'). */
  objective: string;
  /** Objective options, checked against the objective's defaults. */
  objectiveOptions: Record<string, unknown>;
  /** Hidden layer widths of every head (default [256, 64]). */
  hidden: number[];
  /** Adam learning rate (default 5e-4). */
  lr: number;
  /** Minibatch size (default 512). */
  batchSize: number;
  /** Coupled L2: weightDecay·w is added to each gradient before Adam (default 1e-6). */
  weightDecay: number;
  /** Maximum number of epochs (default 200). */
  epochs: number;
  /** Evaluations without improvement before stopping (default 20). */
  patience: number;
  /** Seed of initialisation and shuffling (default 42). */
  seed: number;
  /**
   * 'positives+k' (default): each epoch all positives plus k× as many negatives drawn with
   * replacement (rows carry importance weights that undo the resampling, for the objectives that
   * use them); 'full': every row once. Pairwise objectives: k pairs per positive, or one.
   */
  sampling: Sampling;
  /** k of 'positives+k' (default 4). */
  negativesPerPositive: number;
  /**
   * Gradient clipping: each head's loss gradient is scaled down to this global L2 norm when it is
   * larger, before the weight decay is added (default 0: off).
   */
  clipNorm: number;
}

export const DEFAULT_TRAIN_OPTIONS: Readonly<TrainOptions> = Object.freeze({
  objective: "implicitrm",
  objectiveOptions: {},
  hidden: [256, 64],
  lr: 5e-4,
  batchSize: 512,
  weightDecay: 1e-6,
  epochs: 200,
  patience: 20,
  seed: 42,
  sampling: "positives+k",
  negativesPerPositive: 4,
  clipNorm: 0,
});

/**
 * How the epoch to keep was chosen: the held-out NLL of the observed r ('observed-nll'), the
 * objective's own held-out loss ('validation-loss'), or the BCE against clean labels.
 */
export type SelectionCriterion = "observed-nll" | "validation-loss" | "clean-validation-bce";

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

export interface TrainHooks {
  onEpoch?: (record: EpochRecord) => void;
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

let runCounter = 0;

/** Merges options over the defaults, rejecting unknown keys and out-of-range values with a ConfigError. */
export function resolveTrainOptions(given: Partial<TrainOptions> = {}): TrainOptions {
  for (const key of Object.keys(given)) {
    if (!(key in DEFAULT_TRAIN_OPTIONS)) {
      throw new ConfigError(`unknown training option "${key}"; known options: ${Object.keys(DEFAULT_TRAIN_OPTIONS).join(", ")}`);
    }
  }
  const o: TrainOptions = { ...DEFAULT_TRAIN_OPTIONS, ...given, hidden: [...(given.hidden ?? DEFAULT_TRAIN_OPTIONS.hidden)] };
  const positive = (key: keyof TrainOptions, integer: boolean) => {
    const v = o[key] as number;
    if (typeof v !== "number" || !Number.isFinite(v) || v <= 0 || (integer && !Number.isInteger(v))) {
      throw new ConfigError(`training option "${key}" must be a positive ${integer ? "integer" : "number"}, got ${JSON.stringify(v)}`);
    }
  };
  positive("lr", false);
  positive("batchSize", true);
  positive("epochs", true);
  positive("patience", true);
  positive("negativesPerPositive", false);
  if (typeof o.clipNorm !== "number" || !(o.clipNorm >= 0) || !Number.isFinite(o.clipNorm)) {
    throw new ConfigError(`training option "clipNorm" must be a number ≥ 0 (0: no clipping), got ${JSON.stringify(o.clipNorm)}`);
  }
  if (typeof o.weightDecay !== "number" || !(o.weightDecay >= 0)) {
    throw new ConfigError(`training option "weightDecay" must be a number ≥ 0, got ${JSON.stringify(o.weightDecay)}`);
  }
  if (!Number.isInteger(o.seed)) throw new ConfigError(`training option "seed" must be an integer, got ${JSON.stringify(o.seed)}`);
  if (o.sampling !== "positives+k" && o.sampling !== "full") {
    throw new ConfigError(`training option "sampling" must be "positives+k" or "full", got ${JSON.stringify(o.sampling)}`);
  }
  if (!o.hidden.every((h) => Number.isInteger(h) && h > 0)) {
    throw new ConfigError(`training option "hidden" must be a list of positive integers, got ${JSON.stringify(o.hidden)}`);
  }
  getObjective(o.objective);
  return o;
}

/**
 * Trains the objective's heads on `data.train`, early-stopping on held-out data, and returns the
 * model restored to its best evaluation. Before the first step it resolves, once, what the
 * objective declared in `needs` (see {@link resolveInputs}): propensities for the training and
 * validation rows, the class prior, and the prompt groups pairs are drawn from. The selection
 * criterion is, in order: the BCE against r* on a clean-labelled validation set when one is given
 * or the objective trains on clean labels (oracle); the held-out observed NLL for objectives that
 * define `observedNll` (implicitrm, naive, recrec-i); otherwise the objective's own held-out loss
 * (`validationLoss`, default its total), over validation pairs for pairwise objectives.
 */
export async function train(data: TrainData, options: Partial<TrainOptions> = {}, hooks: TrainHooks = {}): Promise<TrainResult> {
  const o = resolveTrainOptions(options);
  const objective = getObjective(o.objective);
  let objectiveOptions = resolveObjectiveOptions(objective, o.objectiveOptions);
  validateFeatureSet(data.train, "train");
  validateFeatureSet(data.validation, "validation", data.train.dim);
  if (data.cleanValidation) {
    validateFeatureSet(data.cleanValidation, "clean validation", data.train.dim);
    if (!data.cleanValidation.rStar) throw new DataError("the clean validation set has no clean labels (rStar)", { file: "clean validation", field: "rStar" });
  }
  requireLabels(objective, data.train, "train");
  const samplingLabels = objective.samplingLabel === "r" ? data.train.r : data.train.rStar!;
  if (countPositives(samplingLabels) === 0) {
    throw new DataError(
      `the training split has no positives (${objective.samplingLabel} = 1 in none of ${data.train.n} rows): nothing can be learned; check the rating direction and threshold, or log more feedback`,
      { file: "train", field: objective.samplingLabel },
    );
  }
  const selection: SelectionCriterion =
    data.cleanValidation || objective.needs.cleanLabels ? "clean-validation-bce" : objective.observedNll ? "observed-nll" : "validation-loss";
  const selectionSet = data.cleanValidation ?? data.validation;
  if (selection === "clean-validation-bce") requireLabels({ needs: { cleanLabels: true } }, selectionSet, "validation");

  const prepared = objective.prepare?.(objectiveOptions, data.train);
  if (prepared) objectiveOptions = prepared.options;
  const resolved = resolveInputs(objective, objectiveOptions, data.train, data.validation, o.seed);
  const trainSplit: SplitInputs = { fs: data.train, ...(resolved.train ? { propensity: resolved.train } : {}) };
  const selectionSplit: SplitInputs = { fs: selectionSet, ...(resolved.validation ? { propensity: resolved.validation } : {}) };
  const pairSampler = objective.needs.pairs ? new PairSampler(samplingLabels, data.train.group, objective.needs.pairs) : undefined;
  const validationPairs =
    selection === "validation-loss" && objective.needs.pairs ? validationPairsOf(selectionSet, objective.needs.pairs, o.seed) : undefined;
  const heads = resolveHeadSpecs(objective, objectiveOptions, o, data);
  const readsContext = objective.heads.some((h) => heads[h].input !== "content");
  const context: BatchContext = {
    needs: objective.needs,
    ...(resolved.classPrior !== undefined ? { classPrior: resolved.classPrior } : {}),
    ...(readsContext ? { activity: true } : {}),
  };

  const run = ++runCounter;
  const kinds = Object.fromEntries(objective.heads.map((h) => [h, heads[h].kind])) as Partial<Record<HeadName, HeadKind>>;
  const model = new RewardModel(objective.name, objective.heads, data.train.dim, o.hidden, o.seed, run, kinds, {
    ...(readsContext ? { contextDim: data.train.activity!.dim } : {}),
    heads,
  });
  const optimizers = new Map(objective.heads.map((h) => [h, tf.train.adam(heads[h].lr)] as const));
  const decay = Object.fromEntries(objective.heads.map((h) => [h, heads[h].weightDecay])) as Partial<Record<HeadName, number>>;
  const history: EpochRecord[] = [];
  let best = { loss: Number.POSITIVE_INFINITY, epoch: 0, weights: model.getWeights() };
  let sinceBest = 0;
  let steps = 0;
  let stoppedEarly = false;
  let finished = false;
  let interrupted = false;
  let pairFallbacks = 0;
  let pairsDrawn = 0;
  let firstEpoch = 1;
  let secondsBefore = 0;
  let lastCheckpoint = hooks.lastCheckpoint;
  const { resume } = hooks;
  const checkpointEvery = hooks.checkpointEvery ?? 0;
  if (!(Number.isInteger(checkpointEvery) && checkpointEvery >= 0)) throw new ConfigError(`checkpointEvery must be an integer ≥ 0, got ${checkpointEvery}`);
  const started = Date.now();
  let lastYield = started;

  /** The run's state between two steps (see TrainState). */
  const snapshot = async (epoch: number, batch: number, sums: Map<string, tf.Scalar>, rng: number[]): Promise<TrainState> => {
    const opts: Partial<Record<HeadName, AdamState>> = {};
    for (const h of objective.heads) opts[h] = await captureAdam(optimizers.get(h)!, model.head(h).variables);
    const epochSums: Record<string, number> = {};
    for (const [k, v] of sums) epochSums[k] = v.dataSync()[0]!;
    return {
      format: TRAIN_STATE_FORMAT,
      version: TRAIN_STATE_VERSION,
      objective: objective.name,
      epoch,
      batch,
      steps,
      model: model.getState(),
      optimizers: opts,
      best: { loss: best.loss, epoch: best.epoch, weights: best.weights },
      sinceBest,
      finished,
      stoppedEarly,
      history: history.map((r) => ({ ...r, train: { ...r.train } })),
      epochSums,
      pairFallbacks,
      pairsDrawn,
      rng,
      seconds: secondsBefore + (Date.now() - started) / 1000,
    };
  };
  const checkpoint = async (state: () => Promise<TrainState>, info: CheckpointInfo): Promise<void> => {
    if (!hooks.onCheckpoint) return; // no state is gathered when nobody takes it
    const where = await hooks.onCheckpoint(await state(), info);
    if (typeof where === "string") lastCheckpoint = where;
  };

  try {
    if (resume) {
      await restoreTrainState(resume, model, optimizers, objective);
      history.push(...resume.history);
      best = { loss: resume.best.loss, epoch: resume.best.epoch, weights: resume.best.weights };
      ({ sinceBest, steps, stoppedEarly, finished, pairFallbacks, pairsDrawn } = resume);
      firstEpoch = resume.epoch;
      secondsBefore = resume.seconds;
    }
    for (let epoch = firstEpoch; !finished && epoch <= o.epochs; epoch++) {
      const rng = new Rng(deriveSeed(o.seed, `epoch:${epoch}`));
      const plan = pairSampler ? pairEpoch(pairSampler, o, rng) : rowEpoch(samplingLabels, o, rng);
      const rngState = rng.getState();
      const resumed = resume !== undefined && epoch === resume.epoch && resume.batch > 0 ? resume : undefined;
      if (resumed && !sameRngState(rngState, resumed.rng)) {
        throw new DataError(
          `the checkpoint does not match these rows: epoch ${epoch}'s row order differs from the one it was written with (the data, the split or the seed changed); resume with the same data and config`,
          { field: "rng" },
        );
      }
      if (plan.pairs && !resumed) {
        pairFallbacks += plan.pairs.fallbacks;
        pairsDrawn += plan.pairs.first.length;
      }
      const epochStart = Date.now();
      const sums = new Map<string, tf.Scalar>();
      let batches = 0;
      if (resumed) {
        for (const [k, v] of Object.entries(resumed.epochSums)) sums.set(k, tf.keep(tf.scalar(v, "float32")));
        batches = resumed.batch;
      }
      let index = 0;
      for (const spec of batchesOf(plan, o.batchSize)) {
        if (index++ < batches) continue; // done before the checkpoint this run resumes from
        const where = { step: steps + 1, epoch, batch: batches + 1 };
        const diverged = (what: string): never => {
          throw new DivergenceError(
            `training diverged at step ${where.step} (epoch ${where.epoch}, batch ${where.batch}): ${what}; the weights were not updated. ` +
              `Last good checkpoint: ${lastCheckpoint ?? "none written yet"}. Lower the learning rate (now ${o.lr}), set clipNorm (gradient clipping, now ${o.clipNorm || "off"}), or check the features for extreme values`,
            { ...where, ...(lastCheckpoint !== undefined ? { lastCheckpoint } : {}) },
          );
        };
        const parts = trainStep(model, objective, objectiveOptions, optimizers, trainSplit, spec, context, decay, o.clipNorm, diverged);
        for (const [k, v] of Object.entries(parts)) {
          const prev = sums.get(k);
          sums.set(k, prev ? tf.keep(tf.tidy(() => tf.add(prev, v))) : v);
          if (prev) {
            prev.dispose();
            v.dispose();
          }
        }
        batches++;
        steps++;
        hooks.onStep?.(steps, epoch);
        if (Date.now() - lastYield >= YIELD_EVERY_MS) {
          await yieldToEventLoop(); // lets signals and timers in (SIGINT, SIGTERM → hooks.signal)
          lastYield = Date.now();
        }
        const stop = hooks.signal?.aborted === true;
        if (stop || (checkpointEvery > 0 && steps % checkpointEvery === 0)) {
          await checkpoint(() => snapshot(epoch, batches, sums, rngState), { reason: stop ? "interrupt" : "steps", step: steps });
        }
        if (stop) {
          interrupted = true;
          break;
        }
      }
      if (interrupted) {
        for (const v of sums.values()) v.dispose();
        break;
      }
      const trainParts: Record<string, number> = {};
      for (const [k, v] of sums) {
        trainParts[k] = (await v.data())[0]! / batches;
        v.dispose();
      }
      if (!Number.isFinite(trainParts.total)) {
        throw new TrainingError(
          `the training loss became ${trainParts.total} in epoch ${epoch} (step ${steps}); lower the learning rate (now ${o.lr}) or check the features for extreme values`,
        );
      }
      const selectionLoss = selectionLossOf(model, objective, objectiveOptions, selectionSplit, selection, context, validationPairs);
      if (Number.isNaN(selectionLoss)) {
        throw new TrainingError(`the held-out ${selection} became NaN in epoch ${epoch}; lower the learning rate (now ${o.lr}) or check the validation features`);
      }
      const improved = selectionLoss < best.loss;
      if (improved) {
        best = { loss: selectionLoss, epoch, weights: model.getWeights() };
        sinceBest = 0;
      } else {
        sinceBest++;
      }
      const seconds = (Date.now() - epochStart) / 1000;
      const rowsSeen = plan.rows ? plan.rows.length : 2 * plan.pairs!.first.length;
      const record: EpochRecord = { epoch, steps, train: trainParts, selectionLoss, improved, samplesPerSec: rowsSeen / Math.max(seconds, 1e-3) };
      history.push(record);
      hooks.onEpoch?.(record);
      if (sinceBest >= o.patience) stoppedEarly = true;
      finished = stoppedEarly || epoch === o.epochs;
      await checkpoint(() => snapshot(epoch + 1, 0, new Map(), []), { reason: "evaluation", step: steps, improved });
      await yieldToEventLoop();
      lastYield = Date.now();
      if (hooks.signal?.aborted && !finished) {
        interrupted = true;
        break;
      }
    }
  } catch (e) {
    model.dispose();
    throw e;
  } finally {
    for (const opt of optimizers.values()) opt.dispose();
  }
  model.setWeights(best.weights);
  const diagnostics = objective.heads.includes("activity") ? diagnose(model, data.validation, heads.activity!) : undefined;
  const inputs: ResolvedInputs = { ...resolved.report, ...(prepared?.report ? { objective: prepared.report } : {}) };
  if (objective.needs.pairs) {
    inputs.pairs = {
      partner: objective.needs.pairs,
      groups: data.train.group !== undefined,
      fallbackShare: pairsDrawn > 0 ? pairFallbacks / pairsDrawn : 0,
      ...(validationPairs ? { validationPairs: validationPairs.first.length } : {}),
    };
  }
  return {
    model,
    history,
    bestEpoch: best.epoch,
    bestSelectionLoss: best.loss,
    selection,
    steps,
    seconds: secondsBefore + (Date.now() - started) / 1000,
    stoppedEarly,
    inputs,
    interrupted,
    ...(diagnostics ? { diagnostics } : {}),
  };
}

/** A head as the training loop builds it: every field resolved. */
export interface ResolvedHeadSpec {
  kind: HeadKind;
  hidden: number[];
  input: Exclude<HeadInput, "auto">;
  initLogit?: number;
  weightDecay: number;
  lr: number;
}

/**
 * Resolves each head's spec: the objective's `headSpecs` for its options over `headKinds` over the
 * training options. Input 'auto' becomes 'context' when the training rows carry an activity block,
 * else 'content'. A head that reads the activity block needs it on every split, with one dimension:
 * else a DataError saying which split lacks it.
 */
export function resolveHeadSpecs(
  objective: Objective<object>,
  options: object,
  o: TrainOptions,
  data: Pick<TrainData, "train" | "validation" | "cleanValidation">,
): Record<HeadName, ResolvedHeadSpec> {
  const declared: Partial<Record<HeadName, HeadSpec>> = objective.headSpecs?.(options) ?? {};
  const out = {} as Record<HeadName, ResolvedHeadSpec>;
  for (const h of objective.heads) {
    const spec = declared[h] ?? {};
    const kind = spec.kind ?? objective.headKinds?.[h] ?? "mlp";
    let input = spec.input ?? "content";
    if (input === "auto") input = data.train.activity ? "context" : "content";
    if (input !== "content") {
      for (const [name, fs] of [["train", data.train], ["validation", data.validation], ["clean validation", data.cleanValidation]] as const) {
        if (!fs) continue;
        if (!fs.activity) {
          throw new DataError(
            `the ${h} head reads the activity features ('${input}'), but the ${name} split has none; give every split an activity block (response length, position, user activity...) or use 'content'`,
            { file: name, field: "activity" },
          );
        }
        if (fs.activity.dim !== data.train.activity!.dim) {
          throw new DataError(`activity feature dimension ${fs.activity.dim} does not match the training split's ${data.train.activity!.dim}`, {
            file: name,
            field: "activity",
          });
        }
      }
    }
    out[h] = {
      kind,
      hidden: [...(spec.hidden ?? o.hidden)],
      input,
      ...(spec.initLogit !== undefined ? { initLogit: spec.initLogit } : {}),
      weightDecay: spec.weightDecay ?? o.weightDecay,
      lr: spec.lr ?? o.lr,
    };
  }
  return out;
}

/** Identifiability diagnostics of the kept model on the validation split (reward vs activity head). */
function diagnose(model: RewardModel, fs: RowSource, activity: ResolvedHeadSpec): HeadDiagnostics {
  const reward = predictRows(model, fs, "reward");
  const act = predictRows(model, fs, "activity");
  const head = activity.kind === "constant" ? "scalar" : activity.hidden.length === 0 ? "linear" : "mlp";
  return headDiagnostics(reward, act, fs, { split: "validation", activityInputs: activity.input, activityHead: head });
}

function requireLabels(objective: Pick<Objective<object>, "needs">, fs: RowSource, name: string): void {
  if (objective.needs.cleanLabels && !fs.rStar) {
    throw new DataError(`this objective needs clean labels (rStar) on the ${name} split, which has none`, { file: name, field: "rStar" });
  }
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

/**
 * Resolves what an objective's `needs` ask for, once per run. Propensity (objectives with
 * `needs.propensity`, options `propensity` and `clipMin`): 'oracle' reads `FeatureSet.propensity`
 * of the training and validation rows (a DataError when a split has none); 'estimated' fits
 * `estimatePropensity` on the training rows' x and r and predicts both splits; a number is used for
 * every row; then every π is clipped to [clipMin, 1]. Class prior (objectives with
 * `needs.classPrior`, option `classPrior`): the number given, or `estimateClassPrior` fitted on the
 * training rows and averaged over the validation rows with r = 1 (their observed feedback only).
 * Without `validation` only the training rows' propensities are resolved and an estimated class
 * prior is a ConfigError.
 */
export function resolveInputs(
  objective: Objective<object>,
  options: object,
  train: RowSource,
  validation: RowSource | undefined,
  seed: number,
): { train?: Float32Array; validation?: Float32Array; classPrior?: number; report: ResolvedInputs } {
  const report: ResolvedInputs = {};
  const out: { train?: Float32Array; validation?: Float32Array; classPrior?: number; report: ResolvedInputs } = { report };
  const opts = options as Partial<PropensityOptions & ClassPriorOptions>;
  if (objective.needs.propensity) {
    const source = opts.propensity;
    const clipMin = opts.clipMin;
    if (source === undefined || clipMin === undefined) throw new ConfigError(`objective "${objective.name}" needs the options propensity and clipMin`);
    let scale: number | undefined;
    const splits: Array<[string, RowSource]> = [["train", train], ...(validation ? [["validation", validation] as [string, RowSource]] : [])];
    let values: Float32Array[];
    if (source === "oracle") {
      values = splits.map(([name, fs]) => {
        if (!fs.propensity) {
          throw new DataError(
            `objective "${objective.name}" with propensity 'oracle' needs the true propensities on the ${name} split, which has none (only simulated data carry them); use propensity 'estimated' or a number`,
            { file: name, field: "propensity" },
          );
        }
        return Float32Array.from(fs.propensity);
      });
    } else if (source === "estimated") {
      const what = `objective "${objective.name}" with propensity 'estimated'`;
      const estimator = estimatePropensity(requireInMemory(train, what), { classifier: { seed: deriveSeed(seed, "propensity-estimator") } });
      try {
        values = splits.map(([, fs]) => estimator.predict(requireInMemory(fs, what).features));
        scale = estimator.scale;
      } finally {
        estimator.dispose();
      }
    } else {
      values = splits.map(([, fs]) => new Float32Array(fs.n).fill(source));
    }
    let clipped = 0;
    for (const [k, v] of values.entries()) {
      for (let i = 0; i < v.length; i++) {
        const p = v[i]!;
        if (k === 0 && p < clipMin) clipped++;
        v[i] = Math.min(1, Math.max(clipMin, p));
      }
    }
    const trainValues = values[0]!;
    out.train = trainValues;
    if (validation) out.validation = values[1]!;
    let sum = 0;
    for (let i = 0; i < trainValues.length; i++) sum += trainValues[i]!;
    report.propensity = {
      source: typeof source === "number" ? "constant" : source,
      clipMin,
      mean: sum / trainValues.length,
      clippedShare: clipped / trainValues.length,
      ...(scale !== undefined ? { scale } : {}),
    };
  }
  if (objective.needs.classPrior) {
    const given = opts.classPrior;
    if (given === undefined) throw new ConfigError(`objective "${objective.name}" needs the option classPrior`);
    if (given === "estimated") {
      const heldOut = validation;
      if (!heldOut) throw new ConfigError(`objective "${objective.name}" with classPrior 'estimated' needs the validation split's observed feedback`);
      const what = `objective "${objective.name}" with classPrior 'estimated'`;
      const est = estimateClassPrior(requireInMemory(train, what), requireInMemory(heldOut, what), { seed: deriveSeed(seed, "class-prior-estimator") });
      out.classPrior = est.classPrior;
      report.classPrior = { source: "estimated", value: est.classPrior, c: est.c };
    } else {
      out.classPrior = given;
      report.classPrior = { source: "given", value: given };
    }
  }
  return out;
}

/** One split's rows with the propensities resolved for it. */
interface SplitInputs {
  fs: RowSource;
  propensity?: Float32Array;
}

/** Run-level inputs every batch gets. */
interface BatchContext {
  needs: ObjectiveNeeds;
  classPrior?: number;
  /** Gather the rows' activity block too (a head reads it). */
  activity?: boolean;
}

/** An epoch's sampling: independent rows (with importance weights under 'positives+k'), or pairs. */
interface EpochPlan {
  rows?: Int32Array;
  weight?: Float32Array;
  pairs?: RowPairs;
}

/** One minibatch: rows (for pairs, the m anchors then their m partners) and per-row weights. */
interface BatchSpec {
  rows: Int32Array;
  weight?: Float32Array;
  /** m: the batch holds m pairs, rows[t] paired with rows[m + t]. */
  pairCount?: number;
}

/**
 * Row order of one epoch: all rows ('full'), or all positives plus round(k × positives) negatives
 * drawn with replacement ('positives+k'), shuffled. Under 'positives+k' each row also gets the
 * importance weight that makes the epoch's weighted mean equal the mean over the split: with P
 * positives, N negatives and N' drawn, n = P + N and E = P + N', w = E/n for a positive and
 * (N/n)·E/N' for a negative (their mean over the epoch is 1).
 */
function rowEpoch(labels: Uint8Array, o: TrainOptions, rng: Rng): EpochPlan {
  if (o.sampling === "full") {
    const all = new Int32Array(labels.length);
    for (let i = 0; i < all.length; i++) all[i] = i;
    return { rows: rng.shuffle(all) };
  }
  const pos: number[] = [];
  const neg: number[] = [];
  for (let i = 0; i < labels.length; i++) (labels[i] === 1 ? pos : neg).push(i);
  const nNeg = neg.length === 0 ? 0 : Math.round(o.negativesPerPositive * pos.length);
  const order = new Int32Array(pos.length + nNeg);
  order.set(pos);
  for (let j = 0; j < nNeg; j++) order[pos.length + j] = neg[rng.int(neg.length)]!;
  rng.shuffle(order);
  const n = labels.length;
  const e = order.length;
  const wPos = e / n;
  const wNeg = nNeg > 0 ? ((neg.length / n) * e) / nNeg : 0;
  const weight = new Float32Array(e);
  for (let t = 0; t < e; t++) weight[t] = labels[order[t]!] === 1 ? wPos : wNeg;
  return { rows: order, weight };
}

/**
 * Pairs of one epoch for pairwise objectives: every positive is an anchor once ('full') or
 * round(k × positives) anchors are taken cycling through the shuffled positives ('positives+k',
 * so k partners per positive, the same number of partner draws as the pointwise sampler's negatives);
 * each anchor gets a partner from {@link PairSampler} (same prompt group, fallback: whole split).
 */
function pairEpoch(sampler: PairSampler, o: TrainOptions, rng: Rng): EpochPlan {
  const positives = rng.shuffle(sampler.anchors());
  const m = o.sampling === "full" ? positives.length : Math.max(positives.length, Math.round(o.negativesPerPositive * positives.length));
  const anchors = new Int32Array(m);
  for (let t = 0; t < m; t++) anchors[t] = positives[t % positives.length]!;
  if (m > positives.length) rng.shuffle(anchors);
  return { pairs: sampler.sample(anchors, rng, "train") };
}

/** The fixed validation pairs of pairwise objectives: every validation positive once, seeded. */
function validationPairsOf(fs: RowSource, partner: PairPartner, seed: number): RowPairs {
  const sampler = new PairSampler(fs.r, fs.group, partner);
  const anchors = sampler.anchors();
  if (anchors.length === 0) {
    throw new DataError("the validation split has no rows with feedback (r = 1): a pairwise objective selects on held-out pairs anchored at them", {
      file: "validation",
      field: "r",
    });
  }
  return sampler.sample(anchors, new Rng(deriveSeed(seed, "validation-pairs")), "validation");
}

/** Minibatches of an epoch: batchSize rows, or ⌈batchSize/2⌉ pairs (batchSize rows) for pairs. */
function* batchesOf(plan: EpochPlan, batchSize: number): Generator<BatchSpec> {
  if (plan.rows) {
    for (let start = 0; start < plan.rows.length; start += batchSize) {
      const end = Math.min(plan.rows.length, start + batchSize);
      yield { rows: plan.rows.subarray(start, end), ...(plan.weight ? { weight: plan.weight.subarray(start, end) } : {}) };
    }
    return;
  }
  const { first, second } = plan.pairs!;
  const per = Math.max(1, Math.ceil(batchSize / 2));
  for (let start = 0; start < first.length; start += per) {
    yield pairBatch(first, second, start, Math.min(first.length, start + per));
  }
}

function pairBatch(first: Int32Array, second: Int32Array, start: number, end: number): BatchSpec {
  const m = end - start;
  const rows = new Int32Array(2 * m);
  rows.set(first.subarray(start, end));
  rows.set(second.subarray(start, end), m);
  return { rows, pairCount: m };
}

/** Gathers a batch's rows into tensors, with what the objective's `needs` ask for. */
function batchTensors(
  split: SplitInputs,
  spec: BatchSpec,
  context: BatchContext,
  cleanLabels = context.needs.cleanLabels === true,
): { x: tf.Tensor2D; ctx?: tf.Tensor2D; batch: Omit<ObjectiveBatch, "logits"> } {
  const { fs } = split;
  const { rows } = spec;
  const n = rows.length;
  const d = fs.dim;
  const x = new Float32Array(n * d);
  const block = context.activity ? fs.activity : undefined;
  if (context.activity && !block) throw new TrainingError("internal: a head reads the activity block, which this split lacks");
  const ctx = block ? new Float32Array(n * block.dim) : undefined;
  const r = new Float32Array(n);
  const rStar = cleanLabels ? new Float32Array(n) : undefined;
  const prop = context.needs.propensity ? new Float32Array(n) : undefined;
  if (prop && !split.propensity) throw new TrainingError("internal: propensities were not resolved for this split");
  gatherRows(fs, rows, x);
  for (let i = 0; i < n; i++) {
    const row = rows[i]!;
    if (ctx) ctx.set(block!.features.subarray(row * block!.dim, (row + 1) * block!.dim), i * block!.dim);
    r[i] = fs.r[row]!;
    if (rStar) rStar[i] = fs.rStar![row]!;
    if (prop) prop[i] = split.propensity![row]!;
  }
  return {
    x: tf.tensor2d(x, [n, d]),
    ...(ctx ? { ctx: tf.tensor2d(ctx, [n, block!.dim]) } : {}),
    batch: {
      r: tf.tensor1d(r),
      ...(rStar ? { rStar: tf.tensor1d(rStar) } : {}),
      ...(prop ? { propensity: tf.tensor1d(prop) } : {}),
      ...(context.needs.classPrior && context.classPrior !== undefined ? { classPrior: context.classPrior } : {}),
      ...(spec.weight ? { weight: tf.tensor1d(spec.weight) } : {}),
      ...(spec.pairCount !== undefined ? { pairs: { count: spec.pairCount } } : {}),
    },
  };
}

/** One optimizer step per head; returns the batch's loss parts (kept scalars the caller disposes). */
function trainStep(
  model: RewardModel,
  objective: Objective<object>,
  options: object,
  optimizers: Map<HeadName, tf.Optimizer>,
  split: SplitInputs,
  spec: BatchSpec,
  context: BatchContext,
  weightDecay: Partial<Record<HeadName, number>>,
  clipNorm: number,
  diverged: (what: string) => never,
): Record<string, tf.Scalar> {
  return tf.tidy(() => {
    const { x, ctx, batch } = batchTensors(split, spec, context);
    const parts: Record<string, tf.Scalar> = {};
    const { value, grads } = tf.variableGrads(() => {
      const logits = model.logitsOf(x, ctx);
      const { total, ...rest } = objective.loss({ ...batch, logits }, options);
      // variableGrads disposes everything but its value: keep the other parts for reporting.
      for (const [k, v] of Object.entries(rest)) parts[k] = tf.keep(v);
      return total;
    }, model.variables);
    parts.total = value;
    const headGrads = objective.heads.map((head) =>
      model.head(head).variables.map((v) => {
        const g = grads[v.name];
        if (!g) throw new TrainingError(`objective "${objective.name}" gave no gradient to the ${head} head's ${v.name}: its loss must use every head it declares`);
        return g;
      }),
    );
    // Divergence guard, before any update: the loss and each head's squared gradient norm, read at once.
    const health = tf.stack([value, ...headGrads.map((gs) => tf.addN(gs.map((g) => tf.sum(tf.square(g)))))]).dataSync();
    const bad = (what: string): never => {
      for (const [k, v] of Object.entries(parts)) if (k !== "total") v.dispose();
      return diverged(what);
    };
    if (!Number.isFinite(health[0]!)) bad(`the loss is ${health[0]}`);
    objective.heads.forEach((head, k) => {
      const g2 = health[k + 1]!;
      if (!Number.isFinite(g2)) bad(`the gradient of the ${head} head is not finite (its squared norm is ${g2})`);
      const norm = Math.sqrt(g2);
      const scale = clipNorm > 0 && norm > clipNorm ? clipNorm / norm : 1;
      const wd = weightDecay[head] ?? 0;
      const named: tf.NamedTensorMap = {};
      model.head(head).variables.forEach((v, i) => {
        const g = scale !== 1 ? tf.mul(headGrads[k]![i]!, scale) : headGrads[k]![i]!;
        named[v.name] = wd > 0 ? tf.add(g, tf.mul(v, wd)) : g;
      });
      optimizers.get(head)!.applyGradients(named);
    });
    return parts;
  });
}

/** Milliseconds of training between two yields to the event loop (so signals are seen mid-epoch). */
const YIELD_EVERY_MS = 200;

function sameRngState(a: readonly number[], b: readonly number[]): boolean {
  return a.length >= 4 && b.length >= 4 && [0, 1, 2, 3].every((i) => a[i] === b[i]);
}

/**
 * Puts a {@link TrainState} into a freshly built model and its optimizers, checking that it belongs
 * to this objective and that every shape matches (a DataError saying what differs).
 */
async function restoreTrainState(state: TrainState, model: RewardModel, optimizers: Map<HeadName, tf.Optimizer>, objective: Objective<object>): Promise<void> {
  if (state.format !== TRAIN_STATE_FORMAT || state.version !== TRAIN_STATE_VERSION) {
    throw new DataError(`not a training state this version can resume (format ${String(state.format)} version ${String(state.version)}, expected ${TRAIN_STATE_FORMAT} ${TRAIN_STATE_VERSION})`);
  }
  if (state.objective !== objective.name) throw new DataError(`the checkpoint trains objective "${state.objective}", not "${objective.name}"`, { field: "objective" });
  const heads = Object.keys(state.model.heads).sort().join(", ");
  if (heads !== [...objective.heads].sort().join(", ")) throw new DataError(`the checkpoint has heads ${heads}, this objective ${objective.heads.join(", ")}`, { field: "heads" });
  if (state.model.inputDim !== model.inputDim) {
    throw new DataError(`the checkpoint was trained on ${state.model.inputDim}-dimensional features, these rows have ${model.inputDim}`, { field: "inputDim" });
  }
  try {
    model.setWeights(state.model.heads);
    model.setWeights(state.best.weights); // shape check of the best weights too
    model.setWeights(state.model.heads);
  } catch (e) {
    throw new DataError(`the checkpoint's weights do not fit this model: ${(e as Error).message}`, { field: "weights" }, { cause: e });
  }
  for (const h of objective.heads) {
    const s = state.optimizers[h];
    if (!s) throw new DataError(`the checkpoint has no optimizer state for the ${h} head`, { field: "optimizers" });
    await restoreAdam(optimizers.get(h)!, model.head(h).variables, s, `the ${h} head`);
  }
}

const EVAL_CHUNK = 4096;

/** Mean held-out loss used to pick the epoch to keep. */
function selectionLossOf(
  model: RewardModel,
  objective: Objective<object>,
  options: object,
  split: SplitInputs,
  selection: SelectionCriterion,
  context: BatchContext,
  validationPairs: RowPairs | undefined,
): number {
  const fs = split.fs;
  if (selection === "validation-loss" && validationPairs) {
    const { first, second } = validationPairs;
    const per = EVAL_CHUNK / 2;
    let sum = 0;
    for (let start = 0; start < first.length; start += per) {
      const spec = pairBatch(first, second, start, Math.min(first.length, start + per));
      sum += tf.tidy(() => {
        const { x, ctx, batch } = batchTensors(split, spec, context);
        return tf.mul(heldOutLoss(objective, { ...batch, logits: model.logitsOf(x, ctx) }, options), spec.pairCount!).dataSync()[0]!;
      });
    }
    return sum / first.length;
  }
  let sum = 0;
  for (let start = 0; start < fs.n; start += EVAL_CHUNK) {
    const spec: BatchSpec = { rows: rangeRows(start, Math.min(fs.n, start + EVAL_CHUNK)) };
    sum += tf.tidy(() => {
      const clean = selection === "clean-validation-bce";
      const { x, ctx, batch } = batchTensors(split, spec, clean ? { needs: { cleanLabels: true }, ...(context.activity ? { activity: true } : {}) } : context, clean);
      const logits = model.logitsOf(x, ctx);
      let total: tf.Tensor;
      if (clean) total = tf.sum(bceWithLogits(logits.reward!, batch.rStar!));
      else if (selection === "observed-nll") total = tf.sum(objective.observedNll!({ ...batch, logits }, options));
      else total = tf.mul(heldOutLoss(objective, { ...batch, logits }, options), spec.rows.length);
      return total.dataSync()[0]!;
    });
  }
  return sum / fs.n;
}

/** The objective's held-out criterion on one batch: `validationLoss`, else the loss total. */
function heldOutLoss(objective: Objective<object>, batch: ObjectiveBatch, options: object): tf.Scalar {
  return objective.validationLoss ? objective.validationLoss(batch, options) : objective.loss(batch, options).total;
}

function rangeRows(start: number, end: number): Int32Array {
  const rows = new Int32Array(end - start);
  for (let i = 0; i < rows.length; i++) rows[i] = start + i;
  return rows;
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** Serialised model: the objective, the architecture and every head's weights. */
export interface RewardModelState {
  objective: string;
  inputDim: number;
  hidden: number[];
  heads: Partial<Record<HeadName, HeadWeights>>;
  /** Dimension of the activity block, when a head reads it. */
  contextDim?: number;
  /** Heads that read the activity block ('context' or 'both'); heads not listed read the content features. */
  inputs?: Partial<Record<HeadName, "context" | "both">>;
}

/** Per-head layout of a {@link RewardModel}: what each head reads, its widths and initial output logit. */
export interface ModelLayout {
  /** Dimension of the activity block (required when a head reads it). */
  contextDim?: number;
  heads?: Partial<Record<HeadName, { input?: Exclude<HeadInput, "auto">; hidden?: readonly number[]; initLogit?: number }>>;
}

/**
 * The trained heads. `predict` gives r̂ = σ(f(x)) ≈ P(r* = 1 | x), the reward probability; the
 * other heads (activity, imputation) are kept for diagnostics and checkpoints.
 */
export class RewardModel {
  readonly objective: string;
  readonly inputDim: number;
  readonly hidden: readonly number[];
  /** Dimension of the activity block the heads that read it expect (0 when none does). */
  readonly contextDim: number;
  private readonly heads = new Map<HeadName, Head>();
  private readonly inputs = new Map<HeadName, Exclude<HeadInput, "auto">>();

  /**
   * @param inputDim content feature dimension D
   * @param hidden hidden widths of every 'mlp' head unless `layout` gives the head its own
   * @param kinds architecture per head (default 'mlp' for every head; 'constant' is one learnable
   *   scalar logit, initialised at 0)
   * @param layout per head: what it reads ('content' by default; 'context' the activity block of
   *   dimension `layout.contextDim`; 'both' the two concatenated), its hidden widths, and the initial
   *   value of its output bias (a logit)
   */
  constructor(
    objective: string,
    heads: readonly HeadName[],
    inputDim: number,
    hidden: readonly number[],
    seed: number,
    run = ++runCounter,
    kinds: Partial<Record<HeadName, HeadKind>> = {},
    layout: ModelLayout = {},
  ) {
    this.objective = objective;
    this.inputDim = inputDim;
    this.hidden = [...hidden];
    this.contextDim = layout.contextDim ?? 0;
    for (const h of heads) {
      const spec = layout.heads?.[h] ?? {};
      const input = spec.input ?? "content";
      if (input !== "content" && !(Number.isInteger(this.contextDim) && this.contextDim > 0)) {
        throw new ConfigError(`the ${h} head reads the activity features ('${input}'), so the model needs their dimension (layout.contextDim)`);
      }
      const dim = input === "content" ? inputDim : input === "context" ? this.contextDim : inputDim + this.contextDim;
      const widths = spec.hidden ?? hidden;
      const name = `implicitrm${run}/${h}`;
      let head: Head;
      if (kinds[h] === "constant") head = new ConstantHead(dim, widths, name, spec.initLogit ?? 0);
      else {
        head = new MlpHead(dim, widths, deriveSeed(seed, `init:${h}`), name);
        if (spec.initLogit !== undefined) {
          const w = head.getWeights();
          w.layers[w.layers.length - 1]!.bias[0] = spec.initLogit;
          head.setWeights(w);
        }
      }
      this.heads.set(h, head);
      this.inputs.set(h, input);
    }
  }

  /**
   * Rebuilds a model from `getState()` output (a head whose weights say `kind: 'constant'` becomes a
   * ConstantHead; each head takes its widths from its weights and its input from `state.inputs`).
   */
  static fromState(state: RewardModelState): RewardModel {
    const names = Object.keys(state.heads) as HeadName[];
    const kinds: Partial<Record<HeadName, HeadKind>> = {};
    const heads: NonNullable<ModelLayout["heads"]> = {};
    for (const name of names) {
      const w = state.heads[name]!;
      if (w.kind === "constant") kinds[name] = "constant";
      heads[name] = { hidden: w.hidden ?? state.hidden, ...(state.inputs?.[name] ? { input: state.inputs[name] } : {}) };
    }
    const layout: ModelLayout = { heads, ...(state.contextDim ? { contextDim: state.contextDim } : {}) };
    const model = new RewardModel(state.objective, names, state.inputDim, state.hidden, 0, ++runCounter, kinds, layout);
    model.setWeights(state.heads);
    return model;
  }

  /** What a head reads: 'content', 'context' (the activity block) or 'both'. */
  inputOf(name: HeadName): Exclude<HeadInput, "auto"> {
    this.head(name);
    return this.inputs.get(name)!;
  }

  get headNames(): HeadName[] {
    return [...this.heads.keys()];
  }

  head(name: HeadName): Head {
    const h = this.heads.get(name);
    if (!h) throw new ConfigError(`this ${this.objective} model has no ${name} head`);
    return h;
  }

  get variables(): tf.Variable[] {
    return [...this.heads.values()].flatMap((h) => h.variables);
  }

  /**
   * Logits of every head for a batch: x [n, D] the content features, ctx [n, contextDim] the
   * activity block (needed when a head reads it).
   */
  logitsOf(x: tf.Tensor2D, ctx?: tf.Tensor2D): Partial<Record<HeadName, tf.Tensor1D>> {
    const out: Partial<Record<HeadName, tf.Tensor1D>> = {};
    for (const [name, h] of this.heads) out[name] = h.apply(this.headInput(name, x, ctx));
    return out;
  }

  private headInput(name: HeadName, x: tf.Tensor2D, ctx: tf.Tensor2D | undefined): tf.Tensor2D {
    const input = this.inputs.get(name)!;
    if (input === "content") return x;
    if (!ctx) throw new DataError(`the ${name} head reads the activity features ('${input}'), which were not given`);
    return input === "context" ? ctx : tf.concat([x, ctx], 1);
  }

  /**
   * Logits of one head for n rows of row-major features, in chunks. A head that reads the activity
   * block needs `activity` (n × contextDim, row-major) too.
   */
  predictLogits(features: Float32Array, head: HeadName = "reward", activity?: Float32Array): Float32Array {
    const n = features.length / this.inputDim;
    if (!Number.isInteger(n)) throw new DataError(`feature array of length ${features.length} is not a multiple of the model's dimension ${this.inputDim}`);
    const h = this.head(head);
    const c = this.contextDim;
    if (this.inputs.get(head) !== "content" && (!activity || activity.length !== n * c)) {
      throw new DataError(
        `the ${head} head reads the activity features: give ${n} × ${c} activity values${activity ? `, not ${activity.length}` : ""} (FeatureSet.activity.features)`,
      );
    }
    const out = new Float32Array(n);
    for (let start = 0; start < n; start += EVAL_CHUNK) {
      const end = Math.min(n, start + EVAL_CHUNK);
      const logits = tf.tidy(() => {
        const x = tf.tensor2d(features.subarray(start * this.inputDim, end * this.inputDim), [end - start, this.inputDim]);
        const ctx = activity && c > 0 ? tf.tensor2d(activity.subarray(start * c, end * c), [end - start, c]) : undefined;
        return h.apply(this.headInput(head, x, ctx));
      });
      out.set(logits.dataSync(), start);
      logits.dispose();
    }
    return out;
  }

  /** r̂ = σ(f(x)) for n rows of row-major features (and their activity block, for a head that reads it). */
  predict(features: Float32Array, head: HeadName = "reward", activity?: Float32Array): Float32Array {
    const z = this.predictLogits(features, head, activity);
    for (let i = 0; i < z.length; i++) z[i] = 1 / (1 + Math.exp(-z[i]!));
    return z;
  }

  getWeights(): Partial<Record<HeadName, HeadWeights>> {
    const out: Partial<Record<HeadName, HeadWeights>> = {};
    for (const [name, h] of this.heads) out[name] = h.getWeights();
    return out;
  }

  setWeights(weights: Partial<Record<HeadName, HeadWeights>>): void {
    for (const [name, h] of this.heads) {
      const w = weights[name];
      if (!w) throw new DataError(`weights for the ${name} head are missing`);
      h.setWeights(w);
    }
  }

  getState(): RewardModelState {
    const inputs: Partial<Record<HeadName, "context" | "both">> = {};
    for (const [name, input] of this.inputs) if (input !== "content") inputs[name] = input;
    return {
      objective: this.objective,
      inputDim: this.inputDim,
      hidden: [...this.hidden],
      heads: this.getWeights(),
      ...(Object.keys(inputs).length ? { contextDim: this.contextDim, inputs } : {}),
    };
  }

  dispose(): void {
    for (const h of this.heads.values()) h.dispose();
  }
}
