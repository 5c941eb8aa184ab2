/** Checks on rows (FeatureSets, RowSources) before training or evaluation: every problem is a DataError saying where. */
import { DataError } from "../errors.js";
import type { RowSource } from "../types.js";

/**
 * Throws a DataError when a FeatureSet (or any RowSource) is unusable: sizes that disagree,
 * non-finite features (reporting the first row and column), labels outside {0, 1}, propensities
 * outside (0, 1]. Features read from disk on demand (no `features`, a `readRows`) are checked as
 * they are read, by the source. `name` says which split is meant ("train", "validation", ...).
 */
export function validateFeatureSet(fs: RowSource, name: string, expectDim?: number): void {
  const where = (row?: number, field?: string) => ({ file: name, ...(row !== undefined ? { row } : {}), ...(field ? { field } : {}) });
  if (!Number.isInteger(fs.n) || fs.n < 1) throw new DataError(`the ${name} split has no rows`, where());
  if (!Number.isInteger(fs.dim) || fs.dim < 1) throw new DataError(`feature dimension must be a positive integer, got ${fs.dim}`, where());
  if (expectDim !== undefined && fs.dim !== expectDim) {
    throw new DataError(`feature dimension ${fs.dim} does not match the training features' ${expectDim}; encode both with the same encoder`, where());
  }
  const features = fs.features;
  if (!features && typeof fs.readRows !== "function") throw new DataError(`the ${name} split has neither features in memory nor a way to read them (readRows)`, where());
  if (features && features.length !== fs.n * fs.dim) {
    throw new DataError(`features hold ${features.length} values, expected n × dim = ${fs.n} × ${fs.dim}`, where());
  }
  for (let i = 0; features && i < features.length; i++) {
    if (!Number.isFinite(features[i]!)) {
      const row = Math.floor(i / fs.dim);
      throw new DataError(
        `feature ${i % fs.dim} is ${features[i]} (not a finite number)${fs.ids?.[row] ? ` in row id "${fs.ids[row]}"` : ""}; clean or drop such rows before training`,
        where(row, `features[${i % fs.dim}]`),
      );
    }
  }
  if (fs.activity) checkActivityBlock(fs, name, where);
  checkBinary(fs.r, fs.n, "r", where);
  if (fs.rStar) checkBinary(fs.rStar, fs.n, "rStar", where);
  if (fs.explicitNegative) {
    checkBinary(fs.explicitNegative, fs.n, "explicitNegative", where);
    for (let i = 0; i < fs.n; i++) {
      if (fs.explicitNegative[i] === 1 && fs.r[i] === 1) {
        throw new DataError("a row is both an explicit negative and a positive (r = 1); a thumbs-down row must have r = 0: fix the row's actions", where(i, "explicitNegative"));
      }
    }
  }
  if (fs.group && fs.group.length !== fs.n) throw new DataError(`group has ${fs.group.length} values for ${fs.n} rows`, where(undefined, "group"));
  if (fs.propensity) {
    if (fs.propensity.length !== fs.n) throw new DataError(`propensity has ${fs.propensity.length} values for ${fs.n} rows`, where(undefined, "propensity"));
    for (let i = 0; i < fs.n; i++) {
      const p = fs.propensity[i]!;
      if (!(p > 0 && p <= 1)) throw new DataError(`propensity ${p} is outside (0, 1]`, where(i, "propensity"));
    }
  }
}

/** The activity block: a positive dimension, n × dim finite values, names (when given) one per column. */
function checkActivityBlock(fs: RowSource, name: string, where: (row?: number, field?: string) => { file: string; row?: number; field?: string }): void {
  const a = fs.activity!;
  if (!Number.isInteger(a.dim) || a.dim < 1) throw new DataError(`activity feature dimension must be a positive integer, got ${a.dim}`, where(undefined, "activity"));
  if (a.features.length !== fs.n * a.dim) {
    throw new DataError(`activity features hold ${a.features.length} values, expected n × dim = ${fs.n} × ${a.dim}`, where(undefined, "activity"));
  }
  if (a.names && a.names.length !== a.dim) throw new DataError(`activity features have ${a.names.length} names for ${a.dim} columns`, where(undefined, "activity"));
  for (let i = 0; i < a.features.length; i++) {
    if (!Number.isFinite(a.features[i]!)) {
      const col = i % a.dim;
      throw new DataError(
        `activity feature ${a.names?.[col] ?? col} is ${a.features[i]} (not a finite number) in the ${name} split; clean or drop such rows`,
        where(Math.floor(i / a.dim), `activity[${a.names?.[col] ?? col}]`),
      );
    }
  }
}

function checkBinary(
  labels: ArrayLike<number>,
  n: number,
  field: string,
  where: (row?: number, field?: string) => { file: string; row?: number; field?: string },
): void {
  if (labels.length !== n) throw new DataError(`${field} has ${labels.length} values for ${n} rows`, where(undefined, field));
  for (let i = 0; i < n; i++) {
    const v = labels[i]!;
    if (v !== 0 && v !== 1) throw new DataError(`${field} must be 0 or 1, got ${v}`, where(i, field));
  }
}

/** Number of rows whose label is 1. */
export function countPositives(labels: ArrayLike<number>): number {
  let c = 0;
  for (let i = 0; i < labels.length; i++) c += labels[i] === 1 ? 1 : 0;
  return c;
}
