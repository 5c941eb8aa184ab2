/**
 * Recognises a source's layout from its field names (and, given a record, the shape of a few values).
 */
import { isRecord } from "./readers/records.js";
import type { AdapterName } from "./types.js";

/** A rated-data adapter, or `implicit-log` for the implicit-feedback log format (see `parseImplicitLog`). */
export type DetectedFormat = AdapterName | "implicit-log";

/**
 * Guesses the layout of a record (or of a table's column names), first match wins:
 * - `normalized`: id, prompt, response, ratings, meta (ratings an object when a record is given);
 * - `implicit-log`: prompt, response, actions;
 * - `ultrafeedback`: instruction, completions;
 * - `pku-saferlhf`: prompt, response_0, response_1;
 * - `ultrafeedback-binarized`: chosen, rejected and score_chosen/score_rejected (top level or in `metadata`);
 * - `hh-rlhf`: chosen, rejected (and no scores);
 * - `helpsteer`: prompt, response, helpfulness, correctness, coherence, complexity, verbosity.
 * Returns undefined otherwise (use the generic reader with explicit fields). HelpSteer and HelpSteer2
 * share a schema, so `helpsteer` stands for both.
 */
export function detectFormat(recordOrFields: Record<string, unknown> | readonly string[]): DetectedFormat | undefined {
  const rec = Array.isArray(recordOrFields) ? undefined : (recordOrFields as Record<string, unknown>);
  const keys = new Set(rec ? Object.keys(rec) : (recordOrFields as readonly string[]));
  const has = (...names: string[]) => names.every((n) => keys.has(n));
  if (has("id", "prompt", "response", "ratings", "meta") && (!rec || isRecord(rec["ratings"]))) return "normalized";
  if (has("prompt", "response", "actions") && (!rec || isRecord(rec["actions"]))) return "implicit-log";
  if (has("instruction", "completions") && (!rec || Array.isArray(rec["completions"]))) return "ultrafeedback";
  if (has("prompt", "response_0", "response_1")) return "pku-saferlhf";
  if (has("chosen", "rejected")) {
    const meta = rec?.["metadata"];
    const scored =
      has("score_chosen", "score_rejected") ||
      (isRecord(meta) && meta["score_chosen"] !== undefined && meta["score_rejected"] !== undefined);
    if (scored) return "ultrafeedback-binarized";
    if (!rec || (typeof rec["chosen"] === "string" && typeof rec["rejected"] === "string")) return "hh-rlhf";
    return undefined;
  }
  if (has("prompt", "response", "helpfulness", "correctness", "coherence", "complexity", "verbosity")) return "helpsteer";
  return undefined;
}

