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
