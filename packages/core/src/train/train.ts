/**
 * The training loop (METHOD §2, Algorithm 1): per minibatch, one forward pass of every head, the
 * objective's loss (ImplicitRM computes its E-step posteriors inside, with gradients stopped), and
 * one Adam step per head with coupled L2. Early stopping on held-out data keeps the best weights.
 * Deterministic for a given seed and backend.
 */
import * as tf from "@tensorflow/tfjs-core";
import { type HeadDiagnostics, headDiagnostics } from "../diagnostics.js";
import { ConfigError, DataError, DivergenceError, TrainingError } from "../errors.js";
import { RewardModel, nextModelId, predictRows } from "../model.js";
import { resolveObjectiveOptions } from "../objectives/options.js";
import { getObjective } from "../objectives/registry.js";
import type { HeadKind, HeadName } from "../objectives/types.js";
import { Rng, deriveSeed } from "../random.js";
import { validateFeatureSet } from "../rows/validate.js";
import type { RowSource } from "../types.js";
import type { BatchContext, SplitInputs } from "./batch.js";
import { type ResolvedHeadSpec, checkTrainingLabels, requireLabels, resolveHeadSpecs, resolveInputs } from "./inputs.js";
import { type TrainOptions, resolveTrainOptions } from "./options.js";
import { PairSampler } from "./pairs.js";
import { captureTrainState, restoreTrainState, sameRngState } from "./resume.js";
import { batchesOf, pairEpoch, rowEpoch, validationPairsOf } from "./sampling.js";
import { selectionCriterion, selectionLossOf } from "./selection.js";
import { trainStep } from "./step.js";
import type { CheckpointInfo, EpochRecord, ResolvedInputs, TrainData, TrainHooks, TrainResult, TrainState } from "./types.js";

/**
 * Trains the objective's heads on `data.train`, early-stopping on held-out data, and returns the
 * model restored to its best evaluation. Before the first step it resolves, once, what the
 * objective declared in `needs` (see inputs.ts): propensities for the training and
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
  const samplingLabels = checkTrainingLabels(objective, data.train);
  const selection = selectionCriterion(objective, data);
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

  const run = nextModelId();
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
  const snapshot = (epoch: number, batch: number, sums: Map<string, tf.Scalar>, rng: number[]): Promise<TrainState> =>
    captureTrainState(model, optimizers, objective, {
      epoch,
      batch,
      steps,
      best,
      sinceBest,
      finished,
      stoppedEarly,
      history,
      sums,
      pairFallbacks,
      pairsDrawn,
      rng,
      seconds: secondsBefore + (Date.now() - started) / 1000,
    });
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
      hooks.onEpoch?.(record, model);
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

/** Identifiability diagnostics of the kept model on the validation split (reward vs activity head). */
function diagnose(model: RewardModel, fs: RowSource, activity: ResolvedHeadSpec): HeadDiagnostics {
  const reward = predictRows(model, fs, "reward");
  const act = predictRows(model, fs, "activity");
  const head = activity.kind === "constant" ? "scalar" : activity.hidden.length === 0 ? "linear" : "mlp";
  return headDiagnostics(reward, act, fs, { split: "validation", activityInputs: activity.input, activityHead: head });
}

/** Milliseconds of training between two yields to the event loop (so signals are seen mid-epoch). */
const YIELD_EVERY_MS = 200;

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
