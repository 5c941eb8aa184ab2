/**
 * From rows to train / validation / test splits, the last step of a dataset: label (simulate
 * implicit feedback from ratings, or take the logged or given feedback), attach the activity block,
 * and split seeded with prompt groups kept whole. The same rows, seed and settings give the same
 * labels and splits whether the features are in memory or read from a feature store. Pure
 * TypeScript, no I/O.
 */
import { deriveSeed } from "@implicitrm/core/random";
import type { ActivityBlock, RowSource, SplitRowSources } from "@implicitrm/core/types";
import { presentationActivityBlock, simulatePresentation } from "./presentation.js";
import { simulateImplicitFeedback } from "./simulate.js";
import { indexGroups, selectRows, splitIndices } from "./split.js";
import type { RatedDataset } from "./types.js";

/** How implicit feedback is simulated from ratings (METHOD §4). */
export interface SimulationSettings {
  /** Bias strength α (default 0.5; smaller = stronger bias). */
  alpha: number;
  /** Target mean observation propensity (default 0.5). */
  observationRate: number;
  /**
   * Share w ∈ [0, 1] of presentation bias in the simulated propensity (default 0: the paper's
   * protocol, the grade alone drives the action; 1: response length, display position and the
   * user's activity alone drive it). See {@link simulateImplicitFeedback}.
   */
  presentationShare: number;
  /** How presentation and grade parts mix: 'geometric' (default) or 'linear'. */
  presentationMix: "geometric" | "linear";
  /**
   * Probability that a user who acted on a bad response leaves a thumbs-down, an explicit negative
   * (default 0: none, today's protocol); see {@link simulateImplicitFeedback}.
   */
  thumbsDownRate: number;
}

/** The simulator's defaults: α 0.5, observation rate 0.5, no presentation share, geometric mix, no thumbs-down. */
export const DEFAULT_SIMULATION: Readonly<SimulationSettings> = Object.freeze({
  alpha: 0.5,
  observationRate: 0.5,
  presentationShare: 0,
  presentationMix: "geometric" as const,
  thumbsDownRate: 0,
});

/**
 * Text rows after encoding: the features (in memory, or behind `readRows` for a feature store), what
 * the labels are made from, and the prompt groups.
 */
export interface EncodedRows {
  kind: "rated" | "log";
  name: string;
  /** Number of rows. */
  n: number;
  features?: Float32Array;
  readRows?: RowSource["readRows"];
  dim: number;
  ratings?: ArrayLike<number>;
  /** Rated rows: the adapter, the rating read and its declared scale and direction. */
  rated?: { adapter: string; ratingField: string; scale: RatedDataset["scale"] };
  r?: Uint8Array;
  /** Logs: the explicit negatives (thumbs-down rows) of the kept rows, when any row is one. */
  explicitNegative?: Uint8Array;
  /** Prompt of each row, as ids or as group numbers. */
  promptIds: readonly string[] | ArrayLike<number>;
  ids?: string[];
  /** Response length in characters, per kept row. */
  lengths: ArrayLike<number>;
  /** Logs: the activity block of the kept rows (response length and the logged context fields). */
  activity?: ActivityBlock;
}

/**
 * The labels and seeded splits of encoded rows. Rated rows: implicit feedback is simulated from
 * the ratings (METHOD §4; direction and scale from the adapter, α, observation rate and
 * presentation share from `sim`, r* above `s.threshold` on the rescaled grade, null = the
 * simulator's median default), the test split (20 %) keeps the clean r*, and every row gets
 * presentation context (its response length, a display position within its prompt group and a user
 * activity factor drawn from `seed`, see `simulatePresentation`) as its activity block. Logs: r is
 * the logged feedback with the logged activity block, and there is no test split. `s.encoder`
 * is recorded in `info`.
 */
export function splitEncodedRows(enc: EncodedRows, seed: number, sim: SimulationSettings, s: { threshold: number | null; encoder: string }): SplitRowSources {
  const spec = enc.name;
  const n = enc.n;
  const group = indexGroups(enc.promptIds as readonly string[]).index;
  const all: RowSource = {
    n,
    dim: enc.dim,
    ...(enc.features ? { features: enc.features } : { readRows: enc.readRows! }),
    r: new Uint8Array(n),
    group,
    ...(enc.ids ? { ids: enc.ids } : {}),
  };
  const info: Record<string, number | string | boolean> = { source: spec, n, dim: enc.dim, encoder: s.encoder };
  if (enc.kind === "rated") {
    const rated = enc.rated!;
    const shown = simulatePresentation(n, { group, seed: deriveSeed(seed, "presentation") });
    const presentation = { length: enc.lengths, position: shown.position, userActivity: shown.userActivity };
    const simulated = simulateImplicitFeedback(enc.ratings!, {
      direction: rated.scale.direction,
      scale: { min: rated.scale.min, max: rated.scale.max },
      alpha: sim.alpha,
      observationRate: sim.observationRate,
      seed,
      presentation,
      presentationShare: sim.presentationShare ?? 0,
      ...(sim.presentationMix ? { presentationMix: sim.presentationMix } : {}),
      ...(sim.thumbsDownRate ? { thumbsDownRate: sim.thumbsDownRate } : {}),
      ...(s.threshold !== null ? { threshold: s.threshold } : {}),
    });
    all.activity = presentationActivityBlock(presentation);
    info.users = shown.users;
    all.r = simulated.r;
    all.rStar = simulated.rStar;
    all.propensity = simulated.propensity;
    all.grade = simulated.gradeRescaled;
    if (simulated.explicitNegative) all.explicitNegative = simulated.explicitNegative;
    Object.assign(info, { adapter: rated.adapter, ratingField: rated.ratingField, ...simulated.stats });
  } else {
    all.r = enc.r!;
    if (enc.explicitNegative) all.explicitNegative = enc.explicitNegative;
    if (enc.activity) all.activity = enc.activity;
    info.feedbackRate = mean(all.r);
  }
  const split = splitIndices(n, { seed, group, testFraction: enc.kind === "rated" ? 0.2 : 0 });
  return {
    name: spec,
    train: selectRows(all, split.train),
    validation: selectRows(all, split.validation),
    test: selectRows(all, split.test),
    info: { ...info, nTrain: split.train.length, nValidation: split.validation.length, nTest: split.test.length },
  };
}

/**
 * The seeded splits of rows whose feedback is given (a features JSONL file, a feature store of
 * kind 'features'): prompt groups kept whole where rows have them; with clean labels on every row,
 * 20 % test and the rest 80/20 train/validation, without, 80/20 train/validation and an empty test
 * split. `store` marks rows read from a feature store (its encoder and the split sizes go into
 * `info`).
 */
export function splitObservedRows(all: RowSource, name: string, seed: number, store?: { encoder: string }): SplitRowSources {
  const split = splitIndices(all.n, { seed, testFraction: all.rStar ? 0.2 : 0, ...(all.group ? { group: all.group } : {}) });
  return {
    name,
    train: selectRows(all, split.train),
    validation: selectRows(all, split.validation),
    test: selectRows(all, split.test),
    info: {
      source: name,
      ...(store ? { store: true } : {}),
      n: all.n,
      dim: all.dim,
      ...(store ? { encoder: store.encoder } : {}),
      cleanLabels: all.rStar !== undefined,
      feedbackRate: mean(all.r),
      ...(all.activity ? { activityDim: all.activity.dim } : {}),
      ...(store ? { nTrain: split.train.length, nValidation: split.validation.length, nTest: split.test.length } : {}),
    },
  };
}

function mean(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]!;
  return s / a.length;
}
