/**
 * HelpSteer / HelpSteer2 (nvidia): one row per response with five attributes rated 0–4 by annotators.
 * Columns: `prompt, response, helpfulness, correctness, coherence, complexity, verbosity` (integers).
 */
import type { SourceRecord } from "../readers/records.js";
import { hashText } from "../readers/bytes.js";
import type { RatedDataset, RatingDirection } from "../types.js";
import {
  type AdapterInternals,
  type CommonAdapterOptions,
  checkDeclared,
  checkDirection,
  makeSink,
  pickOne,
  rating,
  sourceOf,
  str,
} from "./common.js";

export const HELPSTEER_ATTRIBUTES = ["helpfulness", "correctness", "coherence", "complexity", "verbosity"] as const;
export type HelpSteerAttribute = (typeof HELPSTEER_ATTRIBUTES)[number];

/** Options of {@link adaptHelpSteer}. */
export interface HelpSteerOptions extends CommonAdapterOptions {
  /** The attribute to read. Default `helpfulness`. */
  ratingField?: string;
  /**
   * helpfulness, correctness and coherence are declared higher-better. complexity and verbosity describe
   * the response rather than grade it, so they need an explicit direction (ConfigError otherwise).
   */
  direction?: RatingDirection;
  /** Only `{min: 0, max: 4}` is accepted (the declared scale). */
  scale?: { min: number; max: number };
  /** `helpsteer2` only changes the default id prefix and `RatedDataset.adapter`. */
  variant?: "helpsteer" | "helpsteer2";
}

/**
 * Adapts HelpSteer / HelpSteer2 records: one RatedExample per record with `rating` = the chosen
 * attribute (default helpfulness), scale 0–4, direction higher-better (complexity/verbosity: as given).
 * promptId is a hash of the prompt text (the source has no prompt id; HelpSteer2 has two responses per
 * prompt); ids are `<prefix>/<record index>`. Ratings outside 0–4, non-numbers and missing columns
 * are bad rows (see CommonAdapterOptions.onBadRow).
 */
export function adaptHelpSteer(
  records: readonly SourceRecord[],
  opts: HelpSteerOptions = {},
  internals?: AdapterInternals,
): RatedDataset {
  const variant = opts.variant ?? "helpsteer";
  const field = pickOne(variant, opts.ratingField, HELPSTEER_ATTRIBUTES, "helpfulness");
  const descriptive = field === "complexity" || field === "verbosity";
  const direction = descriptive
    ? checkDirection(opts.direction, `HelpSteer "${field}" (it describes the response, it does not grade it)`)
    : "higher-better";
  checkDeclared(variant, field, { min: 0, max: 4, direction }, opts);
  const prefix = opts.idPrefix ?? variant;
  const sink = makeSink(opts, internals, { min: 0, max: 4 });
  records.forEach((rec, i) => {
    sink.each(rec, () => {
      const v = rec.value;
      const prompt = str(v, "prompt");
      const response = str(v, "response");
      const r = rating(v[field], field, rec.textual);
      sink.push({ id: `${prefix}/${i}`, prompt, response, rating: r, promptId: hashText(prompt) }, field);
    });
  });
  return sink.finish(variant, sourceOf(records, opts), field, direction);
}
