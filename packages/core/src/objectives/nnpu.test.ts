import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import "../register-gradients.js";
import { allFinite, trainToy, useCpu, values } from "../test-utils/setup.js";
import { nnpu } from "./nnpu.js";

beforeAll(useCpu);

const t = (a: number[]) => tf.tensor1d(a);
const L3 = Math.log(3);

describe("nnpu", () => {
  it("equals uPU while the negative risk is non-negative", () => {
    // sigmoid loss, f = [0, ln3, −ln3, 0], r = [1, 1, 0, 0], π_p = 0.4 (upu.test.ts):
    // ℓ⁺_P = 0.375, ℓ⁻_P = 0.625, ℓ⁻_U = 0.5; n = ℓ⁻_U − π_p ℓ⁻_P = 0.5 − 0.25 = 0.25 ≥ 0,
    // total = risk = 0.4·0.375 + 0.25 = 0.4
    const parts = nnpu.loss({ logits: { reward: t([0, L3, -L3, 0]) }, r: t([1, 1, 0, 0]), classPrior: 0.4 }, { ...nnpu.defaults, loss: "sigmoid" });
    expect(values(parts.total)[0]).toBeCloseTo(0.4, 6);
    expect(values(parts.risk!)[0]).toBeCloseTo(0.4, 6);
  });

  it("steps on −γ·n when the negative risk is below −β (Kiryo et al. Algorithm 1)", () => {
    // sigmoid loss, f = [ln3, ln3, −ln3, −ln3], r = [1, 1, 0, 0], π_p = 0.9:
    // ℓ⁺_P = 0.25, ℓ⁻_P = 0.75, ℓ⁻_U = (.75 + .75 + .25 + .25)/4 = 0.5, n = 0.5 − 0.675 = −0.175 < 0
    // total = −γ·n = 0.175; risk = 0.9·0.25 + max(0, n) = 0.225
    const r = t([1, 1, 0, 0]);
    const f = t([L3, L3, -L3, -L3]);
    const o = { ...nnpu.defaults, loss: "sigmoid" as const, classPrior: 0.9 };
    const parts = nnpu.loss({ logits: { reward: f }, r, classPrior: 0.9 }, o);
    expect(values(parts.total)[0]).toBeCloseTo(0.175, 6);
    expect(values(parts.risk!)[0]).toBeCloseTo(0.225, 6);
    expect(values(parts.negative!)[0]).toBeCloseTo(-0.175, 6);
    // ∂(−n)/∂f: σ'(±ln3) = 0.1875; a positive row: −(1/4 − 0.9/2)·0.1875 = 0.0375;
    // an unlabeled row: −(1/4)·0.1875 = −0.046875 (the step raises the unlabeled scores).
    const grad = values(tf.grad((z: tf.Tensor) => nnpu.loss({ logits: { reward: z as tf.Tensor1D }, r, classPrior: 0.9 }, o).total)(f));
    expect(grad[0]).toBeCloseTo(0.0375, 6);
    expect(grad[2]).toBeCloseTo(-0.046875, 6);
    // with β = 0.2, n = −0.175 ≥ −β: the uPU step, total = 0.225 − 0.175 = 0.05
    expect(values(nnpu.loss({ logits: { reward: f }, r, classPrior: 0.9 }, { ...o, beta: 0.2 }).total)[0]).toBeCloseTo(0.05, 6);
    // γ = 0.5 halves the correction step
    expect(values(nnpu.loss({ logits: { reward: f }, r, classPrior: 0.9 }, { ...o, gamma: 0.5 }).total)[0]).toBeCloseTo(0.0875, 6);
  });

  it("is finite with its gradient at logits ±1e4 (both losses)", () => {
    for (const loss of ["logistic", "sigmoid"] as const) {
      const r = t([1, 1, 0, 0]);
      const f = t([1e4, -1e4, 1e4, -1e4]);
      const o = { ...nnpu.defaults, loss };
      const total = nnpu.loss({ logits: { reward: f }, r, classPrior: 0.5 }, o).total;
      const grad = tf.grad((z: tf.Tensor) => nnpu.loss({ logits: { reward: z as tf.Tensor1D }, r, classPrior: 0.5 }, o).total)(f);
      expect(allFinite(total, grad)).toBe(true);
    }
  });

  it("learns the toy preference (test AUROC > 0.85) with a given class prior", async () => {
    const { auroc, result } = await trainToy("nnpu", { classPrior: 0.5 });
    expect(auroc).toBeGreaterThan(0.85);
    expect(result.inputs.classPrior).toEqual({ source: "given", value: 0.5 });
  });
});
