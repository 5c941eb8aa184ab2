import { describe, expect, it } from "vitest";
import { syntheticDataset } from "./synthetic.js";

describe("syntheticDataset", () => {
  const a = syntheticDataset();

  it("has the default shape and fills every FeatureSet field", () => {
    expect(a.name).toBe("synthetic");
    const { train, validation, test } = a;
    expect(train.n + validation.n + test.n).toBe(8000);
    expect(Math.abs(test.n - 1600)).toBeLessThanOrEqual(4);
    expect(Math.abs(validation.n - 1280)).toBeLessThanOrEqual(4);
    for (const fs of [train, validation, test]) {
      expect(fs.dim).toBe(32);
      expect(fs.features.length).toBe(fs.n * 32);
      expect(fs.r.length).toBe(fs.n);
      expect(fs.rStar!.length).toBe(fs.n);
      expect(fs.propensity!.length).toBe(fs.n);
      expect(fs.grade!.length).toBe(fs.n);
      expect(fs.group!.length).toBe(fs.n);
      expect(fs.ids!.length).toBe(fs.n);
      for (let i = 0; i < fs.n; i++) {
        expect(fs.r[i]! <= fs.rStar![i]!).toBe(true);
        // r* = grade ≥ 4 ⇔ ℓ' > 3
        expect(fs.rStar![i]).toBe(fs.grade![i]! > 3 ? 1 : 0);
      }
    }
    expect(a.info.nTrain).toBe(train.n);
    expect(a.info.nValidation).toBe(validation.n);
    expect(a.info.nTest).toBe(test.n);
  });

  it("keeps prompt groups within one split, with several grades per group", () => {
    const where = new Map<number, string>();
    for (const name of ["train", "validation", "test"] as const) {
      for (const g of a[name].group!) {
        const prev = where.get(g);
        if (prev !== undefined) expect(prev).toBe(name);
        where.set(g, name);
      }
    }
    expect(where.size).toBe(2000);
    // Pairwise accuracy needs groups with differing grades.
    const grades = new Map<number, Set<number>>();
    const t = a.test;
    for (let i = 0; i < t.n; i++) {
      const g = t.group![i]!;
      if (!grades.has(g)) grades.set(g, new Set());
      grades.get(g)!.add(t.grade![i]!);
    }
    const mixed = [...grades.values()].filter((s) => s.size > 1).length;
    expect(mixed / grades.size).toBeGreaterThan(0.8);
  });

  it("reports plausible rates", () => {
    const { info } = a;
    // Equal-frequency grades: 2 of 5 levels are positive.
    expect(info.positiveRate).toBeCloseTo(0.4, 3);
    expect(Math.abs((info.observationRate as number) - 0.5)).toBeLessThan(0.02);
    // E[r] = mean(π·r*) = (0.8 + 1)/5 = 0.36 with α = 0.5 and target 0.5.
    expect(Math.abs((info.feedbackRate as number) - 0.36)).toBeLessThan(0.02);
    expect(info.alpha).toBe(0.5);
    expect(info.threshold).toBe(3);
    expect(info.k).toBeCloseTo(1.6, 9);
    expect(info.teacherNoise).toBe(0.3);
    expect(info.teacherR2).toBeGreaterThan(0.85);
    expect(info.teacherR2).toBeLessThan(0.98);
    // The grade is a nonlinear but learnable function of x: r* is not constant within a split.
    expect(Array.from(a.test.rStar!).some((x) => x === 1)).toBe(true);
    expect(Array.from(a.test.rStar!).some((x) => x === 0)).toBe(true);
  });

  it("is deterministic for a seed and differs for another", () => {
    const b = syntheticDataset();
    for (const name of ["train", "validation", "test"] as const) {
      expect(b[name].features).toEqual(a[name].features);
      expect(b[name].r).toEqual(a[name].r);
      expect(b[name].rStar).toEqual(a[name].rStar);
      expect(b[name].propensity).toEqual(a[name].propensity);
      expect(b[name].ids).toEqual(a[name].ids);
    }
    expect(b.info).toEqual(a.info);
    const c = syntheticDataset({ seed: 43 });
    expect(c.train.features).not.toEqual(a.train.features);
    expect(c.train.ids).not.toEqual(a.train.ids);
  });

  it("honours overrides", () => {
    const d = syntheticDataset({ n: 400, dim: 8, alpha: 0.2, observationRate: 0.2, seed: 1 });
    expect(d.train.dim).toBe(8);
    expect(d.train.n + d.validation.n + d.test.n).toBe(400);
    expect(d.info.alpha).toBe(0.2);
    expect(d.info.targetObservationRate).toBe(0.2);
  });
});
