/**
 * Precomputed features with their feedback, one JSON object per line:
 *   {"id"?: string, "features": number[], "r": 0 | 1, "rStar"?: 0 | 1, "group"?: string | number,
 *    "activity"?: number[]}
 * for users who already have embeddings of their logged (prompt, response) pairs. `rStar` (clean
 * labels) is optional; when every row has it, a clean test split is held out for evaluation.
 * `activity` holds the row's activity features (presentation and user context: response length,
 * position, user activity...), read by ImplicitRM's activity head and never by the reward head;
 * every row has it, with one length, or none does.
 */
import { readFile } from "node:fs/promises";
import { DataError, type FeatureSet, type SplitFeatureSets } from "@implicitrm/core";
import { splitIndices, takeRows } from "@implicitrm/datasets";

/** Parses a features JSONL text; every problem is a DataError naming the file, line and field. */
export function parseFeaturesJsonl(text: string, file: string): FeatureSet {
  const rows: Array<{ features: number[]; r: number; rStar?: number; group?: string; id: string; activity?: number[] }> = [];
  let dim = -1;
  let activityDim = -1;
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === "") continue;
    const at = (field?: string) => ({ file, line: i + 1, ...(field ? { field } : {}) });
    let obj: Record<string, unknown>;
    try {
      obj = JSON.parse(line);
    } catch (e) {
      throw new DataError(`not valid JSON (${(e as Error).message}); each line must be one JSON object`, at());
    }
    if (typeof obj !== "object" || obj === null || Array.isArray(obj)) throw new DataError("each line must be a JSON object", at());
    const x = obj.features;
    if (!Array.isArray(x) || x.length === 0) throw new DataError("missing or empty; expected an array of numbers", at("features"));
    for (let j = 0; j < x.length; j++) {
      if (typeof x[j] !== "number" || !Number.isFinite(x[j])) {
        throw new DataError(`${JSON.stringify(x[j])} is not a finite number; clean or drop this row`, at(`features[${j}]`));
      }
    }
    if (dim === -1) dim = x.length;
    else if (x.length !== dim) throw new DataError(`has ${x.length} values but earlier rows have ${dim}`, at("features"));
    const label = (field: "r" | "rStar", required: boolean) => {
      const v = obj[field];
      if (v === undefined && !required) return undefined;
      if (v !== 0 && v !== 1) throw new DataError(`must be 0 or 1, got ${JSON.stringify(v)}`, at(field));
      return v;
    };
    const act = obj.activity;
    if (act !== undefined) {
      if (!Array.isArray(act) || act.length === 0) throw new DataError("must be a non-empty array of numbers", at("activity"));
      for (let j = 0; j < act.length; j++) {
        if (typeof act[j] !== "number" || !Number.isFinite(act[j])) {
          throw new DataError(`${JSON.stringify(act[j])} is not a finite number; clean or drop this row`, at(`activity[${j}]`));
        }
      }
    }
    const actLen = act === undefined ? 0 : (act as number[]).length;
    if (activityDim === -1) activityDim = actLen;
    else if (actLen !== activityDim) {
      throw new DataError(
        activityDim === 0 || actLen === 0
          ? "every row must have activity features, or none: earlier rows differ"
          : `has ${actLen} activity values but earlier rows have ${activityDim}`,
        at("activity"),
      );
    }
    const r = label("r", true)!;
    const rStar = label("rStar", false);
    rows.push({
      features: x as number[],
      r,
      ...(rStar !== undefined ? { rStar } : {}),
      ...(obj.group !== undefined ? { group: String(obj.group) } : {}),
      id: typeof obj.id === "string" ? obj.id : `${file}:${i + 1}`,
      ...(act !== undefined ? { activity: act as number[] } : {}),
    });
  }
  if (rows.length === 0) throw new DataError("the file holds no rows", { file });
  const n = rows.length;
  const features = new Float32Array(n * dim);
  rows.forEach((row, i) => {
    features.set(row.features, i * dim);
  });
  const fs: FeatureSet = { n, dim, features, r: Uint8Array.from(rows, (row) => row.r), ids: rows.map((row) => row.id) };
  if (rows.every((row) => row.rStar !== undefined)) fs.rStar = Uint8Array.from(rows, (row) => row.rStar!);
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

/**
 * Reads a features JSONL file and splits it (seeded, prompt groups kept whole): with clean labels on
 * every row, 20 % test and the rest 80/20 train/validation; without, 80/20 train/validation and an
 * empty test split.
 */
export async function loadFeaturesFile(path: string, seed: number): Promise<SplitFeatureSets> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    throw new DataError(`cannot read the file: ${(e as Error).message}`, { file: path });
  }
  const all = parseFeaturesJsonl(text, path);
  const split = splitIndices(all.n, { seed, testFraction: all.rStar ? 0.2 : 0, ...(all.group ? { group: all.group } : {}) });
  return {
    name: path,
    train: takeRows(all, split.train),
    validation: takeRows(all, split.validation),
    test: takeRows(all, split.test),
    info: {
      source: path,
      n: all.n,
      dim: all.dim,
      cleanLabels: all.rStar !== undefined,
      feedbackRate: mean(all.r),
      ...(all.activity ? { activityDim: all.activity.dim } : {}),
    },
  };
}

function mean(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]!;
  return s / a.length;
}
