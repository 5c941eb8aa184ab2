/**
 * Seeded train / validation / test splits (METHOD.md §4 step 6) and row subsetting of FeatureSets
 * (in memory) and RowSources (rows on disk too).
 * Pure TypeScript, no I/O.
 */
import { ConfigError } from "@implicitrm/core/errors";
import { Rng, deriveSeed } from "@implicitrm/core/random";
import type { FeatureSet, RowSource } from "@implicitrm/core/types";

/** Row indices of the three splits, each sorted ascending. */
export interface SplitIndices {
  train: Int32Array;
  validation: Int32Array;
  test: Int32Array;
}

/** Options of {@link splitIndices}. */
export interface SplitOptions {
  /** Fraction of all rows (or, with `group`, of all rows counted through whole groups) in the test split, in [0, 1). Default 0.2. */
  testFraction?: number;
  /** Fraction of the non-test rows in the validation split, in [0, 1). Default 0.2 (the 80/20 train/validation split). */
  validationFraction?: number;
  /** Seed (uint32). Default 42. */
  seed?: number;
  /**
   * Group key per row (e.g. the prompt id). When given, all rows of a group land in the same split,
   * so responses to one prompt never straddle train and test; split sizes then match the fractions
   * up to one group.
   */
  group?: ArrayLike<number> | readonly string[];
}

/**
 * Splits rows 0..n−1 into train / validation / test with a seeded shuffle (the paper's protocol):
 * first `testFraction` of the rows (default 0.2) go to test, which keeps clean r*; the rest is split
 * into train and validation with `validationFraction` (default 0.2, i.e. 80/20) going to validation.
 * Counts are rounded to the nearest row (ungrouped) or reached by adding whole shuffled groups until
 * the target row count is met or passed (grouped). Seed default 42; the same seed and inputs give the
 * same split. Returned indices are sorted ascending and the three sets are disjoint and cover 0..n−1.
 * Throws ConfigError for a bad n, a fraction outside [0, 1), or a group array of the wrong length.
 */
export function splitIndices(n: number, opts: SplitOptions = {}): SplitIndices {
  if (!(Number.isInteger(n) && n >= 0)) throw new ConfigError(`splitIndices: n must be a non-negative integer (got ${n})`);
  const testFraction = opts.testFraction ?? 0.2;
  const validationFraction = opts.validationFraction ?? 0.2;
  checkFraction("testFraction", testFraction);
  checkFraction("validationFraction", validationFraction);
  const seed = opts.seed ?? 42;
  const split = new Int8Array(n); // 0 train, 1 validation, 2 test

  if (opts.group === undefined) {
    const perm = new Int32Array(n);
    for (let i = 0; i < n; i++) perm[i] = i;
    new Rng(deriveSeed(seed, "split")).shuffle(perm);
    const nTest = Math.round(n * testFraction);
    const nVal = Math.round((n - nTest) * validationFraction);
    for (let j = 0; j < n; j++) split[perm[j]!] = j < nTest ? 2 : j < nTest + nVal ? 1 : 0;
  } else {
    const group = opts.group;
    if (group.length !== n) {
      throw new ConfigError(`splitIndices: group has ${group.length} entries but there are ${n} rows`);
    }
    const { index, count } = indexGroups(group);
    const sizes = new Int32Array(count);
    for (let i = 0; i < n; i++) sizes[index[i]!]!++;
    const order = new Int32Array(count);
    for (let g = 0; g < count; g++) order[g] = g;
    new Rng(deriveSeed(seed, "split-groups")).shuffle(order);
    const groupSplit = new Int8Array(count);
    const nTest = Math.round(n * testFraction);
    let j = 0;
    let taken = 0;
    while (j < count && taken < nTest) {
      const g = order[j++]!;
      groupSplit[g] = 2;
      taken += sizes[g]!;
    }
    const nVal = Math.round((n - taken) * validationFraction);
    let takenVal = 0;
    while (j < count && takenVal < nVal) {
      const g = order[j++]!;
      groupSplit[g] = 1;
      takenVal += sizes[g]!;
    }
    for (let i = 0; i < n; i++) split[i] = groupSplit[index[i]!]!;
  }

  const counts = [0, 0, 0];
  for (let i = 0; i < n; i++) counts[split[i]!]!++;
  const out = [new Int32Array(counts[0]!), new Int32Array(counts[1]!), new Int32Array(counts[2]!)];
  const fill = [0, 0, 0];
  for (let i = 0; i < n; i++) {
    const s = split[i]!;
    out[s]![fill[s]!++] = i;
  }
  return { train: out[0]!, validation: out[1]!, test: out[2]! };
}

/** Explicit split fractions for {@link splitRows}; they must be non-negative and sum to 1. */
export interface SplitFractions {
  train: number;
  validation: number;
  test: number;
}

/**
 * Like {@link splitIndices} but with the three fractions given directly (each ≥ 0, summing to 1
 * within 1e-9; train > 0); omitted, the paper's protocol applies: test 0.2, then 80/20 of the rest,
 * i.e. {train: 0.64, validation: 0.16, test: 0.2}. Seed default 42. `group` keeps groups whole.
 */
export function splitRows(
  n: number,
  fractions?: SplitFractions,
  seed = 42,
  group?: ArrayLike<number> | readonly string[],
): SplitIndices {
  if (fractions === undefined) return splitIndices(n, { seed, group });
  const { train, validation, test } = fractions;
  const sum = train + validation + test;
  if (![train, validation, test].every((f) => Number.isFinite(f) && f >= 0) || Math.abs(sum - 1) > 1e-9 || train <= 0) {
    throw new ConfigError(
      `splitRows: fractions must be non-negative, sum to 1 and leave train > 0 (got train ${train}, validation ${validation}, test ${test})`,
    );
  }
  return splitIndices(n, { testFraction: test, validationFraction: validation / (train + validation), seed, group });
}

/**
 * Maps group keys (prompt ids, strings or numbers) to dense indices 0..count−1 in order of first
 * appearance: the `group` Int32Array of a FeatureSet.
 */
export function indexGroups(keys: ArrayLike<number> | readonly string[]): { index: Int32Array; count: number } {
  const ids = new Map<number | string, number>();
  const index = new Int32Array(keys.length);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    let g = ids.get(k);
    if (g === undefined) {
      g = ids.size;
      ids.set(k, g);
    }
    index[i] = g;
  }
  return { index, count: ids.size };
}

/**
 * A new FeatureSet holding rows `idx` of `fs` in that order: features, r and every optional array
 * that is present (rStar, explicitNegative, propensity, grade, group, ids, the activity block) are copied. Throws ConfigError for an index
 * that is not an integer in [0, fs.n).
 */
export function takeRows(fs: FeatureSet, idx: ArrayLike<number>): FeatureSet {
  const m = idx.length;
  const { dim } = fs;
  const features = new Float32Array(m * dim);
  const r = new Uint8Array(m);
  for (let j = 0; j < m; j++) {
    const i = idx[j]!;
    if (!(Number.isInteger(i) && i >= 0 && i < fs.n)) {
      throw new ConfigError(`takeRows: index ${i} at position ${j} is not a row of a set with ${fs.n} rows`);
    }
    features.set(fs.features.subarray(i * dim, (i + 1) * dim), j * dim);
    r[j] = fs.r[i]!;
  }
  const out: FeatureSet = { n: m, dim, features, r };
  if (fs.rStar) out.rStar = gather(fs.rStar, idx, new Uint8Array(m));
  if (fs.explicitNegative) out.explicitNegative = gather(fs.explicitNegative, idx, new Uint8Array(m));
  if (fs.propensity) out.propensity = gather(fs.propensity, idx, new Float32Array(m));
  if (fs.grade) out.grade = gather(fs.grade, idx, new Float32Array(m));
  if (fs.group) out.group = gather(fs.group, idx, new Int32Array(m));
  if (fs.activity) {
    const { dim: ad, features: af } = fs.activity;
    const block = new Float32Array(m * ad);
    for (let j = 0; j < m; j++) block.set(af.subarray(idx[j]! * ad, (idx[j]! + 1) * ad), j * ad);
    out.activity = { dim: ad, features: block, ...(fs.activity.names ? { names: [...fs.activity.names] } : {}) };
  }
  if (fs.ids) {
    const src = fs.ids;
    out.ids = Array.from(idx, (i) => src[i]!);
  }
  return out;
}

function gather<T extends Uint8Array | Float32Array | Int32Array>(src: T, idx: ArrayLike<number>, dst: T): T {
  for (let j = 0; j < idx.length; j++) dst[j] = src[idx[j]!]!;
  return dst;
}

function checkFraction(name: string, f: number): void {
  if (!(Number.isFinite(f) && f >= 0 && f < 1)) {
    throw new ConfigError(`splitIndices: ${name} must be in [0, 1) (got ${f})`);
  }
}

/**
 * The rows `idx` of a source (in that order) as a new source. Rows in memory are copied
 * (`takeRows`); rows on disk are a view whose `readRows` maps through `idx`, with the labels and
 * the activity block gathered in memory.
 */
export function selectRows(src: RowSource, idx: Int32Array): RowSource {
  if (src.features) return takeRows(src as FeatureSet, idx);
  const m = idx.length;
  for (let j = 0; j < m; j++) {
    const i = idx[j]!;
    if (!(i >= 0 && i < src.n)) throw new ConfigError(`selectRows: index ${i} at position ${j} is not a row of a set with ${src.n} rows`);
  }
  const readRows = src.readRows;
  if (!readRows) throw new ConfigError("selectRows: the source has neither features nor readRows");
  const view: RowSource = {
    n: m,
    dim: src.dim,
    r: gather(src.r, idx, new Uint8Array(m)),
    readRows(rows, out) {
      const mapped = new Int32Array(rows.length);
      for (let k = 0; k < rows.length; k++) mapped[k] = idx[rows[k]!]!;
      readRows.call(src, mapped, out);
    },
  };
  if (src.rStar) view.rStar = gather(src.rStar, idx, new Uint8Array(m));
  if (src.explicitNegative) view.explicitNegative = gather(src.explicitNegative, idx, new Uint8Array(m));
  if (src.propensity) view.propensity = gather(src.propensity, idx, new Float32Array(m));
  if (src.grade) view.grade = gather(src.grade, idx, new Float32Array(m));
  if (src.group) view.group = gather(src.group, idx, new Int32Array(m));
  if (src.ids) {
    const ids = src.ids;
    view.ids = Array.from(idx, (i) => ids[i]!);
  }
  if (src.activity) {
    const { dim: ad, features: af } = src.activity;
    const block = new Float32Array(m * ad);
    for (let j = 0; j < m; j++) block.set(af.subarray(idx[j]! * ad, (idx[j]! + 1) * ad), j * ad);
    view.activity = { dim: ad, features: block, ...(src.activity.names ? { names: [...src.activity.names] } : {}) };
  }
  return view;
}
