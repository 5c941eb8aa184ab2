/**
 * The common in-memory records of rated text data and implicit-feedback logs, shared by every adapter.
 * Types only: no runtime code, no I/O.
 */
import type { RatingDirection } from "./simulate.js";

export type { RatingDirection };

/**
 * The declared range and direction of a rating, in the rating's own units. `min`/`max` bound every
 * valid rating (inclusive); `direction` says which end is good. PKU-SafeRLHF severity (0–3, higher is
 * worse) is `{min: 0, max: 3, direction: 'lower-better'}`. Pass it on to `simulateImplicitFeedback`
 * as `{direction, scale: {min, max}}`.
 */
export interface RatingScale {
  min: number;
  max: number;
  direction: RatingDirection;
}

/** One rated response: the unit every adapter produces. */
export interface RatedExample {
  /** Unique within a dataset (from the source where it has ids, otherwise `<prefix>/<record index>[/<side>]`). */
  id: string;
  prompt: string;
  response: string;
  /** The selected rating, a finite number in the units of the dataset's {@link RatingScale}. */
  rating: number;
  /** Responses to the same prompt share it (a source prompt id where there is one, else a hash of the prompt text). */
  promptId: string;
  /** Adapter-specific extras (model, role, source...), for reports; never needed for training. */
  meta?: Record<string, unknown>;
}

/** Why a row was skipped (with `onBadRow: 'skip'`), or the cause of the DataError (with 'fail'). */
export type SkipCause =
  | "badJson"
  | "badCsv"
  | "badUtf8"
  | "missingField"
  | "wrongType"
  | "badRating"
  | "outOfRange"
  | "emptyResponse"
  | "duplicateId"
  | "conflict";

/** Skipped rows per cause; only causes that occurred are present. */
export type SkipCounts = Partial<Record<SkipCause, number>>;

/** What to do with a malformed row: throw a DataError naming file, line and field (default), or drop and count it. */
export type BadRowPolicy = "fail" | "skip";

/** The adapters of {@link loadRatedDataset}. `helpsteer2` is `helpsteer` with another id prefix. */
export type AdapterName =
  | "normalized"
  | "helpsteer"
  | "helpsteer2"
  | "ultrafeedback"
  | "ultrafeedback-binarized"
  | "pku-saferlhf"
  | "hh-rlhf"
  | "generic";

/** A loaded rated dataset: rows plus everything needed to interpret their ratings. */
export interface RatedDataset {
  adapter: AdapterName;
  /** The file(s) or Hugging Face dataset the rows came from. */
  source: string;
  /** Which rating was read, in the adapter's vocabulary (e.g. `helpfulness`, `overall_score`, `severity_level`). */
  ratingField: string;
  /** Declared by the adapter or the options; the observed min/max when nothing declared it (see `scaleObserved`). */
  scale: RatingScale;
  /** True when `scale.min/max` are the observed range because no scale was declared (no range check was done). */
  scaleObserved: boolean;
  rows: RatedExample[];
  /** Rows dropped with `onBadRow: 'skip'`, per cause. */
  skipped: SkipCounts;
  /** Rows kept whose response is empty or whitespace only (allowed unless `requireResponse`). */
  emptyResponses: number;
}

/** One logged impression turned into an implicit-feedback label (see README "Implicit-feedback logs"). */
export interface LoggedExample {
  id: string;
  prompt: string;
  response: string;
  promptId: string;
  /** Observed implicit feedback: 1 when a positive action was taken, else 0 (unobserved or negative). */
  r: 0 | 1;
  /** A negative action (default thumbsDown) was taken: the true preference is known, r* = 0. Implies r = 0. */
  explicitNegative: boolean;
  /** The impression's `context` object (user, time, surface...), `{}` when absent. */
  context: Record<string, unknown>;
}
