/**
 * Reading rows from a {@link RowSource}: features in memory (a FeatureSet) or read on demand (a
 * binary feature store on disk). No I/O and no tensors here: a store brings its own `readRows`.
 */
import { ConfigError, DataError } from "../errors.js";
import type { FeatureSet, RowSource } from "../types.js";

/** Rows read per chunk when a whole source is scanned (prediction, validation passes). */
export const SCAN_CHUNK_ROWS = 4096;

/** Whether the source holds all its features in memory (then it is a FeatureSet). */
export function isInMemory(src: RowSource): src is FeatureSet {
  return src.features instanceof Float32Array;
}

/**
 * The source as a FeatureSet, for code that needs every feature at once (the propensity and
 * class-prior estimators); a ConfigError naming `what` when the features are on disk.
 */
export function requireInMemory(src: RowSource, what: string): FeatureSet {
  if (isInMemory(src)) return src;
  throw new ConfigError(
    `${what} needs all features in memory, but these rows are read from disk in blocks (a feature store); give the value as a number instead, or load a smaller set in memory`,
  );
}

/**
 * Copies the features of `rows` into `out` (rows.length × dim, row-major), from memory or through
 * the source's `readRows`.
 */
export function gatherRows(src: RowSource, rows: ArrayLike<number>, out: Float32Array): void {
  const d = src.dim;
  if (out.length < rows.length * d) throw new RangeError(`gatherRows: out holds ${out.length} values, ${rows.length} rows need ${rows.length * d}`);
  const features = src.features;
  if (features) {
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      out.set(features.subarray(row * d, row * d + d), i * d);
    }
    return;
  }
  if (!src.readRows) throw new DataError("a row source has neither features in memory nor readRows");
  src.readRows(rows, out);
}

/** Features of rows [start, end) as a new array (a view into memory when the source holds them). */
export function readRange(src: RowSource, start: number, end: number): Float32Array {
  const d = src.dim;
  if (src.features) return src.features.subarray(start * d, end * d);
  const rows = new Int32Array(end - start);
  for (let i = 0; i < rows.length; i++) rows[i] = start + i;
  const out = new Float32Array(rows.length * d);
  gatherRows(src, rows, out);
  return out;
}
