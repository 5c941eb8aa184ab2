/**
 * Plain data types shared by every package (no tfjs import, so `@implicitrm/core/types` is free to
 * use from datasets and encoders).
 */

/**
 * Rows of float32 features with their labels, held once as one row-major Float32Array.
 * `r` is the observed implicit feedback (1 = the user acted). The other label arrays exist where
 * the data has ground truth (the simulator, rated datasets) and are used only by the oracle baseline,
 * by evaluation, and by propensity-aware baselines asked for oracle propensities.
 */
export interface FeatureSet {
  /** Number of rows. */
  n: number;
  /** Feature dimension D. */
  dim: number;
  /** n × dim features, row-major. */
  features: Float32Array;
  /** Observed implicit feedback r ∈ {0,1}, one per row. */
  r: Uint8Array;
  /** Clean preference labels r* ∈ {0,1} (ground truth), where known. */
  rStar?: Uint8Array;
  /** The true feedback propensity P(a = 1 | x) used to draw r, where known (simulator). */
  propensity?: Float32Array;
  /** The rescaled grade ℓ' ∈ [1, 5] (higher is better), where known: NDCG gains and pairwise accuracy. */
  grade?: Float32Array;
  /** Prompt group index per row (responses to the same prompt share it), where known. */
  group?: Int32Array;
  /** Row identifiers, where known (for error messages and outputs). */
  ids?: string[];
  /**
   * Explicit negatives, where the data carry them: 1 marks a row whose user acted and said no (a
   * thumbs-down), a known NA row (r* = 0, a = 1; METHOD §2, "Explicit negatives and audited
   * labels"); such a row has r = 0. ImplicitRM fixes its posterior at φ_NA = 1; the other objectives
   * read it as r = 0, as they read any row without feedback. Absent means no row is one.
   */
  explicitNegative?: Uint8Array;
  /**
   * Activity (presentation and user-context) features, where the data carry them: what drives a
   * user's action but not the response's quality (response length, UI position or surface, the
   * user's activity level, device, hour). A second row-major block, one row per row of `features`,
   * read by the activity head of ImplicitRM when `activityInputs` is 'context' or 'both' (METHOD §2,
   * "Identifiability"); never read by the reward head.
   */
  activity?: ActivityBlock;
}

/** The activity feature block of a {@link FeatureSet}: n × dim float32 values, row-major. */
export interface ActivityBlock {
  /** Feature dimension of the block. */
  dim: number;
  /** n × dim values, row-major. */
  features: Float32Array;
  /** Column names (e.g. `responseLength`, `position`, `userActivity`), where known. */
  names?: string[];
}

/** Train / validation / test split of one dataset. The test split always has clean `rStar`. */
export interface SplitFeatureSets {
  name: string;
  train: FeatureSet;
  validation: FeatureSet;
  test: FeatureSet;
  /** Facts about how the data was made (observation rate, positive rate, α, ...), for reports. */
  info: Record<string, number | string | boolean>;
}

/**
 * Rows as the training loop reads them: the labels (and the small activity block) in memory, the
 * content features either in memory (`features`, which makes every {@link FeatureSet} a RowSource)
 * or read on demand with `readRows` (a binary feature store on disk read in blocks, so a set larger
 * than memory trains). A source without `features` must have `readRows`.
 */
export interface RowSource extends Omit<FeatureSet, "features"> {
  /** All n × dim features, row-major, when they are in memory. */
  features?: Float32Array;
  /**
   * Copies the features of `rows` (indices in [0, n), any order, repeats allowed) into `out`,
   * row-major: row k of the result is `out[k·dim … (k+1)·dim)`. Throws a DataError naming the
   * file and row when a stored value is unreadable or not finite.
   */
  readRows?(rows: ArrayLike<number>, out: Float32Array): void;
}

/** Train / validation / test splits whose rows may live on disk ({@link RowSource}); a SplitFeatureSets is one. */
export interface SplitRowSources {
  name: string;
  train: RowSource;
  validation: RowSource;
  test: RowSource;
  /** Facts about how the data was made (observation rate, positive rate, α, ...), for reports. */
  info: Record<string, number | string | boolean>;
  /**
   * The encoder that made the features, as far as the loader knows it: a feature store's header
   * (its spec when the store records one), or the text encoder a loader built. Absent for
   * precomputed features.
   */
  encoder?: { spec?: string; id: string; dim: number; config: Record<string, unknown> };
}

/**
 * The encoder a model's features come from, exactly enough to rebuild and check it: the `encoder`
 * of a model directory's record.json (encoders' `describeEncoder` makes one).
 */
export interface EncoderRecord {
  /** The spec that builds it (`hashing:1024`, `static:<file>`, `transformer:<dir or hub id>`). */
  spec: string;
  /** The encoder's id (`Encoder.id`). */
  id: string;
  /** Floats per row; equals the model's inputDim. */
  dim: number;
  /** Everything that changes the vectors (`Encoder.config`). */
  config: Record<string, unknown>;
  /** How prompt and response are joined: 'plain' (`prompt + "\n\n" + response`) or 'chat' (the tokenizer's chat template). */
  pairTemplate: string;
  /** Content hashes of model files, `{name: "sha256:..."}`. */
  files?: Record<string, string>;
  /** Hub revision of a transformer model. */
  revision?: string;
  /** Pooling of a transformer encoder. */
  pooling?: string;
  /** Maximum tokens per input of a transformer encoder. */
  maxLength?: number;
}
