/**
 * Partners for pairwise objectives (bpr, ubpr), drawn within prompt groups. Part of epoch sampling
 * (see sampling.ts); plain arrays, no tensors.
 */
import { DataError } from "../errors.js";
import type { PairPartner } from "../objectives/types.js";
import type { Rng } from "../random.js";

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
