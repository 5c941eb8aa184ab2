/**
 * The normalised JSONL layout of `../shared/data`: one JSON object per line,
 * `{id, prompt, response, ratings: {<name>: number, ...}, meta: {prompt_id, ...}}`. Its row parser
 * (`parseNormalizedJsonl`, text in, rows out) and its adapter over records (`adaptNormalized`) share
 * one reading of a row. Pure TypeScript, no I/O (reading the file is `readNormalizedJsonl` in node/io.ts).
 */
import { ConfigError } from "@implicitrm/core/errors";
import { BadRows, RowProblem } from "../bad-rows.js";
import { type SourceRecord, isRecord, jsonlRecords } from "../readers/records.js";
import type { RatedDataset, RatingDirection, RatingScale, SkipCause } from "../types.js";
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

/** One parsed row: a response to a prompt with the selected rating. */
export interface NormalizedRow {
  id: string;
  prompt: string;
  response: string;
  /** The value of `ratings[ratingField]`, a finite number in the rating's own units. */
  rating: number;
  /** `meta.prompt_id`: responses to the same prompt share it. */
  promptId: string;
  /** 1-based line of the row in the input. */
  line: number;
}

/** Why a row was skipped (with `onBadRow: 'skip'`); the causes this parser can report are a subset. */
export type { SkipCause };

/** Options of {@link parseNormalizedJsonl}. */
export interface NormalizedParseOptions {
  /** File name used in error messages. Default "<input>". */
  file?: string;
  /**
   * Key of `ratings` to read. Required when a row's `ratings` has more than one key (ConfigError
   * otherwise); when omitted and `ratings` has exactly one key, that key is used.
   */
  ratingField?: string;
  /** 'fail' (default) throws a DataError at the first bad row; 'skip' drops it and counts the cause. */
  onBadRow?: "fail" | "skip";
}

/** Output of {@link parseNormalizedJsonl}. */
export interface NormalizedParseResult {
  rows: NormalizedRow[];
  /** Skipped rows per cause (only causes that occurred; empty with onBadRow 'fail'). */
  skipped: Partial<Record<SkipCause, number>>;
  /** The rating key that was read (undefined only when there were no rows). */
  ratingField: string | undefined;
}

/**
 * Parses normalised JSONL text into rows {id, prompt, response, rating, promptId, line}. Blank lines
 * (whitespace only) are ignored; a leading BOM and CRLF line ends are accepted. A bad row — invalid
 * JSON, a missing field (id, prompt, response, ratings, the rating key, meta.prompt_id), a field of the
 * wrong type, a rating that is not a finite number (strings are not coerced), or a duplicate id —
 * throws a DataError with `file`, the 1-based `line` and the `field`, or with `onBadRow: 'skip'`
 * (default 'fail') is dropped and counted by cause (for a duplicate id the first row is kept). A row
 * whose `ratings` has several keys while `ratingField` was not given throws ConfigError in both modes.
 */
export function parseNormalizedJsonl(text: string, opts: NormalizedParseOptions = {}): NormalizedParseResult {
  const file = opts.file ?? "<input>";
  const bad = new BadRows(opts.onBadRow);
  const state: NormalizedState = { ratingField: opts.ratingField };
  const rows: NormalizedRow[] = [];
  const seen = new Set<string>();
  for (const rec of jsonlRecords(text, file, bad)) {
    const line = rec.line!;
    bad.run({ file, line }, () => {
      const r = normalizedFromObject(rec.value, state, `${file}:${line}`);
      if (seen.has(r.id)) throw new RowProblem("duplicateId", `duplicate id ${JSON.stringify(r.id)}`, "id");
      seen.add(r.id);
      rows.push({ id: r.id, prompt: r.prompt, response: r.response, rating: r.rating, promptId: r.promptId, line });
    });
  }
  return { rows, skipped: bad.skipped, ratingField: state.ratingField };
}

/** Mutable parse state: the rating key, fixed by the first row when not given. */
export interface NormalizedState {
  ratingField: string | undefined;
}

/**
 * Reads one normalised-layout object (shared by {@link parseNormalizedJsonl} and the `normalized`
 * adapter). Throws RowProblem for a bad row, ConfigError (naming `where`) when `ratings` has several
 * keys and no ratingField was chosen. Duplicate ids are the caller's concern.
 */
export function normalizedFromObject(
  obj: Record<string, unknown>,
  state: NormalizedState,
  where: string,
): { id: string; prompt: string; response: string; rating: number; promptId: string; meta: Record<string, unknown> } {
  const id = stringField(obj, "id");
  const prompt = stringField(obj, "prompt");
  const response = stringField(obj, "response");
  const ratings = obj["ratings"];
  if (ratings === undefined) throw new RowProblem("missingField", 'missing field "ratings"', "ratings");
  if (!isRecord(ratings)) throw new RowProblem("wrongType", '"ratings" must be an object', "ratings");
  if (state.ratingField === undefined) {
    const keys = Object.keys(ratings);
    if (keys.length > 1) {
      throw new ConfigError(`${where}: ratings has several keys (${keys.join(", ")}); pass ratingField to choose one`);
    }
    if (keys.length === 0) throw new RowProblem("missingField", '"ratings" has no keys', "ratings");
    state.ratingField = keys[0]!;
  }
  const field = `ratings.${state.ratingField}`;
  if (!Object.hasOwn(ratings, state.ratingField)) throw new RowProblem("missingField", `missing field "${field}"`, field);
  const rating = ratings[state.ratingField];
  if (typeof rating !== "number" || !Number.isFinite(rating)) {
    throw new RowProblem("badRating", `rating is not a finite number (got ${JSON.stringify(rating)})`, field);
  }
  const meta = obj["meta"];
  if (meta === undefined) throw new RowProblem("missingField", 'missing field "meta"', "meta");
  if (!isRecord(meta)) throw new RowProblem("wrongType", '"meta" must be an object', "meta");
  const promptId = meta["prompt_id"];
  if (promptId === undefined) throw new RowProblem("missingField", 'missing field "meta.prompt_id"', "meta.prompt_id");
  if (typeof promptId !== "string" && typeof promptId !== "number") {
    throw new RowProblem("wrongType", '"meta.prompt_id" must be a string or a number', "meta.prompt_id");
  }
  return { id, prompt, response, rating, promptId: String(promptId), meta };
}

function stringField(obj: Record<string, unknown>, name: string): string {
  const v = obj[name];
  if (v === undefined) throw new RowProblem("missingField", `missing field "${name}"`, name);
  if (typeof v !== "string") throw new RowProblem("wrongType", `"${name}" must be a string (got ${typeof v})`, name);
  return v;
}
