/**
 * The normalised JSONL layout of `../shared/data`: `{id, prompt, response, ratings: {...},
 * meta: {prompt_id, ...}}`, read with the same row parser as `parseNormalizedJsonl`.
 */
import { ConfigError } from "@implicitrm/core/errors";
import { type NormalizedState, normalizedFromObject } from "../normalized.js";
import { type SourceRecord, isRecord } from "../records.js";
import type { RatedDataset, RatingDirection, RatingScale } from "../types.js";
import {
  type AdapterInternals,
  type CommonAdapterOptions,
  checkDeclared,
  checkDirection,
  checkScale,
  makeSink,
  sourceOf,
} from "./common.js";

/**
 * Ratings of the normalised files in `../shared/data` with their declared scale and direction (see the
 * folders' READMEs). Other rating keys need `direction` (and optionally `scale`) from the caller.
 */
export const KNOWN_NORMALIZED_RATINGS: Readonly<Record<string, RatingScale>> = {
  uf_score: { min: 1, max: 10, direction: "higher-better" },
  win_prob_vs_gpt4_turbo: { min: 0, max: 1, direction: "higher-better" },
  preference_raw: { min: 1, max: 2, direction: "higher-better" },
  human_preferred: { min: 0, max: 1, direction: "higher-better" },
};

/** Options of {@link adaptNormalized}. */
export interface NormalizedOptions extends CommonAdapterOptions {
  /** Key of `ratings`; required when rows have several (ConfigError otherwise). */
  ratingField?: string;
  /** Required for rating keys not in {@link KNOWN_NORMALIZED_RATINGS}; must agree with it otherwise. */
  direction?: RatingDirection;
  /** Declared range for unknown keys (rows outside it are bad rows); default: the observed range, unchecked. */
  scale?: { min: number; max: number };
}

/**
 * Adapts normalised-layout records: one RatedExample per record with its own id, promptId =
 * `meta.prompt_id`, meta = the record's `meta`. Scale and direction come from
 * {@link KNOWN_NORMALIZED_RATINGS} for the shared files' ratings, else from the options. Bad rows:
 * missing/mistyped fields, non-finite ratings, ratings outside a declared scale, duplicate ids.
 */
export function adaptNormalized(
  records: readonly SourceRecord[],
  opts: NormalizedOptions = {},
  internals?: AdapterInternals,
): RatedDataset {
  const field = opts.ratingField ?? firstRatingKey(records);
  let direction: RatingDirection;
  let range: { min: number; max: number } | undefined;
  const known = field === undefined ? undefined : KNOWN_NORMALIZED_RATINGS[field];
  if (known) {
    checkDeclared("normalized", field!, known, opts);
    direction = known.direction;
    range = { min: known.min, max: known.max };
  } else if (field !== undefined) {
    direction = checkDirection(opts.direction, `the rating "${field}" of the normalised layout`);
    range = checkScale(opts.scale);
  } else {
    // no row has a rating key: every row is bad (or there are none)
    direction = opts.direction ?? "higher-better";
  }
  const sink = makeSink(opts, internals, range);
  const state: NormalizedState = { ratingField: field };
  for (const rec of records) {
    sink.each(rec, () => {
      const r = normalizedFromObject(rec.value, state, rec.line !== undefined ? `${rec.file}:${rec.line}` : `${rec.file} row ${rec.row}`);
      sink.push(
        { id: r.id, prompt: r.prompt, response: r.response, rating: r.rating, promptId: r.promptId, meta: r.meta },
        `ratings.${state.ratingField}`,
      );
    });
  }
  return sink.finish("normalized", sourceOf(records, opts), field ?? "", direction);
}

/**
 * The rating key when none was given: the single key of the first row with a non-empty `ratings`
 * object; ConfigError when that row has several keys (the caller must choose).
 */
function firstRatingKey(records: readonly SourceRecord[]): string | undefined {
  for (const rec of records) {
    const ratings = rec.value["ratings"];
    if (!isRecord(ratings)) continue;
    const keys = Object.keys(ratings);
    if (keys.length === 0) continue;
    if (keys.length > 1) {
      const where = rec.line !== undefined ? `${rec.file}:${rec.line}` : `${rec.file} row ${rec.row}`;
      throw new ConfigError(`${where}: ratings has several keys (${keys.join(", ")}); pass ratingField (--rating-field) to choose one`);
    }
    return keys[0];
  }
  return undefined;
}
