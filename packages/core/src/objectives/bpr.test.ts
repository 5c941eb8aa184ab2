import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import "../register-gradients.js";
import { allFinite, trainToy, useCpu, values } from "../test-utils/setup.js";
import { bpr } from "./bpr.js";

beforeAll(useCpu);

const t = (a: number[]) => tf.tensor1d(a);

describe("bpr", () => {
  it("matches the hand-worked pairwise loss", () => {
    // rows [anchor 1, anchor 2, partner 1, partner 2], f = [ln3, 0, 0, ln3]:
    //   pair 1: −log σ(ln3 − 0) = softplus(−ln3) = ln(4/3) = 0.287682
    //   pair 2: −log σ(0 − ln3) = softplus(ln3) = ln4 = 1.386294
    //   mean = 0.836988
    const batch = { logits: { reward: t([Math.log(3), 0, 0, Math.log(3)]) }, r: t([1, 1, 0, 0]), pairs: { count: 2 } };
    expect(values(bpr.loss(batch, bpr.defaults).total)[0]).toBeCloseTo((Math.log(4 / 3) + Math.log(4)) / 2, 6);
    expect(values(bpr.loss(batch, bpr.defaults).total)[0]).toBeCloseTo(0.836988, 5);
  });

  it("rejects a batch whose rows do not match its pair count", () => {
    expect(() => bpr.loss({ logits: { reward: t([0, 0, 0]) }, r: t([1, 0, 0]), pairs: { count: 2 } }, bpr.defaults)).toThrow(/2 pairs must have 4 rows/);
  });

  it("is finite with its gradient at logits ±1e4", () => {
    const r = t([1, 1, 0, 0]);
    const f = t([1e4, -1e4, -1e4, 1e4]);
    const loss = bpr.loss({ logits: { reward: f }, r, pairs: { count: 2 } }, bpr.defaults).total;
    const grad = tf.grad((z: tf.Tensor) => bpr.loss({ logits: { reward: z as tf.Tensor1D }, r, pairs: { count: 2 } }, bpr.defaults).total)(f);
    expect(allFinite(loss, grad)).toBe(true);
    expect(values(loss)[0]).toBeCloseTo(1e4, 0); // pair 2 is wrong by 2e4: softplus(2e4)/2
  });

  it("learns the toy preference from within-prompt pairs (test AUROC > 0.85)", async () => {
    const { auroc, result } = await trainToy("bpr", {}, { groupSize: 4 });
    expect(auroc).toBeGreaterThan(0.85);
    expect(result.inputs.pairs).toMatchObject({ partner: "unlabeled", groups: true });
    expect(result.inputs.pairs!.fallbackShare).toBeGreaterThan(0); // groups of 4 rows with no r = 0 row exist
    expect(result.inputs.pairs!.fallbackShare).toBeLessThan(0.2);
  });
});
