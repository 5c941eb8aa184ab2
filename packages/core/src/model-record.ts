/**
 * record.json, the self-description of a model directory: which encoder made the features (so a
 * scorer rebuilds it and checks it), the reward normalisation, the objective, the data and the
 * versions that made the model. Plain data and its validation; no Node APIs, no tfjs.
 */
import { DataError } from "./errors.js";
import type { EncoderRecord } from "./types.js";

export type { EncoderRecord } from "./types.js";

/** The `format` tag of record.json. */
export const MODEL_RECORD_FORMAT = "implicitrm-model-record";
/** The record.json version this code writes and reads. */
export const MODEL_RECORD_VERSION = 1;

/**
 * Reward normalisation: mean and standard deviation of the reward logit f(x) over the validation
 * split (as OpenRLHF stores `config.mean/std`); reward = (f(x) − mean) / std.
 */
export interface RewardNormalization {
  mean: number;
  /** Always > 0 (1 when the split's logits are constant or the split is empty). */
  std: number;
  split: string;
  rows: number;
}

/** record.json, typed. The field set may grow; these names are fixed. */
export interface ModelRecord {
  format: typeof MODEL_RECORD_FORMAT;
  version: number;
  /** The reward head's input dimension. */
  inputDim: number;
  encoder: EncoderRecord;
  normalization: RewardNormalization;
  objective: { name: string; options: Record<string, unknown> };
  data: { spec: string; fingerprint: string; rows: { train: number; validation: number; test: number }; [key: string]: unknown };
  /** Package versions (`@implicitrm/core`: "0.1.0", ...) and `node`. */
  versions: Record<string, string>;
  /** The git commit of the working tree that trained it, when it was a repository. */
  git?: { commit: string; dirty: boolean };
  /** Test metrics, when the data had clean test labels. */
  metrics?: Record<string, unknown>;
  /** ISO time the record was written. */
  createdAt: string;
  [key: string]: unknown;
}

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/**
 * Checks parsed record.json and returns it typed: a DataError naming `file` and the field refuses
 * another format or version, a missing or mistyped encoder (spec, id, dim, config), an inputDim
 * that is not the encoder's dim, and a normalisation whose std is not a positive finite number.
 */
export function parseModelRecord(json: unknown, file = "record.json"): ModelRecord {
  const fail = (field: string, what: string): never => {
    throw new DataError(what, { file, field });
  };
  if (!isObj(json) || json.format !== MODEL_RECORD_FORMAT) fail("format", `not an ImplicitRM model record (format is ${JSON.stringify(isObj(json) ? json.format : json)})`);
  const j = json as Record<string, unknown>;
  if (j.version !== MODEL_RECORD_VERSION) fail("version", `record version ${String(j.version)} is not supported (this version reads ${MODEL_RECORD_VERSION})`);
  if (!(Number.isInteger(j.inputDim) && (j.inputDim as number) > 0)) fail("inputDim", "must be a positive integer");
  const e = j.encoder;
  if (!isObj(e)) return fail("encoder", "must be an object {spec, id, dim, config, pairTemplate}");
  if (typeof e.spec !== "string" || e.spec === "") fail("encoder.spec", "must be a non-empty string");
  if (typeof e.id !== "string" || e.id === "") fail("encoder.id", "must be a non-empty string");
  if (!(Number.isInteger(e.dim) && (e.dim as number) > 0)) fail("encoder.dim", "must be a positive integer");
  if (e.dim !== j.inputDim) fail("encoder.dim", `${String(e.dim)} differs from the model's inputDim ${String(j.inputDim)}`);
  if (!isObj(e.config)) fail("encoder.config", "must be an object");
  if (typeof e.pairTemplate !== "string") fail("encoder.pairTemplate", "must be a string");
  const n = j.normalization;
  if (!isObj(n)) return fail("normalization", "must be an object {mean, std, split, rows}");
  if (typeof n.mean !== "number" || !Number.isFinite(n.mean)) fail("normalization.mean", "must be a finite number");
  if (typeof n.std !== "number" || !Number.isFinite(n.std) || n.std <= 0) fail("normalization.std", `must be a finite number > 0, got ${JSON.stringify(n.std)}`);
  if (!isObj(j.objective) || typeof j.objective.name !== "string") fail("objective", "must be {name, options}");
  if (!isObj(j.data) || typeof j.data.fingerprint !== "string") fail("data", "must be {spec, fingerprint, rows}");
  if (!isObj(j.versions)) fail("versions", "must be an object");
  return j as ModelRecord;
}

/**
 * The reward normalisation of a split's reward logits f(x): their mean and (population) standard
 * deviation, in float64. An empty split gives mean 0; a std that is 0 or not finite becomes 1, so
 * that reward = (f(x) − mean) / std is always defined.
 */
export function rewardNormalization(logits: ArrayLike<number>, split = "validation"): RewardNormalization {
  const n = logits.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += logits[i]!;
  const mean = n > 0 ? sum / n : 0;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (logits[i]! - mean) ** 2;
  const std = n > 0 ? Math.sqrt(ss / n) : 1;
  return { mean, std: Number.isFinite(std) && std > 0 ? std : 1, split, rows: n };
}
