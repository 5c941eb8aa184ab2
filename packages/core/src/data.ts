/** Checks on FeatureSets before training or evaluation: every problem is a DataError saying where. */
import { DataError } from "./errors.js";
import type { PairPartner } from "./objectives/types.js";
import type { Rng } from "./random.js";
import type { RowSource } from "./types.js";

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

/** Pairs of row indices: `first[t]` is the anchor and `second[t]` its partner. */
export interface RowPairs {
  first: Int32Array;
  second: Int32Array;
  /** How many pairs took a partner from the whole split because the anchor's group had none. */
  fallbacks: number;
}

/**
 * Draws partners for pairwise objectives (bpr, ubpr) within prompt groups. `labels` marks the
 * anchors (1) and, for partner 'unlabeled', the candidates (0); `group` gives each row's prompt group
 * (absent: every row is its own group, so every pair falls back). Partner 'unlabeled': a uniformly
 * drawn row of the anchor's group with label 0; 'any': a uniformly drawn other row of the group.
 * When the group has no candidate (a prompt with one response, or none without feedback) the
 * partner is drawn uniformly from the candidates of the whole split instead. Index work is done
 * once in the constructor; each draw is O(1). Deterministic for a given Rng state.
 */
export class PairSampler {
  private readonly labels: ArrayLike<number>;
  private readonly partner: PairPartner;
  /** Rows grouped by group, candidates only; `start[row]`/`count[row]` index the row's group there. */
  private readonly members: Int32Array;
  private readonly start: Int32Array;
  private readonly count: Int32Array;
  private readonly globalCandidates: Int32Array;

  constructor(labels: ArrayLike<number>, group: ArrayLike<number> | undefined, partner: PairPartner) {
    const n = labels.length;
    this.labels = labels;
    this.partner = partner;
    const isCandidate = (i: number) => partner === "any" || labels[i] === 0;
    const byGroup = new Map<number, number[]>();
    const global: number[] = [];
    for (let i = 0; i < n; i++) {
      if (!isCandidate(i)) continue;
      global.push(i);
      if (!group) continue;
      const g = group[i]!;
      const list = byGroup.get(g);
      if (list) list.push(i);
      else byGroup.set(g, [i]);
    }
    this.globalCandidates = Int32Array.from(global);
    this.members = new Int32Array(global.length);
    const offsets = new Map<number, { start: number; count: number }>();
    let pos = 0;
    for (const [g, list] of byGroup) {
      offsets.set(g, { start: pos, count: list.length });
      this.members.set(list, pos);
      pos += list.length;
    }
    this.start = new Int32Array(n);
    this.count = new Int32Array(n);
    if (group) {
      for (let i = 0; i < n; i++) {
        const o = offsets.get(group[i]!);
        if (o) {
          this.start[i] = o.start;
          this.count[i] = o.count;
        }
      }
    }
  }

  /** Rows with label 1, in index order: the anchors. */
  anchors(): Int32Array {
    const out: number[] = [];
    for (let i = 0; i < this.labels.length; i++) if (this.labels[i] === 1) out.push(i);
    return Int32Array.from(out);
  }

  /** A partner for each anchor, drawn with `rng`. Throws a DataError when the split has no candidate at all. */
  sample(anchors: ArrayLike<number>, rng: Rng, split = "train"): RowPairs {
    const m = anchors.length;
    const first = Int32Array.from(anchors);
    const second = new Int32Array(m);
    let fallbacks = 0;
    for (let t = 0; t < m; t++) {
      const i = first[t]!;
      // Candidates in the anchor's own group, less the anchor itself when it is one ('any').
      const own = this.count[i]!;
      const selfIn = this.partner === "any" && own > 0 ? 1 : 0;
      if (own - selfIn > 0) {
        second[t] = this.drawExcluding(this.members, this.start[i]!, own, i, selfIn === 1, rng);
        continue;
      }
      fallbacks++;
      const globalSelf = this.partner === "any" ? 1 : 0;
      if (this.globalCandidates.length - globalSelf <= 0) {
        throw new DataError(
          this.partner === "any"
            ? `the ${split} split has one row: pairwise objectives need at least two`
            : `the ${split} split has no rows without feedback (r = 0) to pair with: a pairwise objective cannot be trained on it`,
          { file: split, field: "r" },
        );
      }
      second[t] = this.drawExcluding(this.globalCandidates, 0, this.globalCandidates.length, i, globalSelf === 1, rng);
    }
    return { first, second, fallbacks };
  }

  /** Uniform draw from list[start, start + count), redrawing while it hits `self` (then count ≥ 2, so ≤ 2 draws expected). */
  private drawExcluding(list: Int32Array, start: number, count: number, self: number, skipSelf: boolean, rng: Rng): number {
    for (;;) {
      const row = list[start + rng.int(count)]!;
      if (!skipSelf || row !== self) return row;
    }
  }
}
