import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import "../register-gradients.js";
import { allFinite, trainToy, useCpu, values } from "../test-utils/setup.js";
import { ips } from "./ips.js";

beforeAll(useCpu);

const t = (a: number[]) => tf.tensor1d(a);
const LN2 = Math.log(2);
const LN4_3 = Math.log(4 / 3);

describe("ips (Rel-MF)", () => {
  it("matches the hand-worked loss", () => {
    // per row (r/π)·softplus(−f) + (1 − r/π)·softplus(f):
    //   f = 0,    r = 1, π = 0.5:  2·ln2 − 1·ln2               = ln2
    //   f = ln 3, r = 1, π = 1:    1·softplus(−ln3) + 0        = ln(4/3)
    //   f = 0,    r = 0, π = 0.25: 0 + 1·ln2                   = ln2
    // mean = (2 ln2 + ln(4/3)) / 3 = 0.557992
    const batch = { logits: { reward: t([0, Math.log(3), 0]) }, r: t([1, 1, 0]), propensity: t([0.5, 1, 0.25]) };
    expect(values(ips.loss(batch, ips.defaults).total)[0]).toBeCloseTo((2 * LN2 + LN4_3) / 3, 5);
    expect(values(ips.loss(batch, ips.defaults).total)[0]).toBeCloseTo(0.557992, 5);
    // With importance weights [2, 1, 0.5]: (2·ln2 + ln(4/3) + 0.5·ln2) / 3.
    expect(values(ips.loss({ ...batch, weight: t([2, 1, 0.5]) }, ips.defaults).total)[0]).toBeCloseTo((2.5 * LN2 + LN4_3) / 3, 5);
  });

  it("is finite with its gradient at logits ±1e4", () => {
    const r = t([1, 1, 0, 0]);
    const propensity = t([0.05, 1, 0.3, 1]);
    const f = t([1e4, -1e4, 1e4, -1e4]);
    const loss = ips.loss({ logits: { reward: f }, r, propensity }, ips.defaults).total;
    const grad = tf.grad((z: tf.Tensor) => ips.loss({ logits: { reward: z as tf.Tensor1D }, r, propensity }, ips.defaults).total)(f);
    expect(allFinite(loss, grad)).toBe(true);
  });

  it("learns the toy preference with oracle propensities (test AUROC > 0.9)", async () => {
    const { auroc, result } = await trainToy("ips");
    expect(auroc).toBeGreaterThan(0.9);
    expect(result.selection).toBe("validation-loss");
    expect(result.inputs.propensity).toMatchObject({ source: "oracle", clipMin: 0.05, clippedShare: 0 });
  });

  it("learns with estimated propensities (test AUROC > 0.85) and reports them", async () => {
    const { auroc, result } = await trainToy("ips", { propensity: "estimated" });
    expect(auroc).toBeGreaterThan(0.85);
    expect(result.inputs.propensity?.source).toBe("estimated");
    expect(result.inputs.propensity?.mean).toBeGreaterThan(0.05);
    expect(result.inputs.propensity?.mean).toBeLessThanOrEqual(1);
  });
});
