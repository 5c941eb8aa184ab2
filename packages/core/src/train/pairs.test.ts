import { describe, expect, it } from "vitest";
import { DataError } from "../errors.js";
import { Rng } from "../random.js";
import { PairSampler } from "./pairs.js";

describe("PairSampler", () => {
  // 8 rows in groups [0 0 0 | 1 1 | 2 | 3 3]; r = [1 0 0 | 1 1 | 1 | 0 1]
  const r = Uint8Array.from([1, 0, 0, 1, 1, 1, 0, 1]);
  const group = Int32Array.from([0, 0, 0, 1, 1, 2, 3, 3]);

  it("'unlabeled' pairs each positive with an r = 0 row of its group, or of the split when the group has none", () => {
    const s = new PairSampler(r, group, "unlabeled");
    expect(Array.from(s.anchors())).toEqual([0, 3, 4, 5, 7]);
    const counts = new Map<string, number>();
    const rng = new Rng(1);
    for (let k = 0; k < 200; k++) {
      const pairs = s.sample(s.anchors(), rng);
      expect(pairs.fallbacks).toBe(3); // rows 3, 4 (group 1 all positive) and 5 (alone)
      for (let t = 0; t < pairs.first.length; t++) {
        const key = `${pairs.first[t]}-${pairs.second[t]}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
        expect(r[pairs.second[t]!]).toBe(0);
      }
    }
    // row 0: its group's r = 0 rows 1 and 2, about equally often
    expect(counts.get("0-1")! + counts.get("0-2")!).toBe(200);
    expect(counts.get("0-1")!).toBeGreaterThan(70);
    // row 7: group 3's only r = 0 row, 6
    expect(counts.get("7-6")).toBe(200);
    // row 5 falls back to any r = 0 row of the split: 1, 2 or 6
    expect(["5-1", "5-2", "5-6"].every((k) => (counts.get(k) ?? 0) > 30)).toBe(true);
  });

  it("'any' pairs with another row of the group, never the anchor itself", () => {
    const s = new PairSampler(r, group, "any");
    const rng = new Rng(2);
    for (let k = 0; k < 100; k++) {
      const pairs = s.sample(s.anchors(), rng);
      expect(pairs.fallbacks).toBe(1); // row 5 is alone in its group
      for (let t = 0; t < pairs.first.length; t++) {
        const i = pairs.first[t]!;
        const j = pairs.second[t]!;
        expect(j).not.toBe(i);
        if (i !== 5) expect(group[j]).toBe(group[i]);
      }
    }
  });

  it("without groups every pair is a random pair", () => {
    const s = new PairSampler(r, undefined, "unlabeled");
    const pairs = s.sample(s.anchors(), new Rng(3));
    expect(pairs.fallbacks).toBe(5);
  });

  it("is deterministic for a seed", () => {
    const s = new PairSampler(r, group, "any");
    expect(Array.from(s.sample(s.anchors(), new Rng(4)).second)).toEqual(Array.from(s.sample(s.anchors(), new Rng(4)).second));
  });

  it("throws a DataError when the split has nothing to pair with", () => {
    const allPositive = new PairSampler(Uint8Array.from([1, 1]), undefined, "unlabeled");
    expect(() => allPositive.sample(allPositive.anchors(), new Rng(5))).toThrow(DataError);
    expect(() => allPositive.sample(allPositive.anchors(), new Rng(5))).toThrow(/no rows without feedback/);
    const one = new PairSampler(Uint8Array.from([1]), undefined, "any");
    expect(() => one.sample(one.anchors(), new Rng(5))).toThrow(/one row/);
  });
});
