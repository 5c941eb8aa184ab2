/**
 * @implicitrm/serve, browser-safe part: build a scorer from parsed model.json and record.json and
 * an encoder (e.g. `new HashingEncoder(...)` from `@implicitrm/encoders/hashing`). No Node APIs;
 * loading a model directory from disk is `loadRewardModel` in the main entry.
 */
export { type ModelRecord, parseModelRecord } from "@implicitrm/core";
export { type RewardScorer, type ScoreInput, type Scored, type ScorerParts, createRewardScorer, toScored } from "./scorer.js";
