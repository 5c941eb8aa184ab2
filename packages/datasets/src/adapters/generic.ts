/**
 * The generic reader: any table (JSONL, JSON array, CSV/TSV, Parquet) with a prompt, a response and a
 * numeric rating column named by the caller.
 */
import { ConfigError } from "@implicitrm/core/errors";
import type { SourceRecord } from "../readers/records.js";
import { hashText } from "../readers/bytes.js";
import type { RatedDataset, RatingDirection } from "../types.js";
import {
  type AdapterInternals,
  type CommonAdapterOptions,
  checkDirection,
  checkScale,
  getPath,
  idLike,
  makeSink,
  rating,
  sourceOf,
  str,
} from "./common.js";

/** Options of {@link adaptGeneric}. Field names may be dotted paths into nested objects (`meta.prompt_id`). */
export interface GenericOptions extends CommonAdapterOptions {
  /** Column holding the prompt text. Default `prompt`. */
  promptField?: string;
  /** Column holding the response text. Default `response`. */
  responseField?: string;
  /** Column holding the numeric rating. Required. */
  ratingField?: string;
  /** Column with unique row ids (strings or numbers). Default: generated `<prefix>/<record index>`. */
  idField?: string;
  /** Column grouping responses to the same prompt. Default: a hash of the prompt text. */
  groupField?: string;
  /** Which end of the rating is good. Required. */
  direction?: RatingDirection;
  /** Declared rating range; rows outside it are bad rows. Default: the observed range (no check). */
  scale?: { min: number; max: number };
}

/**
 * Adapts records of any table: rating = `ratingField` (numbers; in CSV, decimal text), prompt/response
 * from their fields, id from `idField` or generated, promptId from `groupField` or a hash of the prompt.
 * `ratingField` and `direction` are required (ConfigError), and a named field that no record has is a
 * ConfigError listing the fields that exist. Per-row problems are bad rows with file, line and field.
 */
export function adaptGeneric(
  records: readonly SourceRecord[],
  opts: GenericOptions = {},
  internals?: AdapterInternals,
): RatedDataset {
  const promptField = opts.promptField ?? "prompt";
  const responseField = opts.responseField ?? "response";
  const ratingField = opts.ratingField;
  if (ratingField === undefined || ratingField === "") {
    throw new ConfigError("generic reader: ratingField (--rating-field) is required: the column that holds the rating");
  }
  const direction = checkDirection(opts.direction, `the generic rating "${ratingField}"`);
  const range = checkScale(opts.scale);
  const fields: [string, string | undefined][] = [
    ["promptField", promptField],
    ["responseField", responseField],
    ["ratingField", ratingField],
    ["idField", opts.idField],
    ["groupField", opts.groupField],
  ];
  if (records.length > 0) {
    for (const [opt, f] of fields) {
      if (f === undefined) continue;
      if (!records.some((r) => getPath(r.value, f) !== undefined)) {
        const have = Object.keys(records[0]!.value).slice(0, 30).join(", ");
        throw new ConfigError(`generic reader: no record has the field ${JSON.stringify(f)} (${opt}); the records have: ${have}`);
      }
    }
  }
  const prefix = opts.idPrefix ?? "row";
  const sink = makeSink(opts, internals, range);
  records.forEach((rec, i) => {
    sink.each(rec, () => {
      const v = rec.value;
      const prompt = str(v, promptField);
      const response = str(v, responseField);
      const r = rating(getPath(v, ratingField), ratingField, rec.textual);
      const id = opts.idField !== undefined ? idLike(v, opts.idField) : `${prefix}/${i}`;
      const promptId = opts.groupField !== undefined ? idLike(v, opts.groupField) : hashText(prompt);
      sink.push({ id, prompt, response, rating: r, promptId }, ratingField, responseField);
    });
  });
  return sink.finish("generic", sourceOf(records, opts), ratingField, direction);
}
