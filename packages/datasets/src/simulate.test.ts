import { ConfigError, DataError } from "@implicitrm/core/errors";
import { describe, expect, it } from "vitest";
import { simulateImplicitFeedback, solvePropensityScale } from "./simulate.js";

const mean = (xs: ArrayLike<number>) => Array.from(xs).reduce((s, x) => s + x, 0) / xs.length;

describe("simulateImplicitFeedback", () => {
  it("rescales a 1–10 rating to [1, 5]", () => {
    const sim = simulateImplicitFeedback([1, 10, 5.5, 3.25], { direction: "higher-better", scale: { min: 1, max: 10 } });
    // ℓ' = 1 + 4(ℓ − 1)/9
    expect(Array.from(sim.gradeRescaled)).toEqual([1, 5, 3, 2].map((x) => Math.fround(x)));
  });

  it("defaults the scale to the observed min/max", () => {
    const sim = simulateImplicitFeedback([2, 4, 6], { direction: "higher-better" });
    expect(Array.from(sim.gradeRescaled)).toEqual([1, 3, 5]);
    expect(sim.stats.scaleMin).toBe(2);
    expect(sim.stats.scaleMax).toBe(6);
  });

  it("flips the direction for lower-better ratings", () => {
    // PKU-SafeRLHF-like severity 0..3, higher is worse.
    const sim = simulateImplicitFeedback([0, 1, 2, 3], { direction: "lower-better", scale: { min: 0, max: 3 } });
    expect(Array.from(sim.gradeRescaled)).toEqual([5, 11 / 3, 7 / 3, 1].map((x) => Math.fround(x)));
    // distinct levels 1, 7/3, 11/3, 5 → median (7/3 + 11/3)/2 = 3
    expect(sim.stats.threshold).toBeCloseTo(3, 12);
    expect(Array.from(sim.rStar)).toEqual([1, 1, 0, 0]);
    // The best (severity 0) is the most likely to get feedback.
    expect(sim.propensity[0]!).toBeGreaterThan(sim.propensity[3]!);
  });

  it("uses the median of the distinct levels as the default threshold", () => {
    const five = simulateImplicitFeedback([1, 2, 3, 4, 5, 5, 5], { direction: "higher-better" });
    expect(five.stats.threshold).toBe(3);
    expect(Array.from(five.rStar)).toEqual([0, 0, 0, 1, 1, 1, 1]);
    // 10 levels 1..10 → median of rescaled levels is 3 (between 5 and 6).
    const ten = simulateImplicitFeedback([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], { direction: "higher-better" });
    expect(ten.stats.threshold).toBeCloseTo(3, 12);
    expect(Array.from(ten.rStar)).toEqual([0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
    // An explicit threshold on the 1..5 scale.
    const t = simulateImplicitFeedback([1, 2, 3, 4, 5], { direction: "higher-better", threshold: 4 });
    expect(Array.from(t.rStar)).toEqual([0, 0, 0, 0, 1]);
  });

  it("computes π0 = α^(5 − ℓ') and k with clipping (α = 0.5, target 0.5)", () => {
    // Five equal-frequency levels: π0 = 1/16, 1/8, 1/4, 1/2, 1 (mean 0.3875). Unclipped k = 1.29 would
    // push the top level over 1, so it clips: (1 + k·0.9375)/5 = 0.5 → k = 1.6, π = .1 .2 .4 .8 1.
    const sim = simulateImplicitFeedback([1, 2, 3, 4, 5], { direction: "higher-better", alpha: 0.5, observationRate: 0.5 });
    expect(sim.stats.k).toBeCloseTo(1.6, 12);
    expect(Array.from(sim.propensity)).toEqual([0.1, 0.2, 0.4, 0.8, 1].map((x) => Math.fround(x)));
    expect(sim.stats.clippedFraction).toBeCloseTo(0.2, 12);
    expect(mean(sim.propensity)).toBeCloseTo(0.5, 6);
  });

  it("computes k without clipping (α = 0.5, target 0.2)", () => {
    const sim = simulateImplicitFeedback([1, 2, 3, 4, 5], { direction: "higher-better", observationRate: 0.2 });
    // k = 0.2·5 / (1/16 + 1/8 + 1/4 + 1/2 + 1) = 1 / 1.9375
    expect(sim.stats.k).toBeCloseTo(1 / 1.9375, 12);
    expect(sim.stats.clippedFraction).toBe(0);
    expect(sim.propensity[4]!).toBeCloseTo(1 / 1.9375, 6);
    expect(sim.propensity[0]!).toBeCloseTo(1 / 16 / 1.9375, 6);
  });

  it("reaches target 1 with every propensity clipped to 1", () => {
    const sim = simulateImplicitFeedback([1, 2, 3, 4, 5], { direction: "higher-better", observationRate: 1 });
    expect(sim.stats.k).toBeCloseTo(16, 9);
    expect(Array.from(sim.propensity)).toEqual([1, 1, 1, 1, 1]);
    expect(Array.from(sim.a)).toEqual([1, 1, 1, 1, 1]);
    expect(Array.from(sim.r)).toEqual(Array.from(sim.rStar));
  });

  it("realises the target observation rate on 20k rows and r = a·r*", () => {
    const grades = Array.from({ length: 20_000 }, (_, i) => 1 + (i % 10));
    for (const target of [0.5, 0.2]) {
      const sim = simulateImplicitFeedback(grades, { direction: "higher-better", observationRate: target, seed: 7 });
      expect(mean(sim.propensity)).toBeCloseTo(target, 5);
      expect(Math.abs(sim.stats.observationRate - target)).toBeLessThan(0.015);
      expect(sim.stats.observationRate).toBeCloseTo(mean(sim.a), 12);
      expect(sim.stats.positiveRate).toBeCloseTo(0.5, 12);
      for (let i = 0; i < grades.length; i++) expect(sim.r[i]).toBe(sim.a[i]! & sim.rStar[i]!);
      expect(sim.stats.feedbackRate).toBeCloseTo(mean(sim.r), 12);
      expect(sim.stats.targetObservationRate).toBe(target);
    }
  });

  it("is deterministic for a seed and differs for another", () => {
    const grades = Array.from({ length: 2000 }, (_, i) => i % 5);
    const a = simulateImplicitFeedback(grades, { direction: "higher-better", seed: 1 });
    const b = simulateImplicitFeedback(grades, { direction: "higher-better", seed: 1 });
    const c = simulateImplicitFeedback(grades, { direction: "higher-better", seed: 2 });
    expect(b.a).toEqual(a.a);
    expect(b.r).toEqual(a.r);
    expect(c.a).not.toEqual(a.a);
  });

  it("rejects non-finite grades naming the row", () => {
    expect(() => simulateImplicitFeedback([1, 2, Number.NaN], { direction: "higher-better" })).toThrow(DataError);
    try {
      simulateImplicitFeedback([1, Number.POSITIVE_INFINITY, 3], { direction: "higher-better" });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(DataError);
      expect((e as DataError).location?.row).toBe(1);
      expect((e as Error).message).toMatch(/row 1/);
    }
  });

  it("rejects grades outside a declared scale", () => {
    expect(() => simulateImplicitFeedback([1, 11], { direction: "higher-better", scale: { min: 1, max: 10 } })).toThrow(
      DataError,
    );
  });

  it("rejects bad configurations", () => {
    const hb = { direction: "higher-better" } as const;
    expect(() => simulateImplicitFeedback([3, 3, 3], hb)).toThrow(ConfigError);
    expect(() => simulateImplicitFeedback([1, 2], { ...hb, scale: { min: 2, max: 2 } })).toThrow(ConfigError);
    expect(() => simulateImplicitFeedback([1, 2], { ...hb, observationRate: 1.2 })).toThrow(ConfigError);
    expect(() => simulateImplicitFeedback([1, 2], { ...hb, observationRate: 0 })).toThrow(ConfigError);
    expect(() => simulateImplicitFeedback([1, 2], { ...hb, alpha: 0 })).toThrow(ConfigError);
    expect(() => simulateImplicitFeedback([1, 2], { ...hb, alpha: 1.5 })).toThrow(ConfigError);
    expect(() => simulateImplicitFeedback([1, 2], {} as never)).toThrow(ConfigError);
  });
});

describe("solvePropensityScale", () => {
  it("matches a brute-force bisection on random base propensities", () => {
    let s = 1;
    const rand = () => ((s = (s * 16807) % 2147483647) - 1) / 2147483646;
    const pi0 = Array.from({ length: 500 }, () => 0.01 + rand());
    for (const target of [0.05, 0.3, 0.6, 0.9, 0.999]) {
      const k = solvePropensityScale(pi0, target);
      const f = (kk: number) => mean(pi0.map((p) => Math.min(1, kk * p)));
      expect(f(k)).toBeCloseTo(target, 10);
      let lo = 0;
      let hi = 1 / Math.min(...pi0);
      for (let it = 0; it < 200; it++) {
        const mid = (lo + hi) / 2;
        if (f(mid) < target) lo = mid;
        else hi = mid;
      }
      expect(k).toBeCloseTo(hi, 8);
    }
  });
});
