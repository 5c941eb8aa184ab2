/**
 * @implicitrm/encoders: text → Float32 vectors for reward models. The `Encoder` contract, a
 * zero-download hashing encoder, static word vectors, transformers.js feature extraction (optional
 * peer dependency, loaded on first use), and a crash-safe on-disk embedding cache.
 * Node entry point; `@implicitrm/encoders/hashing` is the browser-safe subset (with the hashing
 * internals `featureHash`, `SALT_WORD`, `SALT_CHAR`), `@implicitrm/encoders/identity` the
 * browser-safe encoder identity and its check against a model record, `@implicitrm/encoders/testing` the fixtures.
 *
 * Encoders have no package-wide settings: where a model comes from (`localModelPath`,
 * `allowRemoteModels`, `cacheDir`) is an option of each `TransformerEncoder.load`, so this package
 * has no `env` object.
 */
export { canonicalJson } from "./canonical-json.js";
export {
  CachedEncoder,
  type CacheIdentity,
  type CacheStats,
  EmbeddingCache,
  type EmbeddingCacheOptions,
} from "./cache.js";
export { type CreateEncoderOptions, createEncoder, createEncoderFromRecord, encoderOptionsFromConfig } from "./create.js";
export {
  type EncoderDescription,
  type EncoderIdentity,
  PRECOMPUTED_SPEC,
  checkEncoderMatches,
  describeEncoder,
  encoderRecordOf,
  encoderSpecOf,
  precomputedEncoderRecord,
} from "./identity.js";
export { type EmbedRowsOptions, embedRows } from "./embed.js";
export { type EncodeOptions, type EncodeProgress, type Encoder, type TextPair, encodePairs } from "./encoder.js";
export { HashingEncoder, type HashingEncoderOptions } from "./hashing.js";
export { StaticEncoder, type StaticEncoderOptions, type StaticEncoderStats } from "./static.js";
export type {
  Device,
  Dtype,
  Pooling,
  TransformerEncoderOptions,
  TransformerProgress,
  TransformerStats,
} from "./transformer/options.js";
export { TransformerEncoder } from "./transformer/transformer-encoder.js";
