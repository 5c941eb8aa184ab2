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

/** What a data file holds: feature rows, an implicit-feedback log, or rated data. */
export type DataKind = "features" | "implicit-log" | "rated";

/**
 * What kind of data a file's bytes hold (decompressed), from its first non-empty line: a JSON
 * object with a `features` array is a features JSONL file, one that {@link detectFormat} calls
 * `implicit-log` is a log; anything else (another layout, CSV, Parquet, a JSON array) is rated data.
 * Reads at most the first MiB.
 */
export function detectDataKind(bytes: Uint8Array): DataKind {
  const head = new TextDecoder().decode(bytes.subarray(0, 1 << 20));
  const first = head.split("\n").find((l) => l.trim() !== "");
  if (first === undefined) return "rated";
  try {
    const rec = JSON.parse(first) as Record<string, unknown>;
    if (Array.isArray(rec.features)) return "features";
    if (detectFormat(rec) === "implicit-log") return "implicit-log";
  } catch {
    // not JSONL (CSV, Parquet, a JSON array): rated data
  }
  return "rated";
}
