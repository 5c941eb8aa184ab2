/**
 * The implicit-feedback log format: one JSON object per impression (a response shown to a user),
 * `{id?, prompt, response, promptId?, actions: {copy?, click?, thumbsUp?, thumbsDown?, regenerate?, ...},
 * context?: {...}}`, turned into labels r (observed implicit feedback) and explicit negatives.
 * Browser-safe; `loadImplicitLog` in node/io.ts reads files.
 */
import { ConfigError } from "@implicitrm/core/errors";
import { BadRows, RowProblem } from "./bad-rows.js";
import { readRecordsInto } from "./readers/records.js";
import { isRecord } from "./readers/records.js";
import { hashText } from "./readers/bytes.js";
import type { BadRowPolicy, LoggedExample, SkipCounts } from "./types.js";
import { idLike, str, typeName } from "./adapters/common.js";

/**
 * How actions become labels. An action counts as taken when its value is `true` or a count > 0
 * (`false`, `0`, `null` or absent: not taken). Actions named in neither list are ignored.
 */
export interface ActionMapping {
  /** Any of these taken → r = 1. Default `['copy', 'click', 'thumbsUp']`. */
  positive?: readonly string[];
  /**
   * Any of these taken → an explicit negative: r = 0, `explicitNegative: true` (known r* = 0).
   * Default `['thumbsDown']`. `regenerate` is ignored by default: asking for another answer does not
   * say this one was bad; add it here to treat it as a negative.
   */
  negative?: readonly string[];
}

/** The mapping used when none is given. */
export const DEFAULT_ACTION_MAPPING: Readonly<Required<ActionMapping>> = {
  positive: ["copy", "click", "thumbsUp"],
  negative: ["thumbsDown"],
};

/** Options of {@link parseImplicitLog}. */
export interface ImplicitLogOptions {
  /** File name for messages. Default "<input>". */
  file?: string;
  /** 'fail' (default): the first malformed impression throws a DataError with file, line and field; 'skip': drop and count. */
  onBadRow?: BadRowPolicy;
  /** Action → label mapping; each list replaces the default one when given. */
  mapping?: ActionMapping;
  /** Treat an empty response as a bad row (cause `emptyResponse`). Default false. */
  requireResponse?: boolean;
  /** Prefix of generated ids (`<prefix>/<record index>`). Default `log`. */
  idPrefix?: string;
}

/** A parsed log. */
export interface ImplicitLog {
  rows: LoggedExample[];
  skipped: SkipCounts;
  /** The mapping that was applied. */
  mapping: Required<ActionMapping>;
  stats: {
    impressions: number;
    /** Rows with r = 1. */
    positives: number;
    /** Rows with explicitNegative. */
    explicitNegatives: number;
    /** positives / impressions (NaN with no rows). */
    feedbackRate: number;
  };
}

/**
 * Parses an implicit-feedback log (JSONL text or bytes, gzip allowed) into LoggedExamples:
 * r = 1 when any positive action was taken; explicitNegative = any negative action was taken (r = 0).
 * An impression with both a positive and a negative action is a conflict (bad row, cause `conflict`).
 * id defaults to `<prefix>/<record index>`, promptId to a hash of the prompt, context to `{}`. Bad rows
 * (bad JSON or UTF-8, missing prompt/response/actions, an action value that is not a boolean or a
 * non-negative integer, a non-object context, duplicate ids, conflicts) follow `onBadRow`.
 */
export async function parseImplicitLog(input: string | Uint8Array | ArrayBuffer, opts: ImplicitLogOptions = {}): Promise<ImplicitLog> {
  const mapping = resolveMapping(opts.mapping);
  const file = opts.file ?? "<input>";
  const bad = new BadRows(opts.onBadRow);
  const { records } = await readRecordsInto(input, file, "jsonl", bad);
  const prefix = opts.idPrefix ?? "log";
  const rows: LoggedExample[] = [];
  const seen = new Set<string>();
  let positives = 0;
  let negatives = 0;
  records.forEach((rec, i) => {
    bad.run({ file, line: rec.line! }, () => {
      const v = rec.value;
      const prompt = str(v, "prompt");
      const response = str(v, "response");
      if (opts.requireResponse && response.trim() === "") throw new RowProblem("emptyResponse", "the response is empty", "response");
      const id = v["id"] === undefined ? `${prefix}/${i}` : idLike(v, "id");
      const promptId = v["promptId"] === undefined ? hashText(prompt) : idLike(v, "promptId");
      const actions = v["actions"];
      if (actions === undefined) throw new RowProblem("missingField", 'missing field "actions"', "actions");
      if (!isRecord(actions)) throw new RowProblem("wrongType", `"actions" must be an object (got ${typeName(actions)})`, "actions");
      const taken = (name: string) => actionTaken(actions[name], `actions.${name}`);
      const pos = mapping.positive.filter(taken);
      const neg = mapping.negative.filter(taken);
      if (pos.length > 0 && neg.length > 0) {
        throw new RowProblem("conflict", `conflicting feedback: ${neg.join(", ")} together with ${pos.join(", ")}`, `actions.${neg[0]}`);
      }
      const context = v["context"] ?? {};
      if (!isRecord(context)) throw new RowProblem("wrongType", `"context" must be an object (got ${typeName(context)})`, "context");
      if (seen.has(id)) throw new RowProblem("duplicateId", `duplicate id ${JSON.stringify(id)}`, "id");
      seen.add(id);
      const r = pos.length > 0 ? 1 : 0;
      const explicitNegative = neg.length > 0;
      positives += r;
      if (explicitNegative) negatives++;
      rows.push({ id, prompt, response, promptId, r, explicitNegative, context });
    });
  });
  return {
    rows,
    skipped: bad.skipped,
    mapping,
    stats: { impressions: rows.length, positives, explicitNegatives: negatives, feedbackRate: positives / rows.length },
  };
}

function actionTaken(v: unknown, field: string): boolean {
  if (v === undefined || v === null || v === false) return false;
  if (v === true) return true;
  if (typeof v === "number" && Number.isInteger(v) && v >= 0) return v > 0;
  throw new RowProblem("wrongType", `"${field}" must be a boolean or a non-negative integer count (got ${typeName(v)})`, field);
}

/** Validates a mapping and fills in defaults; ConfigError when a list is empty, not strings, or the lists overlap. */
export function resolveMapping(m: ActionMapping | undefined): Required<ActionMapping> {
  const positive = m?.positive ?? DEFAULT_ACTION_MAPPING.positive;
  const negative = m?.negative ?? DEFAULT_ACTION_MAPPING.negative;
  for (const [name, list] of [["positive", positive], ["negative", negative]] as const) {
    if (!Array.isArray(list) || list.some((a) => typeof a !== "string" || a === "")) {
      throw new ConfigError(`mapping.${name} must be a list of action names (got ${JSON.stringify(list)})`);
    }
  }
  if (positive.length === 0) throw new ConfigError("mapping.positive must name at least one action (else every r is 0)");
  const both = positive.filter((a) => negative.includes(a));
  if (both.length > 0) throw new ConfigError(`actions ${both.join(", ")} are both positive and negative in the mapping`);
  return { positive: [...positive], negative: [...negative] };
}
