/**
 * Evaluation metrics (METHOD.md section 5): MAE, RMSE, R², AUROC, Pearson, NLL, ECE, NDCG, recall at a
 * threshold, the F1-optimal threshold and within-prompt pairwise accuracy. Pure TypeScript with no tfjs
 * or Node imports, so browsers can use it alone via `@implicitrm/core/metrics`.
 *
 * Conventions shared by every function: inputs are `ArrayLike<number>` of equal, non-zero length
 * (a mismatch or an empty input throws a `DataError` naming the function and the lengths), NaN
 * anywhere in an input throws, predictions `p` are probabilities in [0, 1] and binary labels `y` are
 * 0 or 1; where a label has to be read as a class (AUROC, F1, recall) a row is positive when
 * `y >= 0.5`.
 */
import { DataError } from "./errors.js";

/** Everything `classificationMetrics` reports; see that function for each field's definition. */
export interface Metrics {
  mae: number;
  rmse: number;
  r2: number;
  auroc: number;
  pearson: number;
  nll: number;
  ece: number;
  ndcg: number;
  /** Recall of `p >= threshold`; NaN when no threshold was given. */
  recall: number;
  /** Within-group pairwise accuracy; NaN when grade/group were not given or no pair qualifies. */
  pairwiseAccuracy: number;
  /** Number of pairs behind `pairwiseAccuracy`; 0 when grade/group were not given. */
  pairs: number;
  /** mean(p): the predicted share of positives. */
  meanPrediction: number;
  /** mean(y): the true share of positives. */
  positiveRate: number;
  /** |mean(p) − mean(y)|: how far the predicted share of positives is from the true one. */
  rateError: number;
}

/** Inputs of `classificationMetrics`. */
export interface MetricsInput {
  /** Predicted probabilities in [0, 1]. */
  p: ArrayLike<number>;
  /** Binary labels (0 or 1). */
  y: ArrayLike<number>;
  /** Graded relevance (non-negative), used for NDCG and pairwise accuracy when given. */
  grade?: ArrayLike<number>;
  /** Prompt group ids (e.g. an Int32Array); pairwise accuracy compares rows within a group. */
  group?: ArrayLike<number>;
  /** Decision threshold for recall, chosen on validation data by the caller. */
  threshold?: number;
}

// ---------------------------------------------------------------------------------------------
// Validation helpers

function checkArray(fn: string, name: string, a: ArrayLike<number>): void {
  if (a.length === 0) throw new DataError(`${fn}: ${name} is empty; metrics need at least one row`);
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(a[i]!)) throw new DataError(`${fn}: ${name}[${i}] is NaN`);
  }
}

function checkPair(fn: string, an: string, a: ArrayLike<number>, bn: string, b: ArrayLike<number>): number {
  if (a.length !== b.length) {
    throw new DataError(`${fn}: ${an} has length ${a.length} but ${bn} has length ${b.length}; they must match`);
  }
  checkArray(fn, an, a);
  checkArray(fn, bn, b);
  return a.length;
}

function isPositive(label: number): boolean {
  return label >= 0.5;
}

function compareAsc(x: number, y: number): number {
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Row indices sorted by `values[i]` descending (stable, so ties keep input order). */
function orderDescending(values: ArrayLike<number>): number[] {
  const idx = Array.from({ length: values.length }, (_, i) => i);
  idx.sort((i, j) => compareAsc(values[j]!, values[i]!));
  return idx;
}

// ---------------------------------------------------------------------------------------------
// Regression-style metrics

/**
 * Mean absolute error `mean(|p_i − y_i|)`, in the units of the inputs (for probabilities against
 * binary labels: between 0 and 1, lower is better). Throws when the lengths differ or the input is
 * empty; there is no NaN case.
 */
export function mae(p: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = checkPair("mae", "p", p, "y", y);
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.abs(p[i]! - y[i]!);
  return s / n;
}

/**
 * Root mean squared error `sqrt(mean((p_i − y_i)²))`, in the units of the inputs (between 0 and 1 for
 * probabilities against binary labels, lower is better). Throws when the lengths differ or the input
 * is empty; there is no NaN case.
 */
export function rmse(p: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = checkPair("rmse", "p", p, "y", y);
  let s = 0;
  for (let i = 0; i < n; i++) {
    const d = p[i]! - y[i]!;
    s += d * d;
  }
  return Math.sqrt(s / n);
}

/**
 * Coefficient of determination `1 − SS_res / SS_tot` of the predictions `p` against the (binary)
 * targets `y`, with `SS_res = Σ(y_i − p_i)²` and `SS_tot = Σ(y_i − ȳ)²`; dimensionless, 1 is perfect,
 * 0 matches predicting the mean label, and it can be negative. Returns NaN when `SS_tot = 0` (every
 * label equal). Throws when the lengths differ or the input is empty.
 */
export function r2(p: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = checkPair("r2", "p", p, "y", y);
  let mean = 0;
  for (let i = 0; i < n; i++) mean += y[i]!;
  mean /= n;
  let ssRes = 0;
  let ssTot = 0;
  for (let i = 0; i < n; i++) {
    const r = y[i]! - p[i]!;
    const t = y[i]! - mean;
    ssRes += r * r;
    ssTot += t * t;
  }
  return ssTot === 0 ? Number.NaN : 1 - ssRes / ssTot;
}

/**
 * Pearson correlation coefficient of `a` and `b` (dimensionless, in [−1, 1]), computed in two passes
 * (means first) for accuracy. Returns NaN when either input has zero variance (including a single
 * row). Throws when the lengths differ or the input is empty.
 */
export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = checkPair("pearson", "a", a, "b", b);
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i]!;
    mb += b[i]!;
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i]! - ma;
    const db = b[i]! - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  if (saa === 0 || sbb === 0) return Number.NaN;
  const r = sab / Math.sqrt(saa * sbb);
  return Math.max(-1, Math.min(1, r));
}

// ---------------------------------------------------------------------------------------------
// Ranking and probabilistic metrics

/**
 * Area under the ROC curve via the Mann–Whitney U statistic: `(R₊ − n₊(n₊+1)/2) / (n₊·n₋)` where `R₊`
 * is the sum of the (1-based, ascending) ranks of the positive rows and tied scores share their
 * average rank, so a positive/negative pair with equal scores counts one half (all-tied scores give
 * exactly 0.5). Dimensionless in [0, 1]; O(n log n). Rows with `y >= 0.5` are positive. Returns NaN
 * when either class is absent. Throws when the lengths differ, the input is empty or a score is NaN.
 */
export function auroc(scores: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = checkPair("auroc", "scores", scores, "y", y);
  let nPos = 0;
  for (let i = 0; i < n; i++) if (isPositive(y[i]!)) nPos++;
  const nNeg = n - nPos;
  if (nPos === 0 || nNeg === 0) return Number.NaN;
  const idx = Array.from({ length: n }, (_, i) => i);
  idx.sort((i, j) => compareAsc(scores[i]!, scores[j]!));
  let rankSumPos = 0;
  let start = 0;
  while (start < n) {
    const v = scores[idx[start]!]!;
    let end = start + 1;
    while (end < n && scores[idx[end]!]! === v) end++;
    // Rows start..end-1 (0-based) share the average of 1-based ranks start+1..end.
    const avgRank = (start + 1 + end) / 2;
    for (let k = start; k < end; k++) if (isPositive(y[idx[k]!]!)) rankSumPos += avgRank;
    start = end;
  }
  return (rankSumPos - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

/**
 * Mean negative log-likelihood (log-loss, natural log, nats per row)
 * `−mean(y_i·ln p_i + (1 − y_i)·ln(1 − p_i))`, with each `p_i` clipped to `[eps, 1 − eps]` first so
 * that confident mistakes (p = 0 or 1) give a large but finite loss (at most `−ln eps`, about 16.12
 * for the default `eps = 1e-7`). Soft labels in [0, 1] are accepted. Throws when the lengths differ,
 * the input is empty, or `eps` is not in (0, 0.5).
 */
export function nll(p: ArrayLike<number>, y: ArrayLike<number>, eps = 1e-7): number {
  const n = checkPair("nll", "p", p, "y", y);
  if (!(eps > 0 && eps < 0.5)) throw new DataError(`nll: eps must be in (0, 0.5), got ${eps}`);
  let s = 0;
  for (let i = 0; i < n; i++) {
    const q = Math.min(1 - eps, Math.max(eps, p[i]!));
    const t = y[i]!;
    if (t !== 0) s -= t * Math.log(q);
    if (t !== 1) s -= (1 - t) * Math.log(1 - q);
  }
  return s / n;
}

/**
 * Expected calibration error `Σ_b (n_b / n)·|mean(p in b) − mean(y in b)|` over `bins` equal-width
 * bins on [0, 1] (default 10): bin b holds `b/bins <= p < (b+1)/bins`, the last bin is closed at 1,
 * values outside [0, 1] are clamped into the end bins, and empty bins contribute nothing. In the
 * units of the labels (0 is perfectly calibrated). Throws when the lengths differ, the input is
 * empty, or `bins` is not a positive integer.
 */
export function ece(p: ArrayLike<number>, y: ArrayLike<number>, bins = 10): number {
  const n = checkPair("ece", "p", p, "y", y);
  if (!Number.isInteger(bins) || bins < 1) throw new DataError(`ece: bins must be a positive integer, got ${bins}`);
  const count = new Float64Array(bins);
  const sumP = new Float64Array(bins);
  const sumY = new Float64Array(bins);
  for (let i = 0; i < n; i++) {
    const v = p[i]!;
    const b = Math.min(bins - 1, Math.max(0, Math.floor(v * bins)));
    count[b]! += 1;
    sumP[b]! += v;
    sumY[b]! += y[i]!;
  }
  let e = 0;
  for (let b = 0; b < bins; b++) {
    const c = count[b]!;
    if (c > 0) e += Math.abs(sumP[b]! - sumY[b]!) / n; // (c/n)·|sumP/c − sumY/c|
  }
  return e;
}

/**
 * Normalised discounted cumulative gain over the full ranked list: rows are ranked by `scores`
 * descending, `DCG = Σ_r rel_(r) / log2(r + 1)` with 1-based rank r and linear gain (the relevance
 * itself), and `NDCG = DCG / IDCG` where IDCG sorts by relevance. Tied scores are handled by
 * averaging over all orderings of each tied block: every row in a block of equal scores receives the
 * mean discount of the ranks that block spans, which is the exact expected DCG under a uniformly
 * random tie-break (so the result does not depend on input order). Dimensionless in [0, 1]. Returns
 * NaN when IDCG = 0 (no relevant row). Throws when the lengths differ, the input is empty, or a
 * relevance is negative.
 */
export function ndcg(scores: ArrayLike<number>, relevance: ArrayLike<number>): number {
  const n = checkPair("ndcg", "scores", scores, "relevance", relevance);
  for (let i = 0; i < n; i++) {
    if (relevance[i]! < 0) throw new DataError(`ndcg: relevance[${i}] is ${relevance[i]!}; gains must be >= 0`);
  }
  const discount = (rank0: number) => 1 / Math.log2(rank0 + 2);
  const byScore = orderDescending(scores);
  let dcg = 0;
  let start = 0;
  while (start < n) {
    const v = scores[byScore[start]!]!;
    let end = start + 1;
    while (end < n && scores[byScore[end]!]! === v) end++;
    let discSum = 0;
    let gainSum = 0;
    for (let k = start; k < end; k++) {
      discSum += discount(k);
      gainSum += relevance[byScore[k]!]!;
    }
    dcg += (gainSum * discSum) / (end - start);
    start = end;
  }
  const byRel = orderDescending(relevance);
  let idcg = 0;
  for (let k = 0; k < n; k++) idcg += relevance[byRel[k]!]! * discount(k);
  if (idcg === 0) return Number.NaN;
  return dcg / idcg;
}

// ---------------------------------------------------------------------------------------------
// Thresholded metrics

/**
 * The threshold `t`, among the distinct values of `p`, that maximises F1 = 2TP / (2TP + FP + FN) of
 * the rule "predict positive when `p >= t`" (rows with `y >= 0.5` are positive), together with that
 * F1 (dimensionless, in [0, 1]). O(n log n). When several thresholds reach the same F1 the largest
 * one (fewest predicted positives) is returned. Returns `{ threshold: NaN, f1: NaN }` when there is
 * no positive row (F1 is undefined). Throws when the lengths differ or the input is empty.
 */
export function f1OptimalThreshold(p: ArrayLike<number>, y: ArrayLike<number>): { threshold: number; f1: number } {
  const n = checkPair("f1OptimalThreshold", "p", p, "y", y);
  let nPos = 0;
  for (let i = 0; i < n; i++) if (isPositive(y[i]!)) nPos++;
  if (nPos === 0) return { threshold: Number.NaN, f1: Number.NaN };
  const order = orderDescending(p);
  let best = { threshold: Number.NaN, f1: -1 };
  let tp = 0;
  let k = 0;
  while (k < n) {
    const t = p[order[k]!]!;
    while (k < n && p[order[k]!]! === t) {
      if (isPositive(y[order[k]!]!)) tp++;
      k++;
    }
    // k rows are predicted positive at threshold t: 2TP + FP + FN = k + nPos.
    const f1 = (2 * tp) / (k + nPos);
    if (f1 > best.f1) best = { threshold: t, f1 };
  }
  return best;
}

/**
 * Recall TP / (TP + FN) of the rule "predict positive when `p >= threshold`" (rows with `y >= 0.5` are
 * positive); dimensionless in [0, 1]. The threshold should be chosen on validation data (e.g. with
 * `f1OptimalThreshold`). Returns NaN when there is no positive row. Throws when the lengths differ,
 * the input is empty, or the threshold is NaN.
 */
export function recallAt(p: ArrayLike<number>, y: ArrayLike<number>, threshold: number): number {
  const n = checkPair("recallAt", "p", p, "y", y);
  if (Number.isNaN(threshold)) throw new DataError("recallAt: threshold is NaN");
  let pos = 0;
  let tp = 0;
  for (let i = 0; i < n; i++) {
    if (!isPositive(y[i]!)) continue;
    pos++;
    if (p[i]! >= threshold) tp++;
  }
  return pos === 0 ? Number.NaN : tp / pos;
}

/**
 * Within-prompt pairwise accuracy (RewardBench style): for every group id in `groups` (e.g. an
 * Int32Array of prompt ids) and every pair of its rows with different `grades`, the pair scores 1
 * when the better-graded row has the strictly higher score, 0.5 when the scores tie, and 0 otherwise;
 * pairs with equal grades and pairs across groups are skipped. Returns the mean over counted pairs
 * (dimensionless, in [0, 1]) and their number; `accuracy` is NaN when `pairs = 0`. O(n log n) (a
 * Fenwick tree per group, not a loop over pairs). Throws when the three lengths differ or the input
 * is empty.
 */
export function pairwiseAccuracy(
  scores: ArrayLike<number>,
  grades: ArrayLike<number>,
  groups: ArrayLike<number>,
): { accuracy: number; pairs: number } {
  const n = checkPair("pairwiseAccuracy", "scores", scores, "grades", grades);
  checkPair("pairwiseAccuracy", "scores", scores, "groups", groups);
  // Sort by (group, grade ascending); each group is then a run of grade blocks.
  const idx = Array.from({ length: n }, (_, i) => i);
  idx.sort((i, j) => compareAsc(groups[i]!, groups[j]!) || compareAsc(grades[i]!, grades[j]!));
  let pairs = 0;
  let correct = 0;
  let gStart = 0;
  while (gStart < n) {
    const g = groups[idx[gStart]!]!;
    let gEnd = gStart + 1;
    while (gEnd < n && groups[idx[gEnd]!]! === g) gEnd++;
    const m = gEnd - gStart;
    if (m > 1) {
      // Dense 1-based ranks of this group's scores.
      const distinct = Array.from(new Set(Array.from({ length: m }, (_, k) => scores[idx[gStart + k]!]!))).sort(
        compareAsc,
      );
      const rankOf = new Map<number, number>();
      for (let r = 0; r < distinct.length; r++) rankOf.set(distinct[r]!, r + 1);
      const tree = new Float64Array(distinct.length + 1);
      const add = (r: number) => {
        for (let x = r; x < tree.length; x += x & -x) tree[x]! += 1;
      };
      const prefix = (r: number) => {
        let s = 0;
        for (let x = r; x > 0; x -= x & -x) s += tree[x]!;
        return s;
      };
      let seen = 0; // rows of strictly lower grade already in the tree
      let bStart = gStart;
      while (bStart < gEnd) {
        const grade = grades[idx[bStart]!]!;
        let bEnd = bStart + 1;
        while (bEnd < gEnd && grades[idx[bEnd]!]! === grade) bEnd++;
        if (seen > 0) {
          for (let k = bStart; k < bEnd; k++) {
            const r = rankOf.get(scores[idx[k]!]!)!;
            const below = prefix(r - 1);
            const tied = prefix(r) - below;
            correct += below + 0.5 * tied;
            pairs += seen;
          }
        }
        for (let k = bStart; k < bEnd; k++) add(rankOf.get(scores[idx[k]!]!)!);
        seen += bEnd - bStart;
        bStart = bEnd;
      }
    }
    gStart = gEnd;
  }
  return { accuracy: pairs === 0 ? Number.NaN : correct / pairs, pairs };
}

// ---------------------------------------------------------------------------------------------
// Everything at once

/**
 * All section-5 metrics of predictions `p` against binary labels `y` in one object: `mae`, `rmse`,
 * `r2`, `auroc`, `pearson` (of p and y), `nll` (eps 1e-7), `ece` (10 bins), `ndcg` (relevance =
 * `grade` when given, else `y`), `recall` (at the given `threshold`, which the caller picks on
 * validation data; NaN when no threshold is given) and `pairwiseAccuracy`/`pairs` (only when both
 * `grade` and `group` are given, else NaN and 0), `meanPrediction`, `positiveRate` (the means of p
 * and of the binary y) and `rateError` = |meanPrediction − positiveRate|. Each field keeps its function's NaN cases (e.g.
 * `auroc`/`r2`/`pearson` are NaN when one class is absent). Throws when any given array's length
 * differs from `p`'s or the input is empty.
 */
export function classificationMetrics(input: MetricsInput): Metrics {
  const { p, y, grade, group, threshold } = input;
  checkPair("classificationMetrics", "p", p, "y", y);
  if (grade !== undefined) checkPair("classificationMetrics", "p", p, "grade", grade);
  if (group !== undefined) checkPair("classificationMetrics", "p", p, "group", group);
  const pw = grade !== undefined && group !== undefined ? pairwiseAccuracy(p, grade, group) : undefined;
  return {
    mae: mae(p, y),
    rmse: rmse(p, y),
    r2: r2(p, y),
    auroc: auroc(p, y),
    pearson: pearson(p, y),
    nll: nll(p, y),
    ece: ece(p, y),
    ndcg: ndcg(p, grade ?? y),
    recall: threshold === undefined ? Number.NaN : recallAt(p, y, threshold),
    pairwiseAccuracy: pw?.accuracy ?? Number.NaN,
    pairs: pw?.pairs ?? 0,
    ...rates(p, y),
  };
}

function rates(p: ArrayLike<number>, y: ArrayLike<number>): { meanPrediction: number; positiveRate: number; rateError: number } {
  let sp = 0;
  let sy = 0;
  for (let i = 0; i < p.length; i++) {
    sp += p[i]!;
    sy += isPositive(y[i]!) ? 1 : 0;
  }
  const meanPrediction = sp / p.length;
  const positiveRate = sy / p.length;
  return { meanPrediction, positiveRate, rateError: Math.abs(meanPrediction - positiveRate) };
}
