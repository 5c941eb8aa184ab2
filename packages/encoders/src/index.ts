/**
 * @implicitrm/encoders: text → Float32 vectors for reward models. The `Encoder` contract, a
 * zero-download hashing encoder, static word vectors, transformers.js feature extraction (optional
 * peer dependency, loaded on first use), and a crash-safe on-disk embedding cache.
 * Node entry point; `@implicitrm/encoders/hashing` is the browser-safe subset.
 */
export {
  type EncodeOptions,
  type EncodeProgress,
  type Encoder,
  type TextPair,
  PLAIN_PAIR_SEPARATOR,
  checkPairs,
  checkTexts,
  cosineRows,
  encodePairs,
  formatPlainPair,
} from "./encoder.js";
export { HashingEncoder, type HashingEncoderOptions, SALT_CHAR, SALT_WORD, featureHash } from "./hashing.js";
export { StaticEncoder, type StaticEncoderOptions, type StaticEncoderStats } from "./static.js";
export {
  DTYPE_SUFFIX,
  type Device,
  type Dtype,
  type Pooling,
  TransformerEncoder,
  type TransformerEncoderOptions,
  type TransformerProgress,
  type TransformerStats,
} from "./transformer.js";
export {
  CachedEncoder,
  type CacheIdentity,
  type CacheStats,
  EmbeddingCache,
  type EmbeddingCacheOptions,
  cacheFileName,
  canonicalJson,
  crc32,
  pairKey,
  textKey,
} from "./cache.js";
export { type CreateEncoderOptions, type EmbedRowsOptions, createEncoder, embedRows } from "./embed.js";
