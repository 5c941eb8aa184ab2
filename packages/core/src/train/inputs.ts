/**
 * What a run resolves once, before its first step: each head's spec (kind, widths, what it reads,
 * its learning rate and weight decay) and the nuisance inputs the objective's `needs` ask for
 * (propensities, class prior), with a report of how they were obtained.
 */
import { ConfigError, DataError } from "../errors.js";
import { estimateClassPrior, estimatePropensity } from "../estimators.js";
import type { ClassPriorOptions, HeadInput, HeadKind, HeadName, HeadSpec, Objective, PropensityOptions } from "../objectives/types.js";
import { deriveSeed } from "../random.js";
import { requireInMemory } from "../rows/read.js";
import { countPositives } from "../rows/validate.js";
import type { RowSource } from "../types.js";
import type { TrainOptions } from "./options.js";
import type { ResolvedInputs, TrainData } from "./types.js";

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

/** A DataError when the objective trains on clean labels and the split `name` has none. */
export function requireLabels(objective: Pick<Objective<object>, "needs">, fs: RowSource, name: string): void {
  if (objective.needs.cleanLabels && !fs.rStar) {
    throw new DataError(`this objective needs clean labels (rStar) on the ${name} split, which has none`, { file: name, field: "rStar" });
  }
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

/**
 * The labels epochs are sampled on (r, or r* for objectives that train on clean labels), after
 * checking the training split has them and at least one positive: a DataError saying what to do.
 */
export function checkTrainingLabels(objective: Objective<object>, train: RowSource): Uint8Array {
  requireLabels(objective, train, "train");
  const labels = objective.samplingLabel === "r" ? train.r : train.rStar!;
  if (countPositives(labels) === 0) {
    throw new DataError(
      `the training split has no positives (${objective.samplingLabel} = 1 in none of ${train.n} rows): nothing can be learned; check the rating direction and threshold, or log more feedback`,
      { file: "train", field: objective.samplingLabel },
    );
  }
  return labels;
}
