import * as tf from "@tensorflow/tfjs-core";
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { implicitRMLoss } from "./objectives/implicitrm.js";
import { strataPosteriors } from "./posteriors.js";
import { useCpu } from "./test-utils/setup.js";
import "./register-gradients.js";

beforeAll(useCpu);

const t = (a: number[]) => tf.tensor1d(a);
const values = (x: tf.Tensor) => Array.from(x.dataSync());

describe("strataPosteriors (hand-worked)", () => {
  it("splits r = 0 rows over PP, NA, NP and gives r = 1 rows to PA", () => {
    // f = 0, g = 0: r̂ = â = 0.5, D = 0.75, each numerator 0.25 → 1/3 each.
    // f = ln 3 (r̂ = 0.75), g = 0: D = 0.625; PP = 0.375/0.625 = 0.6, NA = NP = 0.125/0.625 = 0.2.
    const phi = strataPosteriors(t([0, Math.log(3), 0.3]), t([0, 0, -2]), t([0, 0, 1]));
    expect(values(phi.pa)).toEqual([0, 0, 1]);
    const pp = values(phi.pp);
    const na = values(phi.na);
    const np = values(phi.np);
    expect(pp[0]).toBeCloseTo(1 / 3, 6);
    expect(na[0]).toBeCloseTo(1 / 3, 6);
    expect(np[0]).toBeCloseTo(1 / 3, 6);
    expect(pp[1]).toBeCloseTo(0.6, 6);
    expect(na[1]).toBeCloseTo(0.2, 6);
    expect(np[1]).toBeCloseTo(0.2, 6);
    expect([pp[2], na[2], np[2]]).toEqual([0, 0, 0]);
  });

  it("additive smoothing adds eps to each numerator and renormalises", () => {
    // f = g = 0, eps = 0.01: (0.25 + 0.01) / (0.75 + 0.03) = 1/3 still; f = ln 3: PP = (0.375 + 0.01)/(0.625 + 0.03)
    const phi = strataPosteriors(t([Math.log(3)]), t([0]), t([0]), { eps: 0.01, smoothing: "additive" });
    expect(values(phi.pp)[0]).toBeCloseTo(0.385 / 0.655, 6);
    expect(values(phi.na)[0]).toBeCloseTo(0.135 / 0.655, 6);
  });

  it("carries no gradient to the logits", () => {
    const g = tf.grad((f: tf.Tensor) => tf.sum(strataPosteriors(f as tf.Tensor1D, t([0.5]), t([0])).pp))(t([0.2]));
    expect(values(g)).toEqual([0]);
  });

  it("is finite and in [0, 1] for logits of ±1e4", () => {
    const big = [1e4, -1e4, 1e4, -1e4, 0, 1e4];
    const other = [1e4, 1e4, -1e4, -1e4, 1e4, 0];
    const phi = strataPosteriors(t(big), t(other), t([0, 0, 0, 0, 0, 0]));
    for (const part of [phi.pa, phi.pp, phi.na, phi.np]) {
      for (const v of values(part)) {
        expect(Number.isFinite(v)).toBe(true);
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(1 + 1e-6);
      }
    }
    // f = −1e4, g = 1e4: certainly not preferred and active → NA = 1.
    expect(values(phi.na)[1]).toBeCloseTo(1, 6);
    // f = 1e4, g = −1e4: preferred but passive → PP = 1.
    expect(values(phi.pp)[2]).toBeCloseTo(1, 6);
  });
});

describe("implicitRMLoss", () => {
  it("matches a hand-worked single row", () => {
    // f = g = 0, r = 0: q = p = 1/3; L_pref = L_act = ln 2; L_obs = −ln(1 − 1/4) = ln(4/3).
    const loss = implicitRMLoss({ rewardLogits: t([0]), activityLogits: t([0]), r: t([0]) });
    expect(loss.pref.dataSync()[0]).toBeCloseTo(Math.LN2, 6);
    expect(loss.act.dataSync()[0]).toBeCloseTo(Math.LN2, 6);
    expect(loss.obs.dataSync()[0]).toBeCloseTo(Math.log(4 / 3), 6);
    expect(loss.total.dataSync()[0]).toBeCloseTo(2 * Math.LN2 + Math.log(4 / 3), 6);
    // r = 1 at f = g = 0: q = p = 1, L_pref = L_act = ln 2, L_obs = −ln(1/4).
    const pos = implicitRMLoss({ rewardLogits: t([0]), activityLogits: t([0]), r: t([1]), lambdaObs: 0.5 });
    expect(pos.obs.dataSync()[0]).toBeCloseTo(Math.log(4), 6);
    expect(pos.total.dataSync()[0]).toBeCloseTo(2 * Math.LN2 + 0.5 * Math.log(4), 6);
  });

  it("is finite, with finite gradients, for logits of ±1e4", () => {
    const fs = [1e4, -1e4, 1e4, -1e4, 1e4, -1e4, 1e4, -1e4];
    const gs = [1e4, 1e4, -1e4, -1e4, 1e4, 1e4, -1e4, -1e4];
    const rs = [0, 0, 0, 0, 1, 1, 1, 1];
    const total = (f: tf.Tensor, g: tf.Tensor) =>
      implicitRMLoss({ rewardLogits: f as tf.Tensor1D, activityLogits: g as tf.Tensor1D, r: t(rs) }).total;
    const parts = implicitRMLoss({ rewardLogits: t(fs), activityLogits: t(gs), r: t(rs) });
    for (const v of Object.values(parts)) expect(Number.isFinite(v.dataSync()[0])).toBe(true);
    const [gf, gg] = tf.grads(total)([t(fs), t(gs)]);
    for (const v of [...values(gf!), ...values(gg!)]) expect(Number.isFinite(v)).toBe(true);
  });

  const fixture = JSON.parse(readFileSync(new URL("../test/fixtures/implicitrm_reference.json", import.meta.url), "utf8")) as {
    inputs: { rewardLogits: number[]; activityLogits: number[]; r: number[] };
    cases: Array<{
      lambdaObs: number;
      posteriors: Record<"pa" | "pp" | "na" | "np", number[]>;
      loss: Record<"total" | "pref" | "act" | "obs", number>;
      grad: { reward: number[]; activity: number[] };
    }>;
  };

  it.each(fixture.cases.map((c) => [c.lambdaObs, c] as const))("matches the PyTorch float64 reference (λ_obs = %s)", (_l, c) => {
    const { rewardLogits, activityLogits, r } = fixture.inputs;
    const phi = strataPosteriors(t(rewardLogits), t(activityLogits), t(r));
    for (const k of ["pa", "pp", "na", "np"] as const) {
      values(phi[k]).forEach((v, i) => {
        expect(v).toBeCloseTo(c.posteriors[k][i]!, 5);
      });
    }
    const loss = implicitRMLoss({ rewardLogits: t(rewardLogits), activityLogits: t(activityLogits), r: t(r), lambdaObs: c.lambdaObs });
    for (const k of ["total", "pref", "act", "obs"] as const) expect(loss[k].dataSync()[0]).toBeCloseTo(c.loss[k], 5);
    const [gf, gg] = tf.grads((f: tf.Tensor, g: tf.Tensor) =>
      implicitRMLoss({ rewardLogits: f as tf.Tensor1D, activityLogits: g as tf.Tensor1D, r: t(r), lambdaObs: c.lambdaObs }).total,
    )([t(rewardLogits), t(activityLogits)]);
    values(gf!).forEach((v, i) => {
      expect(v).toBeCloseTo(c.grad.reward[i]!, 5);
    });
    values(gg!).forEach((v, i) => {
      expect(v).toBeCloseTo(c.grad.activity[i]!, 5);
    });
  });
});
