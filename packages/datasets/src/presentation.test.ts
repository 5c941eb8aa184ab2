import { ConfigError } from "@implicitrm/core/errors";
import { describe, expect, it } from "vitest";
import { contextActivityBlock, presentationActivityBlock, presentationPropensity, simulatePresentation } from "./presentation.js";
import { simulateImplicitFeedback } from "./simulate.js";
import { takeRows } from "./split.js";
import { syntheticDataset } from "./synthetic.js";

const mean = (xs: ArrayLike<number>) => Array.from(xs).reduce((s, x) => s + x, 0) / xs.length;
const f32 = (xs: number[]) => xs.map((x) => Math.fround(x));

function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const ma = mean(a);
  const mb = mean(b);
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < a.length; i++) {
    sab += (a[i]! - ma) * (b[i]! - mb);
    saa += (a[i]! - ma) ** 2;
    sbb += (b[i]! - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

// Five rows, grades 1..5 (α = 0.5: grade part q = 1/16, 1/8, 1/4, 1/2, 1), all of length L½ = 100
// (length factor 1/2), positions 0 1 0 1 0, user activity 1 1 .5 .5 1:
// presentation part p = u·0.7^pos·½ = 0.5, 0.35, 0.25, 0.175, 0.5.
const GRADES = [1, 2, 3, 4, 5];
const CTX = { length: [100, 100, 100, 100, 100], position: [0, 1, 0, 1, 0], userActivity: [1, 1, 0.5, 0.5, 1] };
const P = [0.5, 0.35, 0.25, 0.175, 0.5];
const Q = [1 / 16, 1 / 8, 1 / 4, 1 / 2, 1];
const sim = (presentationShare: number, extra: object = {}) =>
  simulateImplicitFeedback(GRADES, {
    direction: "higher-better",
    alpha: 0.5,
    presentation: CTX,
    presentationModel: { lengthHalf: 100 },
    presentationShare,
    ...extra,
  });

describe("presentationPropensity", () => {
  it("is u · ρ^position · L/(L + L½), hand-worked", () => {
    const { values, lengthHalf, positionDecay } = presentationPropensity(CTX, { lengthHalf: 100 });
    expect(lengthHalf).toBe(100);
    expect(positionDecay).toBe(0.7);
    for (const [i, p] of P.entries()) expect(values[i]).toBeCloseTo(p, 12);
    // L½ defaults to the median length; L = 300 against a median of 100 → 300/400 = 0.75.
    const d = presentationPropensity({ length: [100, 300, 50], position: [0, 0, 2], userActivity: [1, 1, 0.5] });
    expect(d.lengthHalf).toBe(100);
    expect(d.values[1]).toBeCloseTo(0.75, 12);
    // 0.5 · 0.49 · 50/150
    expect(d.values[2]).toBeCloseTo(0.5 * 0.49 * (50 / 150), 12);
  });

  it("rejects bad context", () => {
    expect(() => presentationPropensity({ length: [1], position: [0, 1], userActivity: [1] })).toThrow(/one value per row/);
    expect(() => presentationPropensity({ length: [1], position: [0.5], userActivity: [1] })).toThrow(/position at row 0/);
    expect(() => presentationPropensity({ length: [1], position: [0], userActivity: [0] })).toThrow(/userActivity at row 0/);
    expect(() => presentationPropensity({ length: [-1], position: [0], userActivity: [1] }, { lengthHalf: 10 })).toThrow(/length at row 0/);
    expect(() => presentationPropensity(CTX, { positionDecay: 0 })).toThrow(ConfigError);
  });
});

describe("simulateImplicitFeedback with presentation bias (hand-worked)", () => {
  it("w = 0 is the paper's protocol, whatever the context", () => {
    const paper = simulateImplicitFeedback(GRADES, { direction: "higher-better", alpha: 0.5 });
    const s = sim(0);
    expect(s.propensity).toEqual(paper.propensity);
    expect(s.r).toEqual(paper.r);
    expect(s.stats.k).toBeCloseTo(1.6, 12);
    expect(Array.from(s.propensityGrade)).toEqual(f32(Q));
    expect(Array.from(s.propensityPresentation!)).toEqual(f32(P));
    expect(s.stats.presentationShare).toBe(0);
  });

  it("geometric mix (default), w = 0.5: π0 = √(p·q), k = target·n / Σπ0", () => {
    const s = sim(0.5, { observationRate: 0.2 });
    const pi0 = P.map((p, i) => Math.sqrt(p * Q[i]!)); // .176777 .209165 .25 .295804 .707107, Σ = 1.638852
    const sum = pi0.reduce((a, b) => a + b, 0);
    expect(sum).toBeCloseTo(1.638852, 5);
    expect(s.stats.k).toBeCloseTo(1 / sum, 10); // 0.2 · 5 / Σπ0, no row clipped
    for (const [i, p] of pi0.entries()) expect(s.propensity[i]).toBeCloseTo(p / sum, 6);
    expect(s.stats.presentationMix).toBe("geometric");
    expect(s.stats.clippedFraction).toBe(0);
  });

  it("linear mix, w = 0.5: π0 = ½p + ½q", () => {
    const s = sim(0.5, { observationRate: 0.2, presentationMix: "linear" });
    const pi0 = [0.28125, 0.2375, 0.25, 0.3375, 0.75]; // Σ = 1.85625
    expect(s.stats.k).toBeCloseTo(1 / 1.85625, 10);
    for (const [i, p] of pi0.entries()) expect(s.propensity[i]).toBeCloseTo(p / 1.85625, 6);
  });

  it("w = 1: the grade plays no part (π ∝ p, k = 0.5·5/1.775 with no clipping)", () => {
    const s = sim(1);
    expect(s.stats.k).toBeCloseTo(2.5 / 1.775, 10);
    for (const [i, p] of P.entries()) expect(s.propensity[i]).toBeCloseTo((p * 2.5) / 1.775, 6);
    // rows 0 and 4 have the same presentation and grades 1 and 5: the same propensity
    expect(s.propensity[0]).toBe(s.propensity[4]);
  });

  it("floors π0 of an empty response at 1e-9 and rejects bad settings", () => {
    const s = simulateImplicitFeedback([1, 5], {
      direction: "higher-better",
      presentation: { length: [0, 10], position: [0, 0], userActivity: [1, 1] },
      presentationShare: 1,
      observationRate: 0.25,
    });
    expect(s.propensity[0]!).toBeGreaterThan(0);
    expect(s.propensity[0]!).toBeLessThan(1e-6);
    const hb = { direction: "higher-better" } as const;
    expect(() => simulateImplicitFeedback(GRADES, { ...hb, presentationShare: 0.5 })).toThrow(/needs the rows' presentation context/);
    expect(() => simulateImplicitFeedback(GRADES, { ...hb, presentation: CTX, presentationShare: 1.5 })).toThrow(/presentationShare must be in \[0, 1\]/);
    expect(() => simulateImplicitFeedback(GRADES, { ...hb, presentation: CTX, presentationShare: 0.5, presentationMix: "max" as never })).toThrow(
      /presentationMix/,
    );
    expect(() => simulateImplicitFeedback(GRADES, { ...hb, presentation: { ...CTX, length: [1, 2] }, presentationShare: 0.5 })).toThrow(ConfigError);
  });
});

describe("simulatePresentation", () => {
  it("orders each group's rows, one user per group, activity in the range, deterministic", () => {
    const group = Int32Array.from({ length: 400 }, (_, i) => Math.floor(i / 4));
    const a = simulatePresentation(400, { group, seed: 3 });
    expect(a.users).toBe(20); // 100 groups / 5 sessions per user
    for (let g = 0; g < 100; g++) {
      const rows = [4 * g, 4 * g + 1, 4 * g + 2, 4 * g + 3];
      expect(rows.map((r) => a.position[r]).sort()).toEqual([0, 1, 2, 3]);
      expect(new Set(rows.map((r) => a.user[r])).size).toBe(1);
    }
    expect(Math.min(...a.userActivity)).toBeGreaterThanOrEqual(0.1);
    expect(Math.max(...a.userActivity)).toBeLessThanOrEqual(1);
    expect(simulatePresentation(400, { group, seed: 3 })).toEqual(a);
    expect(simulatePresentation(400, { group, seed: 4 }).position).not.toEqual(a.position);
    expect(() => simulatePresentation(4, { userActivityRange: [0, 1] })).toThrow(ConfigError);
  });
});

describe("activity blocks", () => {
  it("standardises the presentation columns", () => {
    const block = presentationActivityBlock(CTX);
    expect(block.dim).toBe(3);
    expect(block.names).toEqual(["responseLength", "position", "userActivity"]);
    const col = (j: number) => Array.from({ length: 5 }, (_, i) => block.features[i * 3 + j]!);
    expect(col(0)).toEqual([0, 0, 0, 0, 0]); // a constant length column becomes 0
    // positions 0 1 0 1 0: mean 0.4, std 0.4899 → -0.8165 and 1.2247
    expect(col(1)[0]).toBeCloseTo(-0.4 / Math.sqrt(0.24), 5);
    expect(col(1)[1]).toBeCloseTo(0.6 / Math.sqrt(0.24), 5);
    expect(mean(col(2))).toBeCloseTo(0, 6);
  });

  it("turns a log's context into columns: length, numbers, booleans, one-hot strings; ignores objects", () => {
    const rows = [
      { response: "a", context: { device: "mobile", hour: 9, premium: true, ui: { x: 1 } } },
      { response: "bbb", context: { device: "desktop", hour: 21 } },
      { response: "cc", context: { device: "mobile", premium: false } },
    ];
    const block = contextActivityBlock(rows);
    expect(block.names).toEqual(["responseLength", "device=mobile", "device=desktop", "hour", "premium"]);
    expect(block.ignored).toEqual(["ui"]);
    const row = (i: number) => Array.from(block.features.subarray(i * block.dim, (i + 1) * block.dim));
    expect(row(0).slice(1, 3)).toEqual([1, 0]);
    expect(row(1).slice(1, 3)).toEqual([0, 1]);
    // hour 9 and 21 standardise to -1 and 1; the missing one becomes 0 (the mean)
    expect(row(0)[3]).toBeCloseTo(-1, 6);
    expect(row(1)[3]).toBeCloseTo(1, 6);
    expect(row(2)[3]).toBe(0);
    expect([row(0)[4], row(1)[4], row(2)[4]]).toEqual([1, 0, 0]);
    // only the response length when no context is logged
    expect(contextActivityBlock([{ response: "x" }, { response: "xy" }]).names).toEqual(["responseLength"]);
  });
});

describe("the synthetic default's presentation context", () => {
  it("carries an activity block through the splits, unchanged features and labels across w", () => {
    const w0 = syntheticDataset({ n: 2000, seed: 5 });
    const w1 = syntheticDataset({ n: 2000, seed: 5, presentationShare: 1 });
    for (const name of ["train", "validation", "test"] as const) {
      const fs = w0[name];
      expect(fs.activity!.dim).toBe(3);
      expect(fs.activity!.features.length).toBe(fs.n * 3);
      expect(fs.activity!.names).toEqual(["responseLength", "position", "userActivity"]);
      expect(w1[name].features).toEqual(fs.features);
      expect(w1[name].rStar).toEqual(fs.rStar);
      expect(w1[name].activity).toEqual(fs.activity);
    }
    expect(w0.info.presentationShare).toBe(0);
    expect(w1.info.presentationShare).toBe(1);
    // w = 0: the propensity follows the grade; w = 1: it does not, but follows the context
    const t0 = w0.train;
    const t1 = w1.train;
    expect(pearson(t0.propensity!, t0.grade!)).toBeGreaterThan(0.8);
    expect(Math.abs(pearson(t1.propensity!, t1.grade!))).toBeLessThan(0.1);
    const activityCol = Array.from({ length: t1.n }, (_, i) => t1.activity!.features[i * 3 + 2]!);
    expect(pearson(t1.propensity!, activityCol)).toBeGreaterThan(0.4);
  });

  it("takeRows gathers the activity block", () => {
    const fs = { n: 3, dim: 1, features: Float32Array.from([1, 2, 3]), r: Uint8Array.from([0, 1, 0]), activity: { dim: 2, features: Float32Array.from([1, 10, 2, 20, 3, 30]), names: ["a", "b"] } };
    const out = takeRows(fs, [2, 0]);
    expect(Array.from(out.activity!.features)).toEqual([3, 30, 1, 10]);
    expect(out.activity!.names).toEqual(["a", "b"]);
  });
});
