/**
 * Precomputed features with their feedback, one JSON object per line:
 *   {"id"?: string, "features": number[], "r": 0 | 1, "rStar"?: 0 | 1, "group"?: string | number,
 *    "activity"?: number[], "explicitNegative"?: boolean}
 * for users who already have embeddings of their logged (prompt, response) pairs. `rStar` (clean
 * labels) is optional; when every row has it, a clean test split is held out for evaluation.
 * `activity` holds the row's activity features (presentation and user context: response length,
 * position, user activity...), read by ImplicitRM's activity head and never by the reward head;
 * every row has it, with one length, or none does. `explicitNegative: true` marks a thumbs-down row
 * (a known NA row: r* = 0, a = 1), which must have r = 0; absent or false means not one. Browser-safe: bytes or text in; reading the file
 * is `loadFeaturesFile` in node/io.ts, splitting it `splitObservedRows` in splits.ts.
 */
import { ConfigError, DataError } from "@implicitrm/core/errors";
import type { FeatureSet } from "@implicitrm/core/types";
import { formatSkipCounts } from "./bad-rows.js";
import type { BadRowPolicy, SkipCause, SkipCounts } from "./types.js";

/** Options of {@link parseFeaturesJsonl}. */
export interface FeaturesParseOptions {
  /** 'fail' (default): the first bad row is a DataError with file, line and field; 'skip': bad rows are dropped and counted by cause. */
  onBadRow?: BadRowPolicy;
}

class Skip {
  constructor(readonly cause: SkipCause) {}
}

const fatalUtf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Parses features JSONL (text, or bytes decoded as strict UTF-8 line by line); a bad row (bad
 * UTF-8 or JSON, missing or non-finite features, a feature or activity count unlike the first
 * good row's, r or rStar not 0/1, a repeated id) is a DataError naming the file, line and field,
 * or with `onBadRow: 'skip'` is dropped and counted in `skipped` by cause.
 */
export function parseFeaturesJsonl(input: string | Uint8Array, file: string, opts: FeaturesParseOptions = {}): FeatureSet & { skipped: SkipCounts } {
  const policy = opts.onBadRow ?? "fail";
  if (policy !== "fail" && policy !== "skip") throw new ConfigError(`onBadRow must be "fail" or "skip" (got ${JSON.stringify(policy)})`);
  const skipped: SkipCounts = {};
  const rows: Array<{ features: number[]; r: number; rStar?: number; group?: string; id: string; activity?: number[]; explicitNegative?: boolean }> = [];
  const seen = new Set<string>();
  let dim = -1;
  let activityDim = -1;
  const lines = typeof input === "string" ? input.split("\n") : splitLines(input);
  for (let i = 0; i < lines.length; i++) {
    const at = (field?: string) => ({ file, line: i + 1, ...(field ? { field } : {}) });
    const problem = (cause: SkipCause, message: string, field?: string): never => {
      if (policy === "skip") throw new Skip(cause);
      throw new DataError(`${message} [${cause}]; fix the row or pass --on-bad-row skip to drop such rows`, at(field));
    };
    try {
      let line = lines[i]!;
      if (typeof line !== "string") {
        try {
          line = fatalUtf8.decode(line);
        } catch {
          problem("badUtf8", "the line is not valid UTF-8");
        }
      }
      line = (line as string).trim();
      if (line === "") continue;
      let obj: Record<string, unknown>;
      try {
        obj = JSON.parse(line);
      } catch (e) {
        problem("badJson", `not valid JSON (${(e as Error).message}); each line must be one JSON object`);
      }
      if (typeof obj! !== "object" || obj! === null || Array.isArray(obj!)) problem("badJson", "each line must be a JSON object");
      const x = obj!.features;
      if (!Array.isArray(x) || x.length === 0) problem("missingField", "missing or empty; expected an array of numbers", "features");
      const xs = x as unknown[];
      for (let j = 0; j < xs.length; j++) {
        if (typeof xs[j] !== "number" || !Number.isFinite(xs[j])) problem("wrongType", `${JSON.stringify(xs[j])} is not a finite number; clean or drop this row`, `features[${j}]`);
      }
      if (dim !== -1 && xs.length !== dim) problem("wrongType", `has ${xs.length} values but earlier rows have ${dim}`, "features");
      const label = (field: "r" | "rStar", required: boolean) => {
        const v = obj![field];
        if (v === undefined && !required) return undefined;
        if (v !== 0 && v !== 1) problem(v === undefined ? "missingField" : "outOfRange", `must be 0 or 1, got ${JSON.stringify(v)}`, field);
        return v as number;
      };
      const act = obj!.activity;
      if (act !== undefined) {
        if (!Array.isArray(act) || act.length === 0) problem("wrongType", "must be a non-empty array of numbers", "activity");
        const as = act as unknown[];
        for (let j = 0; j < as.length; j++) {
          if (typeof as[j] !== "number" || !Number.isFinite(as[j])) problem("wrongType", `${JSON.stringify(as[j])} is not a finite number; clean or drop this row`, `activity[${j}]`);
        }
      }
      const actLen = act === undefined ? 0 : (act as number[]).length;
      if (activityDim !== -1 && actLen !== activityDim) {
        problem(
          "wrongType",
          activityDim === 0 || actLen === 0 ? "every row must have activity features, or none: earlier rows differ" : `has ${actLen} activity values but earlier rows have ${activityDim}`,
          "activity",
        );
      }
      const r = label("r", true)!;
      const rStar = label("rStar", false);
      const neg = obj!.explicitNegative;
      if (neg !== undefined && typeof neg !== "boolean") problem("wrongType", `must be true or false, got ${JSON.stringify(neg)}`, "explicitNegative");
      if (neg === true && r !== 0) problem("outOfRange", "an explicit negative (a thumbs-down) must have r = 0", "explicitNegative");
      const given = obj!.id;
      if (given !== undefined && typeof given !== "string" && typeof given !== "number") problem("wrongType", `must be a string or a number, got ${JSON.stringify(given)}`, "id");
      const id = given === undefined ? `${file}:${i + 1}` : String(given);
      if (seen.has(id)) problem("duplicateId", `duplicate id ${JSON.stringify(id)}; ids must be unique`, "id");
      seen.add(id);
      dim = xs.length;
      activityDim = actLen;
      rows.push({
        features: xs as number[],
        r,
        ...(rStar !== undefined ? { rStar } : {}),
        ...(obj!.group !== undefined ? { group: String(obj!.group) } : {}),
        id,
        ...(act !== undefined ? { activity: act as number[] } : {}),
        ...(neg === true ? { explicitNegative: true } : {}),
      });
    } catch (e) {
      if (!(e instanceof Skip)) throw e;
      skipped[e.cause] = (skipped[e.cause] ?? 0) + 1;
    }
  }
  if (rows.length === 0) throw new DataError(`the file holds no rows${Object.keys(skipped).length ? ` (${formatSkipCounts(skipped)})` : ""}`, { file });
  const n = rows.length;
  const features = new Float32Array(n * dim);
  rows.forEach((row, i) => {
    features.set(row.features, i * dim);
  });
  const fs: FeatureSet & { skipped: SkipCounts } = { n, dim, features, r: Uint8Array.from(rows, (row) => row.r), ids: rows.map((row) => row.id), skipped };
  if (rows.every((row) => row.rStar !== undefined)) fs.rStar = Uint8Array.from(rows, (row) => row.rStar!);
  if (rows.some((row) => row.explicitNegative)) fs.explicitNegative = Uint8Array.from(rows, (row) => (row.explicitNegative ? 1 : 0));
  if (activityDim > 0) {
    const block = new Float32Array(n * activityDim);
    for (const [i, row] of rows.entries()) block.set(row.activity!, i * activityDim);
    fs.activity = { dim: activityDim, features: block };
  }
  if (rows.every((row) => row.group !== undefined)) {
    const index = new Map<string, number>();
    fs.group = Int32Array.from(rows, (row) => {
      if (!index.has(row.group!)) index.set(row.group!, index.size);
      return index.get(row.group!)!;
    });
  }
  return fs;
}

/** Lines of UTF-8 bytes (split at LF, a leading BOM dropped), left undecoded. */
function splitLines(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  for (let i = start; i <= bytes.length; i++) {
    if (i === bytes.length || bytes[i] === 0x0a) {
      out.push(bytes.subarray(start, i));
      start = i + 1;
    }
  }
  return out;
}
