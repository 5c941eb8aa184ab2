import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import "../register-gradients.js";
import { allFinite, trainToy, useCpu, values } from "../test-utils/setup.js";
import { ipsNn } from "./ips-nn.js";

beforeAll(useCpu);

const t = (a: number[]) => tf.tensor1d(a);
const LN2 = Math.log(2);
const LN4_3 = Math.log(4 / 3);

describe("ips-nn", () => {
  it("clips the negative weight 1 − r/π at 0 (hand-worked)", () => {
    // per row (r/π)·softplus(−f) + max(0, 1 − r/π)·softplus(f):
    //   f = 0,    r = 1, π = 0.5:  2·ln2 + max(0, −1)·ln2 = 2·ln2   (ips: ln2)
    //   f = ln 3, r = 1, π = 1:    ln(4/3)
    //   f = 0,    r = 0, π = 0.25: ln2
    // mean = (3 ln2 + ln(4/3)) / 3 = 0.789041
    const batch = { logits: { reward: t([0, Math.log(3), 0]) }, r: t([1, 1, 0]), propensity: t([0.5, 1, 0.25]) };
    expect(values(ipsNn.loss(batch, ipsNn.defaults).total)[0]).toBeCloseTo((3 * LN2 + LN4_3) / 3, 5);
    expect(values(ipsNn.loss(batch, ipsNn.defaults).total)[0]).toBeCloseTo(0.789041, 5);
  });

  it("is bounded below on an observed positive, unlike ips", () => {
    // r = 1, π = 0.5, f = 50: ips-nn 2·softplus(−50) ≈ 0; ips would give 2·softplus(−50) − softplus(50) ≈ −50.
    const batch = { logits: { reward: t([50]) }, r: t([1]), propensity: t([0.5]) };
    expect(values(ipsNn.loss(batch, ipsNn.defaults).total)[0]).toBeGreaterThanOrEqual(0);
  });

  it("is finite with its gradient at logits ±1e4", () => {
    const r = t([1, 1, 0, 0]);
    const propensity = t([0.05, 1, 0.3, 1]);
    const f = t([1e4, -1e4, 1e4, -1e4]);
    const loss = ipsNn.loss({ logits: { reward: f }, r, propensity }, ipsNn.defaults).total;
    const grad = tf.grad((z: tf.Tensor) => ipsNn.loss({ logits: { reward: z as tf.Tensor1D }, r, propensity }, ipsNn.defaults).total)(f);
    expect(allFinite(loss, grad)).toBe(true);
  });

  it("learns the toy preference (test AUROC > 0.9)", async () => {
    const { auroc } = await trainToy("ips-nn");
    expect(auroc).toBeGreaterThan(0.9);
  });

  it("learns with a constant propensity (test AUROC > 0.85)", async () => {
    const { auroc, result } = await trainToy("ips-nn", { propensity: 0.5 });
    expect(auroc).toBeGreaterThan(0.85);
    expect(result.inputs.propensity).toMatchObject({ source: "constant", mean: 0.5 });
  });
});
