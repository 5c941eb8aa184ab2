/**
 * Shared machinery of the rated-data adapters: field access with typed problems, strict rating
 * conversion, and a row sink that checks ranges, empty responses and duplicate ids. Pure TypeScript.
 */
import { ConfigError } from "@implicitrm/core/errors";
import { BadRows, RowProblem, type RowLocation } from "../bad-rows.js";
import { type SourceRecord, isRecord } from "../readers/records.js";
import type { AdapterName, BadRowPolicy, RatedDataset, RatedExample, RatingDirection, RatingScale } from "../types.js";

/** Options every adapter accepts. */
export interface CommonAdapterOptions {
  /** 'fail' (default): the first malformed row throws a DataError with file, line and field; 'skip': drop and count. */
  onBadRow?: BadRowPolicy;
  /** Treat an empty (whitespace-only) response as a malformed row (cause `emptyResponse`). Default false: kept and counted. */
  requireResponse?: boolean;
  /** Prefix of generated ids (`<prefix>/<record index>...`). Default: the adapter's short name. */
  idPrefix?: string;
  /** Name for `RatedDataset.source`. Default: the records' file(s). */
  source?: string;
}

/** Internal: a BadRows to share with the record reader, so that its skips are counted too. */
export interface AdapterInternals {
  bad?: BadRows;
}

export function recordLoc(rec: SourceRecord): RowLocation {
  return rec.line !== undefined ? { file: rec.file, line: rec.line } : { file: rec.file, row: rec.row };
}

/**
 * Largest rating magnitude a row may have: the largest finite 32-bit float (≈3.4e38). Encoded rows
 * keep their ratings as 32-bit floats, so a larger one (a column of ±1e308) would turn into ±Infinity
 * there and fail far from its row; such a rating is a `badRating` bad row instead, named by file,
 * line and field.
 */
export const MAX_RATING_MAGNITUDE = 3.4028234663852886e38;

/** Collects validated rows for one dataset. */
export class RowSink {
  readonly rows: RatedExample[] = [];
  emptyResponses = 0;
  private readonly seen = new Set<string>();

  constructor(
    readonly bad: BadRows,
    readonly range: { min: number; max: number } | undefined,
    readonly requireResponse: boolean,
  ) {}

  /** Runs `fn` for `rec`; RowProblems become DataErrors or skip counts at the record's location. */
  each(rec: SourceRecord, fn: () => void): void {
    this.bad.run(recordLoc(rec), fn);
  }

  /**
   * Validates (finite rating within {@link MAX_RATING_MAGNITUDE}, range, empty response, duplicate
   * id) and keeps a row; throws RowProblem.
   */
  push(row: RatedExample, ratingField: string, responseField = "response"): void {
    if (!Number.isFinite(row.rating)) {
      throw new RowProblem("badRating", `rating is not a finite number (got ${String(row.rating)})`, ratingField);
    }
    if (Math.abs(row.rating) > MAX_RATING_MAGNITUDE) {
      throw new RowProblem(
        "badRating",
        `rating ${row.rating} is larger in magnitude than ${MAX_RATING_MAGNITUDE.toExponential(3)}, which the labels (32-bit floats) cannot hold; rescale the column`,
        ratingField,
      );
    }
    if (this.range && (row.rating < this.range.min || row.rating > this.range.max)) {
      throw new RowProblem(
        "outOfRange",
        `rating ${row.rating} is outside the declared range [${this.range.min}, ${this.range.max}]`,
        ratingField,
      );
    }
    const empty = row.response.trim() === "";
    if (empty && this.requireResponse) throw new RowProblem("emptyResponse", "the response is empty", responseField);
    if (this.seen.has(row.id)) throw new RowProblem("duplicateId", `duplicate id ${JSON.stringify(row.id)}`, "id");
    this.seen.add(row.id);
    if (empty) this.emptyResponses++;
    this.rows.push(row);
  }

  /** The finished dataset; with no declared range, `scale` is the observed min/max. */
  finish(
    adapter: AdapterName,
    source: string,
    ratingField: string,
    direction: RatingDirection,
  ): RatedDataset {
    let scale: RatingScale;
    let scaleObserved = false;
    if (this.range) scale = { min: this.range.min, max: this.range.max, direction };
    else {
      let min = Number.POSITIVE_INFINITY;
      let max = Number.NEGATIVE_INFINITY;
      for (const r of this.rows) {
        if (r.rating < min) min = r.rating;
        if (r.rating > max) max = r.rating;
      }
      if (this.rows.length === 0) min = max = Number.NaN;
      scale = { min, max, direction };
      scaleObserved = true;
    }
    return {
      adapter,
      source,
      ratingField,
      scale,
      scaleObserved,
      rows: this.rows,
      skipped: this.bad.skipped,
      emptyResponses: this.emptyResponses,
    };
  }
}

/** Creates the sink for an adapter run (sharing `internals.bad` when given). */
export function makeSink(
  opts: CommonAdapterOptions,
  internals: AdapterInternals | undefined,
  range: { min: number; max: number } | undefined,
): RowSink {
  const bad = internals?.bad ?? new BadRows(opts.onBadRow);
  return new RowSink(bad, range, opts.requireResponse ?? false);
}

/** Default `source`: the distinct files of the records. */
export function sourceOf(records: readonly SourceRecord[], opts: CommonAdapterOptions): string {
  if (opts.source !== undefined) return opts.source;
  const files = [...new Set(records.map((r) => r.file))];
  return files.length <= 3 ? files.join(", ") || "<empty>" : `${files[0]} (+${files.length - 1} files)`;
}

/** Reads a field by exact key, else by dotted path (`meta.prompt_id`). */
export function getPath(obj: Record<string, unknown>, path: string): unknown {
  if (Object.hasOwn(obj, path)) return obj[path];
  if (!path.includes(".")) return undefined;
  let cur: unknown = obj;
  for (const part of path.split(".")) {
    if (!isRecord(cur) || !Object.hasOwn(cur, part)) return undefined;
    cur = cur[part];
  }
  return cur;
}

/** A required string field (`undefined` → missingField, `null` or another type → wrongType). */
export function str(obj: Record<string, unknown>, path: string, label = path): string {
  const v = getPath(obj, path);
  if (v === undefined) throw new RowProblem("missingField", `missing field "${label}"`, label);
  if (typeof v !== "string") throw new RowProblem("wrongType", `"${label}" must be a string (got ${typeName(v)})`, label);
  return v;
}

/** An id-like field: a string, or a number/bigint turned into its decimal text. */
export function idLike(obj: Record<string, unknown>, path: string, label = path): string {
  const v = getPath(obj, path);
  if (v === undefined) throw new RowProblem("missingField", `missing field "${label}"`, label);
  if (typeof v === "string") return v;
  if ((typeof v === "number" && Number.isFinite(v)) || typeof v === "bigint") return String(v);
  throw new RowProblem("wrongType", `"${label}" must be a string or a number (got ${typeName(v)})`, label);
}

const NUMERIC = /^\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$/;

/**
 * Converts a rating value strictly: a finite number (a bigint from Parquet INT64 is converted); in
 * textual sources (CSV) also a decimal string. NaN, ±∞, null, booleans, and strings in typed sources
 * (JSON, Parquet) are `badRating`, and so is decimal text that overflows a double (`1e999`); a
 * missing value is `missingField`.
 */
export function rating(v: unknown, field: string, textual: boolean | undefined): number {
  if (v === undefined) throw new RowProblem("missingField", `missing field "${field}"`, field);
  if (typeof v === "number") {
    if (Number.isFinite(v)) return v;
    throw new RowProblem("badRating", `rating is not a finite number (got ${String(v)})`, field);
  }
  if (typeof v === "bigint") return Number(v);
  if (typeof v === "string" && textual) {
    if (NUMERIC.test(v)) {
      const x = Number(v);
      // decimal text such as "1e999" matches NUMERIC but overflows to ±Infinity: refuse it here, at
      // read time, so that the error names the file, line and field and 'skip' can drop the row
      if (Number.isFinite(x)) return x;
      throw new RowProblem("badRating", `rating ${JSON.stringify(v.trim())} overflows to ${String(x)} (not a finite number)`, field);
    }
    throw new RowProblem("badRating", `rating is not a number (got ${JSON.stringify(v)})`, field);
  }
  throw new RowProblem(
    "badRating",
    `rating is not a finite number (got ${typeof v === "string" ? `the string ${JSON.stringify(v)}` : typeName(v)})`,
    field,
  );
}

/** A boolean field; CSV text `true/false/True/False/1/0` is accepted in textual sources. */
export function bool(v: unknown, field: string, textual: boolean | undefined): boolean {
  if (v === undefined) throw new RowProblem("missingField", `missing field "${field}"`, field);
  if (typeof v === "boolean") return v;
  if (textual && typeof v === "string") {
    const t = v.trim().toLowerCase();
    if (t === "true" || t === "1") return true;
    if (t === "false" || t === "0") return false;
  }
  throw new RowProblem("badRating", `"${field}" must be a boolean (got ${typeName(v)})`, field);
}

export function typeName(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "string") return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  if (typeof v === "number") return String(v);
  return typeof v;
}

/**
 * Checks a user `direction`/`scale` against what an adapter declares: equal values are fine, a
 * different one is a ConfigError (a wrong direction silently inverts every label).
 */
export function checkDeclared(
  adapter: string,
  ratingField: string,
  declared: RatingScale,
  opts: { direction?: RatingDirection; scale?: { min: number; max: number } },
): void {
  if (opts.direction !== undefined && opts.direction !== declared.direction) {
    throw new ConfigError(
      `${adapter}: the rating "${ratingField}" is declared ${declared.direction}; remove the direction option (got ${opts.direction})`,
    );
  }
  if (opts.scale !== undefined && (opts.scale.min !== declared.min || opts.scale.max !== declared.max)) {
    throw new ConfigError(
      `${adapter}: the rating "${ratingField}" is declared on [${declared.min}, ${declared.max}]; remove the scale option`,
    );
  }
}

export function checkDirection(direction: unknown, what: string): RatingDirection {
  if (direction === "higher-better" || direction === "lower-better") return direction;
  if (direction === undefined) {
    throw new ConfigError(
      `${what} has no declared direction: pass direction 'higher-better' or 'lower-better' (--direction); a wrong guess inverts every label`,
    );
  }
  throw new ConfigError(`direction must be 'higher-better' or 'lower-better' (got ${JSON.stringify(direction)})`);
}

export function checkScale(scale: unknown): { min: number; max: number } | undefined {
  if (scale === undefined) return undefined;
  const s = scale as { min?: unknown; max?: unknown };
  if (typeof s !== "object" || s === null || typeof s.min !== "number" || typeof s.max !== "number" || !Number.isFinite(s.min) || !Number.isFinite(s.max) || !(s.max > s.min)) {
    throw new ConfigError(`scale must be {min, max} with finite min < max (got ${JSON.stringify(scale)})`);
  }
  return { min: s.min, max: s.max };
}

export function pickOne<T extends string>(adapter: string, value: string | undefined, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new ConfigError(`${adapter}: unknown rating field ${JSON.stringify(value)}; choose one of ${allowed.join(", ")}`);
}
