/**
 * Which rows each epoch sees, in which order, and how they are cut into minibatches: every row
 * once, positives plus k× resampled negatives with importance weights, or pairs for pairwise
 * objectives. Deterministic for a given Rng state; plain arrays, no tensors.
 */
import { DataError } from "../errors.js";
import type { PairPartner } from "../objectives/types.js";
import { Rng, deriveSeed } from "../random.js";
import type { RowSource } from "../types.js";
import type { BatchSpec } from "./batch.js";
import type { TrainOptions } from "./options.js";
import { PairSampler, type RowPairs } from "./pairs.js";

/** An epoch's sampling: independent rows (with importance weights under 'positives+k'), or pairs. */
export interface EpochPlan {
  rows?: Int32Array;
  weight?: Float32Array;
  pairs?: RowPairs;
}

/**
 * Row order of one epoch: all rows ('full'), or all positives plus round(k × positives) negatives
 * drawn with replacement ('positives+k'), shuffled. Under 'positives+k' each row also gets the
 * importance weight that makes the epoch's weighted mean equal the mean over the split: with P
 * positives, N negatives and N' drawn, n = P + N and E = P + N', w = E/n for a positive and
 * (N/n)·E/N' for a negative (their mean over the epoch is 1).
 */
export function rowEpoch(labels: Uint8Array, o: TrainOptions, rng: Rng): EpochPlan {
  if (o.sampling === "full") {
    const all = new Int32Array(labels.length);
    for (let i = 0; i < all.length; i++) all[i] = i;
    return { rows: rng.shuffle(all) };
  }
  const pos: number[] = [];
  const neg: number[] = [];
  for (let i = 0; i < labels.length; i++) (labels[i] === 1 ? pos : neg).push(i);
  const nNeg = neg.length === 0 ? 0 : Math.round(o.negativesPerPositive * pos.length);
  const order = new Int32Array(pos.length + nNeg);
  order.set(pos);
  for (let j = 0; j < nNeg; j++) order[pos.length + j] = neg[rng.int(neg.length)]!;
  rng.shuffle(order);
  const n = labels.length;
  const e = order.length;
  const wPos = e / n;
  const wNeg = nNeg > 0 ? ((neg.length / n) * e) / nNeg : 0;
  const weight = new Float32Array(e);
  for (let t = 0; t < e; t++) weight[t] = labels[order[t]!] === 1 ? wPos : wNeg;
  return { rows: order, weight };
}

/**
 * Pairs of one epoch for pairwise objectives: every positive is an anchor once ('full') or
 * round(k × positives) anchors are taken cycling through the shuffled positives ('positives+k',
 * so k partners per positive, the same number of partner draws as the pointwise sampler's negatives);
 * each anchor gets a partner from {@link PairSampler} (same prompt group, fallback: whole split).
 */
export function pairEpoch(sampler: PairSampler, o: TrainOptions, rng: Rng): EpochPlan {
  const positives = rng.shuffle(sampler.anchors());
  const m = o.sampling === "full" ? positives.length : Math.max(positives.length, Math.round(o.negativesPerPositive * positives.length));
  const anchors = new Int32Array(m);
  for (let t = 0; t < m; t++) anchors[t] = positives[t % positives.length]!;
  if (m > positives.length) rng.shuffle(anchors);
  return { pairs: sampler.sample(anchors, rng, "train") };
}

/** The fixed validation pairs of pairwise objectives: every validation positive once, seeded. */
export function validationPairsOf(fs: RowSource, partner: PairPartner, seed: number): RowPairs {
  const sampler = new PairSampler(fs.r, fs.group, partner);
  const anchors = sampler.anchors();
  if (anchors.length === 0) {
    throw new DataError("the validation split has no rows with feedback (r = 1): a pairwise objective selects on held-out pairs anchored at them", {
      file: "validation",
      field: "r",
    });
  }
  return sampler.sample(anchors, new Rng(deriveSeed(seed, "validation-pairs")), "validation");
}

/** Minibatches of an epoch: batchSize rows, or ⌈batchSize/2⌉ pairs (batchSize rows) for pairs. */
export function* batchesOf(plan: EpochPlan, batchSize: number): Generator<BatchSpec> {
  if (plan.rows) {
    for (let start = 0; start < plan.rows.length; start += batchSize) {
      const end = Math.min(plan.rows.length, start + batchSize);
      yield { rows: plan.rows.subarray(start, end), ...(plan.weight ? { weight: plan.weight.subarray(start, end) } : {}) };
    }
    return;
  }
  const { first, second } = plan.pairs!;
  const per = Math.max(1, Math.ceil(batchSize / 2));
  for (let start = 0; start < first.length; start += per) {
    yield pairBatch(first, second, start, Math.min(first.length, start + per));
  }
}

/** The batch of pairs [start, end): the anchors, then their partners in the same order (pairCount m). */
export function pairBatch(first: Int32Array, second: Int32Array, start: number, end: number): BatchSpec {
  const m = end - start;
  const rows = new Int32Array(2 * m);
  rows.set(first.subarray(start, end));
  rows.set(second.subarray(start, end), m);
  return { rows, pairCount: m };
}

/** Row indices start, start + 1, …, end − 1 (a chunk of a held-out pass). */
export function rangeRows(start: number, end: number): Int32Array {
  const rows = new Int32Array(end - start);
  for (let i = 0; i < rows.length; i++) rows[i] = start + i;
  return rows;
}
