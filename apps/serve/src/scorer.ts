/**
 * The scorer: a model's heads, its record (record.json) and the encoder the record describes,
 * turned into rewards. Browser-safe: no Node APIs; `createRewardScorer` takes parsed JSON and an
 * encoder the caller built (in Node, `loadRewardModel` does both from a model directory).
 */
import { ConfigError, type ModelRecord, RewardModel, deserializeModel, parseModelRecord } from "@implicitrm/core";
import { type Encoder, encodePairs } from "@implicitrm/encoders/hashing";
import { checkEncoderMatches } from "@implicitrm/encoders/identity";

/** One text to score: a response, with the prompt it answers when there is one. */
export interface ScoreInput {
  prompt?: string;
  response: string;
}

/**
 * A scored row. `logit` = f(x), the reward head's output; `reward` = (logit − mean) / std with the
 * model's normalisation (record.json `normalization`, over the validation split); `score` = σ(logit),
 * the probability that the response is preferred.
 */
export interface Scored {
  logit: number;
  reward: number;
  score: number;
}

/** A loaded reward model: its record, its encoder, and scoring of text or of features. */
export interface RewardScorer {
  /** record.json, typed. */
  readonly info: ModelRecord;
  /** The encoder, built from `info.encoder` (or given) and checked against it. */
  readonly encoder: Encoder;
  /** Encodes the items (as (prompt, response) pairs; a missing prompt is empty) and scores them, in input order. */
  score(items: readonly ScoreInput[]): Promise<Scored[]>;
  /** Scores `rows` rows of row-major features; a DataError when `features.length !== rows × inputDim`. */
  scoreFeatures(features: Float32Array, rows: number): Scored[];
  /** Logits f(x) of `rows` rows of features, checked as {@link RewardScorer.scoreFeatures} does. */
  logits(features: Float32Array, rows: number): Float32Array;
  /** Frees the heads (and the encoder when the scorer built it). */
  dispose(): Promise<void>;
}

/** The parts of a scorer: model.json (parsed JSON, or a RewardModel), record.json (parsed) and an encoder. */
export interface ScorerParts {
  model: unknown;
  record: ModelRecord | unknown;
  encoder: Encoder;
}

/**
 * {@link Scored} of one logit with normalisation (mean, std): reward = (logit − mean) / std,
 * score = σ(logit).
 */
export function toScored(logit: number, norm: { mean: number; std: number }): Scored {
  return { logit, reward: (logit - norm.mean) / norm.std, score: 1 / (1 + Math.exp(-logit)) };
}

/**
 * Builds a scorer from parsed model.json, parsed record.json and an encoder. Browser-safe. Checks
 * the record ({@link parseModelRecord}), that model.json's inputDim is the record's, and that the
 * encoder matches the record's id, dim and config (a ConfigError saying which field differs, e.g.
 * `encoder dim 512 differs from the model's 1024`). A tfjs backend must be active (any: the cpu
 * one is enough). The encoder is the caller's: `dispose()` frees only the heads.
 */
export function createRewardScorer(parts: ScorerParts): RewardScorer {
  return makeScorer(parts, false);
}

/** @internal {@link createRewardScorer}, with `ownsEncoder`: dispose() also frees the encoder. */
export function makeScorer(parts: ScorerParts, ownsEncoder: boolean): RewardScorer {
  const info = parseModelRecord(parts.record);
  const model = parts.model instanceof RewardModel ? parts.model : deserializeModel(parts.model, "model.json");
  if (model.inputDim !== info.inputDim) {
    throw new ConfigError(`model.json has inputDim ${model.inputDim}, record.json says ${info.inputDim}: the two files are from different runs`);
  }
  checkEncoderMatches(parts.encoder, info.encoder);
  const encoder = parts.encoder;
  const norm = info.normalization;
  let disposed = false;
  const open = () => {
    if (disposed) throw new ConfigError("this reward scorer was disposed");
  };
  const logits = (features: Float32Array, rows: number) => {
    open();
    return model.predictLogits(features, { rows });
  };
  const scoreFeatures = (features: Float32Array, rows: number) => Array.from(logits(features, rows), (z) => toScored(z, norm));
  return {
    info,
    encoder,
    logits,
    scoreFeatures,
    async score(items) {
      open();
      const pairs = items.map((it) => ({ prompt: it?.prompt ?? "", response: it?.response }));
      const features = await encodePairs(encoder, pairs as { prompt: string; response: string }[]);
      return scoreFeatures(features, items.length);
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      model.dispose();
      if (ownsEncoder) await encoder.dispose?.();
    },
  };
}
