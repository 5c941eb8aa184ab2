import { describe, expect, it } from "vitest";
import { DEFAULT_SATURATION_RULE, diagnosticWarnings, formatHeadDiagnostics, headDiagnostics } from "./diagnostics.js";

const setup = { split: "validation", activityInputs: "context" as const, activityHead: "mlp" as const };

describe("activity-head saturation diagnostic", () => {
  const reward = Float32Array.from([0.1, 0.3, 0.5, 0.7, 0.9]);
  const fs = { n: 5, r: Uint8Array.from([0, 0, 1, 0, 1]) };

  it("fires when mean σ(g) ≥ 0.95, with the share of rows beyond 0.99 and a reading", () => {
    // mean (0.999 + 0.995 + 0.98 + 0.9 + 0.999) / 5 = 0.9746; 3 of 5 rows > 0.99
    const d = headDiagnostics(reward, Float32Array.from([0.999, 0.995, 0.98, 0.9, 0.999]), fs, setup);
    expect(d.meanActivity).toBeCloseTo(0.9746, 6);
    expect(d.saturated).toBe(true);
    expect(d.extremeActivityShare).toBeCloseTo(0.6, 12);
    expect(d.saturationRule).toEqual(DEFAULT_SATURATION_RULE);
    expect(d.saturationWarning).toMatch(/activity head is saturated on the validation rows \(mean σ\(g\) 0\.975 ≥ 0\.95; 60 % of rows/);
    expect(d.saturationWarning).toMatch(/naive training with a rescale/);
    expect(d.readings).toHaveLength(2);
    expect(d.readings![1]).toMatch(/^warning: saturated activity head \(mean σ\(g\) 0\.975\)/);
    expect(diagnosticWarnings(d)).toEqual([d.saturationWarning]);
  });

  it("fires at the low end too (mean σ(g) ≤ 0.05)", () => {
    const d = headDiagnostics(reward, Float32Array.from([0.011, 0.02, 0.004, 0.1, 0.03]), fs, setup);
    expect(d.meanActivity).toBeCloseTo(0.033, 6); // (0.011 + 0.02 + 0.004 + 0.1 + 0.03) / 5
    expect(d.saturated).toBe(true);
    expect(d.saturationWarning).toMatch(/≤ 0\.05/);
    expect(d.extremeActivityShare).toBeCloseTo(0.2, 12); // only 0.004 < 0.01 (float32 0.01 would count)
  });

  it("stays quiet for an activity head that takes a share of the product, and the bounds are inclusive and configurable", () => {
    const act = Float32Array.from([0.9, 0.3, 0.5, 0.7, 0.6]);
    const d = headDiagnostics(reward, act, fs, setup);
    expect(d.saturated).toBe(false);
    expect(d.saturationWarning).toBeNull();
    expect(d.readings![1]).toMatch(/^saturated activity head: no \(mean σ\(g\) 0\.600 inside \(0\.05, 0\.95\)\)/);
    expect(d.readings![0]).toMatch(/^identical heads: no/);
    expect(headDiagnostics(reward, act, fs, setup, undefined, { maxMean: 0.6, minMean: 0.05, extreme: 0.01 }).saturated).toBe(true);
    expect(headDiagnostics(reward, act, fs, setup, undefined, { maxMean: 0.95, minMean: 0.6, extreme: 0.01 }).saturated).toBe(true);
  });

  it("reports both warnings when the heads are identical and saturated", () => {
    const d = headDiagnostics(reward, Float32Array.from([0.96, 0.97, 0.98, 0.99, 0.995]), fs, setup);
    expect(d.indistinguishable).toBe(true);
    expect(d.saturated).toBe(true);
    expect(diagnosticWarnings(d)).toHaveLength(2);
    expect(d.readings![0]).toMatch(/^warning: identical heads/);
    expect(formatHeadDiagnostics(d)).toMatch(/mean σ\(g\) 0\.979/);
  });
});
