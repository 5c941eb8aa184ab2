import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import "../register-gradients.js";
import { allFinite, trainToy, useCpu, values } from "../test-utils/setup.js";
import { upu } from "./upu.js";

beforeAll(useCpu);

const t = (a: number[]) => tf.tensor1d(a);
const LN2 = Math.log(2);
const LN4 = Math.log(4);
const LN4_3 = Math.log(4 / 3);
const L3 = Math.log(3);

describe("upu", () => {
  // f = [0, ln3, −ln3, 0], r = [1, 1, 0, 0]; P = rows 0–1, U = all four rows.
  const batch = (prior: number) => ({ logits: { reward: t([0, L3, -L3, 0]) }, r: t([1, 1, 0, 0]), classPrior: prior });

  it("matches the hand-worked logistic risk", () => {
    // ℓ⁺ = softplus(−f) = [ln2, ln(4/3), ln4, ln2], ℓ⁻ = softplus(f) = [ln2, ln4, ln(4/3), ln2]
    // ℓ⁺_P = (ln2 + ln(4/3))/2 = 0.490415, ℓ⁻_P = (ln2 + ln4)/2 = 1.039721,
    // ℓ⁻_U = (ln2 + ln4 + ln(4/3) + ln2)/4 = 0.765068
    // π_p = 0.4: 0.4·(0.490415 − 1.039721) + 0.765068 = 0.545346
    const posP = (LN2 + LN4_3) / 2;
    const negP = (LN2 + LN4) / 2;
    const negU = (2 * LN2 + LN4 + LN4_3) / 4;
    const parts = upu.loss(batch(0.4), upu.defaults);
    expect(values(parts.total)[0]).toBeCloseTo(0.4 * (posP - negP) + negU, 5);
    expect(values(parts.total)[0]).toBeCloseTo(0.545346, 5);
    expect(values(parts.negative!)[0]).toBeCloseTo(negU - 0.4 * negP, 5);
  });

  it("matches the hand-worked sigmoid risk", () => {
    // ℓ⁺ = σ(−f) = [.5, .25, .75, .5], ℓ⁻ = σ(f) = [.5, .75, .25, .5]; ℓ⁺_P = .375, ℓ⁻_P = .625, ℓ⁻_U = .5
    // π_p = 0.4: 0.4·(0.375 − 0.625) + 0.5 = 0.4
    expect(values(upu.loss(batch(0.4), { ...upu.defaults, loss: "sigmoid" }).total)[0]).toBeCloseTo(0.4, 6);
  });

  it("weights the unlabeled mean with the sampler's importance weights", () => {
    // weights [0.5, 0.5, 1.5, 1.5] (positives over-sampled): ℓ⁻_U = (.5·ln2 + .5·ln4 + 1.5·ln(4/3) + 1.5·ln2)/4
    const w = { ...batch(0.4), weight: t([0.5, 0.5, 1.5, 1.5]) };
    const negU = (0.5 * LN2 + 0.5 * LN4 + 1.5 * LN4_3 + 1.5 * LN2) / 4;
    expect(values(upu.loss(w, upu.defaults).total)[0]).toBeCloseTo(0.4 * ((LN2 + LN4_3) / 2 - (LN2 + LN4) / 2) + negU, 5);
  });

  it("a batch without positives gives ℓ⁻_U alone, not NaN", () => {
    const parts = upu.loss({ logits: { reward: t([0, 0]) }, r: t([0, 0]), classPrior: 0.3 }, upu.defaults);
    expect(values(parts.total)[0]).toBeCloseTo(LN2, 6);
  });

  it("learns the toy preference (test AUROC > 0.85) with the estimated class prior", async () => {
    const { auroc, result } = await trainToy("upu");
    expect(auroc).toBeGreaterThan(0.85);
    expect(result.inputs.classPrior?.source).toBe("estimated");
  });

  it("is finite with its gradient at logits ±1e4 (both losses)", () => {
    for (const loss of ["logistic", "sigmoid"] as const) {
      const r = t([1, 1, 0, 0]);
      const f = t([1e4, -1e4, 1e4, -1e4]);
      const o = { ...upu.defaults, loss };
      const total = upu.loss({ logits: { reward: f }, r, classPrior: 0.5 }, o).total;
      const grad = tf.grad((z: tf.Tensor) => upu.loss({ logits: { reward: z as tf.Tensor1D }, r, classPrior: 0.5 }, o).total)(f);
      expect(allFinite(total, grad)).toBe(true);
    }
  });
});
