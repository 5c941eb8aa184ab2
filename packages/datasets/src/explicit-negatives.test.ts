import { ConfigError, DataError } from "@implicitrm/core/errors";
import { describe, expect, it } from "vitest";
import { parseFeaturesJsonl } from "./features-jsonl.js";
import { simulateImplicitFeedback } from "./simulate.js";
import { takeRows } from "./split.js";
import { syntheticDataset } from "./synthetic.js";

const grades = Array.from({ length: 4000 }, (_, i) => 1 + (i % 5));

describe("simulator: thumbs-down on acted-on bad responses", () => {
  it("thumbsDownRate 0 (the default) is exactly today's simulation, with no explicit negatives", () => {
    const base = simulateImplicitFeedback(grades, { direction: "higher-better", seed: 3 });
    const zero = simulateImplicitFeedback(grades, { direction: "higher-better", seed: 3, thumbsDownRate: 0 });
    expect(zero).toEqual(base);
    expect(base.explicitNegative).toBeUndefined();
    expect(base.stats.thumbsDownRate).toBeUndefined();
  });

  it("marks only rows with a = 1 and r* = 0, at about the given probability, leaving r, a, r* unchanged", () => {
    const base = simulateImplicitFeedback(grades, { direction: "higher-better", seed: 3 });
    const sim = simulateImplicitFeedback(grades, { direction: "higher-better", seed: 3, thumbsDownRate: 0.5 });
    expect(sim.r).toEqual(base.r);
    expect(sim.a).toEqual(base.a);
    expect(sim.rStar).toEqual(base.rStar);
    let eligible = 0;
    let marked = 0;
    for (let i = 0; i < grades.length; i++) {
      if (sim.explicitNegative![i] === 1) {
        expect(sim.a[i]).toBe(1);
        expect(sim.rStar[i]).toBe(0);
        expect(sim.r[i]).toBe(0);
        marked++;
      }
      if (sim.a[i] === 1 && sim.rStar[i] === 0) eligible++;
    }
    expect(marked / eligible).toBeGreaterThan(0.45);
    expect(marked / eligible).toBeLessThan(0.55);
    expect(sim.stats.explicitNegativeRate).toBeCloseTo(marked / grades.length, 12);
    expect(sim.stats.thumbsDownRate).toBe(0.5);
  });

  it("rejects a probability outside [0, 1]", () => {
    expect(() => simulateImplicitFeedback(grades, { direction: "higher-better", thumbsDownRate: 1.5 })).toThrow(ConfigError);
  });

  it("the synthetic dataset carries the column through its splits only when asked", () => {
    const plain = syntheticDataset({ n: 800, seed: 5 });
    expect(plain.train.explicitNegative).toBeUndefined();
    const withNeg = syntheticDataset({ n: 800, seed: 5, thumbsDownRate: 0.5 });
    expect(withNeg.train.r).toEqual(plain.train.r);
    expect(withNeg.train.features).toEqual(plain.train.features);
    expect(withNeg.train.explicitNegative).toHaveLength(withNeg.train.n);
    expect(withNeg.info.explicitNegativeRate).toBeGreaterThan(0);
    const taken = takeRows(withNeg.train, Int32Array.from([2, 0]));
    expect(Array.from(taken.explicitNegative!)).toEqual([withNeg.train.explicitNegative![2], withNeg.train.explicitNegative![0]]);
  });
});

describe("features JSONL: explicitNegative", () => {
  const line = (o: Record<string, unknown>) => JSON.stringify({ features: [1, 2], r: 0, ...o });
  it("reads true as an explicit negative and leaves the column out when no row is one", () => {
    const fs = parseFeaturesJsonl([line({ explicitNegative: true }), line({}), line({ r: 1, explicitNegative: false })].join("\n"), "f.jsonl");
    expect(Array.from(fs.explicitNegative!)).toEqual([1, 0, 0]);
    expect(parseFeaturesJsonl([line({}), line({ r: 1 })].join("\n"), "f.jsonl").explicitNegative).toBeUndefined();
  });
  it("refuses an explicit negative with r = 1 and a non-boolean value, naming the field", () => {
    expect(() => parseFeaturesJsonl(line({ r: 1, explicitNegative: true }), "f.jsonl")).toThrow(DataError);
    expect(() => parseFeaturesJsonl(line({ r: 1, explicitNegative: true }), "f.jsonl")).toThrow(/explicitNegative/);
    expect(() => parseFeaturesJsonl(line({ explicitNegative: 1 }), "f.jsonl")).toThrow(/true or false/);
  });
});
