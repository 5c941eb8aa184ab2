import { beforeAll, describe, expect, it } from "vitest";
import { estimateClassPrior, estimatePropensity, fitObservedClassifier } from "./estimators.js";
import { pearson } from "./metrics.js";
import { Rng } from "./random.js";
import { useCpu } from "./test-utils/setup.js";
import type { FeatureSet } from "./types.js";

beforeAll(useCpu);

/**
 * PU data with a known class prior, "selected completely at random": y ~ Bernoulli(prior), x ~
 * N(±3·e₀, I) by class (D = 4; the classes barely overlap, the condition under which Elkan–Noto's
 * e1 is exact), r = y·Bernoulli(c) with a constant label frequency c.
 */
function scarData(n: number, prior: number, c: number, seed: number): FeatureSet & { y: Uint8Array } {
  const rng = new Rng(seed);
  const dim = 4;
  const features = new Float32Array(n * dim);
  const r = new Uint8Array(n);
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = rng.bernoulli(prior);
    for (let d = 0; d < dim; d++) features[i * dim + d] = rng.normal() + (d === 0 ? (y[i] ? 3 : -3) : 0);
    r[i] = y[i]! * rng.bernoulli(c);
  }
  return { n, dim, features, r, y };
}

describe("fitObservedClassifier", () => {
  it("is calibrated in the large: mean ĉ(x) ≈ mean(r) on its training rows", () => {
    const data = scarData(3000, 0.3, 0.5, 1);
    const clf = fitObservedClassifier(data);
    const p = clf.predict(data.features);
    clf.dispose();
    const meanP = p.reduce((a, b) => a + b, 0) / p.length;
    const meanR = data.r.reduce((a, b) => a + b, 0) / data.n;
    expect(Math.abs(meanP - meanR)).toBeLessThan(0.01);
  });
});

describe("estimateClassPrior (Elkan–Noto)", () => {
  it.each([
    [0.3, 0.5],
    [0.5, 0.3],
    [0.2, 0.7],
  ])("recovers a known prior %f under SCAR with label frequency %f (within 0.03)", (prior, c) => {
    const train = scarData(4000, prior, c, 2);
    const heldOut = scarData(2000, prior, c, 3);
    const trueRate = train.y.reduce((a, b) => a + b, 0) / train.n;
    const est = estimateClassPrior(train, heldOut);
    expect(Math.abs(est.classPrior - trueRate)).toBeLessThan(0.03);
    expect(Math.abs(est.c - c)).toBeLessThan(0.06);
    expect(est.labelFrequency).toBeCloseTo(train.r.reduce((a, b) => a + b, 0) / train.n, 10);
  });

  it("needs held-out rows with feedback", () => {
    const train = scarData(200, 0.3, 0.5, 4);
    const heldOut = { ...scarData(50, 0.3, 0.5, 5) };
    heldOut.r = new Uint8Array(heldOut.n);
    expect(() => estimateClassPrior(train, heldOut)).toThrow(/no rows with feedback/);
  });
});

describe("estimatePropensity (popularity-style)", () => {
  /** r* ~ Bernoulli(0.6) independent of x, so the feedback rate is 0.6·π(x) with π = σ(2x₀) known. */
  function biasedData(n: number, seed: number): FeatureSet {
    const rng = new Rng(seed);
    const dim = 3;
    const features = new Float32Array(n * dim);
    const r = new Uint8Array(n);
    const rStar = new Uint8Array(n);
    const propensity = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      for (let d = 0; d < dim; d++) features[i * dim + d] = rng.normal();
      propensity[i] = 1 / (1 + Math.exp(-2 * features[i * dim]!));
      rStar[i] = rng.bernoulli(0.6);
      r[i] = rStar[i]! * rng.bernoulli(propensity[i]!);
    }
    return { n, dim, features, r, rStar, propensity };
  }

  it("follows the true propensity where preference does not depend on x, with max 1", () => {
    const data = biasedData(3000, 6);
    const est = estimatePropensity(data);
    const p = est.predict(data.features);
    est.dispose();
    expect(pearson(p, data.propensity!)).toBeGreaterThan(0.9);
    expect(Math.max(...p)).toBeCloseTo(1, 6);
    expect(Math.min(...p)).toBeGreaterThan(0);
    expect(est.power).toBe(0.5);
  });

  it("reads only x and r: r* and the true propensity do not change it", () => {
    const data = biasedData(800, 7);
    const a = estimatePropensity(data);
    const pa = a.predict(data.features);
    a.dispose();
    const scrambled: FeatureSet = { ...data, rStar: new Uint8Array(data.n).fill(1), propensity: new Float32Array(data.n).fill(0.01) };
    const b = estimatePropensity(scrambled);
    const pb = b.predict(data.features);
    b.dispose();
    expect(Array.from(pb)).toEqual(Array.from(pa));
    const { rStar: _s, propensity: _p, ...observed } = data;
    const c = estimatePropensity(observed);
    expect(Array.from(c.predict(data.features))).toEqual(Array.from(pa));
    c.dispose();
  });
});
