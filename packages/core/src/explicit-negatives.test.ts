// Explicit negatives (thumbs-down rows) as known NA rows in ImplicitRM's E-step and loss
// (METHOD §2, "Explicit negatives and audited labels"): φ_NA = 1, so q = 0 and p = 1.
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { implicitRMLoss } from "./objectives/implicitrm.js";
import { strataPosteriors } from "./posteriors.js";
import { useCpu } from "./test-utils/setup.js";
import "./register-gradients.js";

beforeAll(useCpu);

const t = (a: number[]) => tf.tensor1d(a);
const values = (x: tf.Tensor) => Array.from(x.dataSync());
const scalar = (x: tf.Tensor) => x.dataSync()[0]!;

describe("known NA rows in the E-step", () => {
  it("pins φ_NA = 1 for explicit negatives and leaves the other rows as they were (hand-worked)", () => {
    // row 0: f = ln 3, g = 0, r = 0, known NA → (PA, PP, NA, NP) = (0, 0, 1, 0) (free: 0, 0.6, 0.2, 0.2)
    // row 1: the same logits, not known → 0, 0.6, 0.2, 0.2; row 2: r = 1 → PA = 1
    const phi = strataPosteriors(t([Math.log(3), Math.log(3), 0.3]), t([0, 0, -2]), t([0, 0, 1]), { explicitNegative: t([1, 0, 0]) });
    expect(values(phi.pa)).toEqual([0, 0, 1]);
    expect(values(phi.pp)[0]).toBe(0);
    expect(values(phi.na)[0]).toBe(1);
    expect(values(phi.np)[0]).toBe(0);
    expect(values(phi.pp)[1]).toBeCloseTo(0.6, 6);
    expect(values(phi.na)[1]).toBeCloseTo(0.2, 6);
    expect(values(phi.np)[1]).toBeCloseTo(0.2, 6);
  });

  it("an all-zero mask gives bit-identical posteriors and losses to no mask", () => {
    const f = t([0.3, -1.2, 2.5, 0]);
    const g = t([-0.7, 1.1, 0.4, 3]);
    const r = t([0, 1, 0, 0]);
    const a = strataPosteriors(f, g, r);
    const b = strataPosteriors(f, g, r, { explicitNegative: t([0, 0, 0, 0]) });
    for (const k of ["pa", "pp", "na", "np"] as const) expect(values(b[k])).toEqual(values(a[k]));
    const la = implicitRMLoss({ rewardLogits: f, activityLogits: g, r });
    const lb = implicitRMLoss({ rewardLogits: f, activityLogits: g, r, explicitNegative: t([0, 0, 0, 0]) });
    for (const k of ["total", "pref", "act", "obs"] as const) expect(scalar(lb[k])).toBe(scalar(la[k]));
  });

  it("stays finite and normalised for logits of ±1e4", () => {
    const big = [1e4, -1e4];
    const f: number[] = [];
    const g: number[] = [];
    for (const x of big) {
      for (const y of big) {
        f.push(x);
        g.push(y);
      }
    }
    const known = t([1, 0, 1, 0]);
    const phi = strataPosteriors(t(f), t(g), t([0, 0, 0, 0]), { explicitNegative: known });
    const sums = values(phi.pa).map((v, i) => v + values(phi.pp)[i]! + values(phi.na)[i]! + values(phi.np)[i]!);
    for (const s of sums) expect(s).toBeCloseTo(1, 5);
    expect(values(phi.na)[0]).toBe(1);
    expect(values(phi.na)[2]).toBe(1);
    const loss = implicitRMLoss({ rewardLogits: t(f), activityLogits: t(g), r: t([0, 0, 0, 0]), explicitNegative: known });
    for (const k of ["total", "pref", "act", "obs"] as const) expect(Number.isFinite(scalar(loss[k]))).toBe(true);
    const grads = tf.grads((a: tf.Tensor, b: tf.Tensor) => implicitRMLoss({ rewardLogits: a as tf.Tensor1D, activityLogits: b as tf.Tensor1D, r: t([0, 0, 0, 0]), explicitNegative: known }).total)([t(f), t(g)]);
    for (const gr of grads) for (const v of values(gr)) expect(Number.isFinite(v)).toBe(true);
  });
});

describe("known NA rows in the loss", () => {
  it("trains the reward head towards 0 and the activity head towards 1 (hand-worked)", () => {
    // row 0 known NA with r̂ = 0.75, â = 0.5: pref −ln(0.25) = ln 4, act −ln(0.5) = ln 2, obs −ln(1 − 0.375)
    // row 1 free with r̂ = â = 0.5, r = 0: φ = 1/3 each → q = p = 1/3: pref = act = ln 2, obs −ln(0.75)
    const loss = implicitRMLoss({ rewardLogits: t([Math.log(3), 0]), activityLogits: t([0, 0]), r: t([0, 0]), explicitNegative: t([1, 0]) });
    expect(scalar(loss.pref)).toBeCloseTo((Math.log(4) + Math.log(2)) / 2, 5);
    expect(scalar(loss.act)).toBeCloseTo(Math.log(2), 5);
    expect(scalar(loss.obs)).toBeCloseTo((-Math.log(0.625) - Math.log(0.75)) / 2, 5);
    expect(scalar(loss.total)).toBeCloseTo(scalar(loss.pref) + scalar(loss.act) + scalar(loss.obs), 5);
    // gradients of a known NA row: ∂pref/∂f = σ(f) − q = 0.75 (÷ 2 rows), ∂act/∂g = σ(g) − p = −0.5 (÷ 2)
    const [df, dg] = tf.grads((a: tf.Tensor, b: tf.Tensor) => {
      const l = implicitRMLoss({ rewardLogits: a as tf.Tensor1D, activityLogits: b as tf.Tensor1D, r: t([0, 0]), explicitNegative: t([1, 0]), lambdaObs: 0 });
      return tf.add(l.pref, l.act) as tf.Scalar;
    })([t([Math.log(3), 0]), t([0, 0])]);
    expect(values(df!)[0]).toBeCloseTo(0.375, 5);
    expect(values(dg!)[0]).toBeCloseTo(-0.25, 5);
  });

  it("agrees with an independent float64 computation on random logits with mixed rows", () => {
    // an independent implementation: probabilities in float64, posteriors by the formulas of METHOD §2
    let state = 12345;
    const rand = () => {
      state = (1103515245 * state + 12345) % 2 ** 31;
      return state / 2 ** 31;
    };
    const n = 64;
    const f = Array.from({ length: n }, () => 8 * rand() - 4);
    const g = Array.from({ length: n }, () => 8 * rand() - 4);
    const r = Array.from({ length: n }, () => (rand() < 0.3 ? 1 : 0));
    const known = r.map((ri) => (ri === 0 && rand() < 0.3 ? 1 : 0));
    const w = Array.from({ length: n }, () => 0.5 + rand());
    const sig = (x: number) => 1 / (1 + Math.exp(-x));
    let pref = 0;
    let act = 0;
    let obs = 0;
    let sw = 0;
    for (let i = 0; i < n; i++) {
      const rh = sig(f[i]!);
      const ah = sig(g[i]!);
      let q: number;
      let p: number;
      if (r[i] === 1) [q, p] = [1, 1];
      else if (known[i] === 1) [q, p] = [0, 1];
      else {
        const d = 1 - rh * ah;
        q = (rh * (1 - ah)) / d; // φ_PP
        p = ((1 - rh) * ah) / d; // φ_NA
      }
      pref += w[i]! * -(q * Math.log(rh) + (1 - q) * Math.log(1 - rh));
      act += w[i]! * -(p * Math.log(ah) + (1 - p) * Math.log(1 - ah));
      obs += w[i]! * -(r[i]! * Math.log(rh * ah) + (1 - r[i]!) * Math.log(1 - rh * ah));
      sw += 1; // Σ wᵢℓᵢ / n, as weightedMean (weights of mean 1 over an epoch)
    }
    const loss = implicitRMLoss({ rewardLogits: t(f), activityLogits: t(g), r: t(r), explicitNegative: t(known), weight: t(w) });
    expect(scalar(loss.pref)).toBeCloseTo(pref / sw, 5);
    expect(scalar(loss.act)).toBeCloseTo(act / sw, 5);
    expect(scalar(loss.obs)).toBeCloseTo(obs / sw, 5);
  });
});
