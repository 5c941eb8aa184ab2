import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import "../register-gradients.js";
import { train } from "../train/train.js";
import { TOY_TRAIN, allFinite, toySplits, useCpu, values } from "../test-utils/setup.js";
import { auroc } from "../metrics.js";
import { recrecI } from "./recrec-i.js";

beforeAll(useCpu);

const t = (a: number[]) => tf.tensor1d(a);
const LN2 = Math.log(2);

describe("recrec-i", () => {
  it("matches the hand-worked ImplicitRM loss with a global activity", () => {
    // f = 0, c = 0 (r̂ = â = 0.5) on two rows, r = [0, 1]:
    //   r = 0: φ_PP = φ_NA = φ_NP = 0.25/0.75 = 1/3, q = p = 1/3; L_pref = L_act = BCE(0, 1/3) = ln2;
    //          L_obs = −log(1 − 0.25) = 0.287682
    //   r = 1: q = p = 1; L_pref = L_act = ln2; L_obs = −log 0.25 = 1.386294
    //   total = mean(2 ln2 + 0.287682, 2 ln2 + 1.386294) = 2.223282
    const parts = recrecI.loss({ logits: { reward: t([0, 0]), activity: t([0, 0]) }, r: t([0, 1]) }, recrecI.defaults);
    expect(values(parts.total)[0]).toBeCloseTo((4 * LN2 + Math.log(4 / 3) + Math.log(4)) / 2, 5);
    expect(values(parts.total)[0]).toBeCloseTo(2.223282, 5);
  });

  it("is finite with its gradients at logits ±1e4", () => {
    const r = t([1, 0, 0, 1]);
    const f = t([1e4, -1e4, 1e4, -1e4]);
    const c = t([1e4, 1e4, 1e4, 1e4]);
    const total = recrecI.loss({ logits: { reward: f, activity: c }, r }, recrecI.defaults).total;
    const [gf, gc] = tf.grads((a: tf.Tensor, b: tf.Tensor) => recrecI.loss({ logits: { reward: a as tf.Tensor1D, activity: b as tf.Tensor1D }, r }, recrecI.defaults).total)([
      f,
      t([-1e4, -1e4, -1e4, -1e4]),
    ]);
    expect(allFinite(total, gf!, gc!)).toBe(true);
  });

  it("learns the toy preference with one scalar activity (test AUROC > 0.85)", async () => {
    const { train: tr, validation, test } = toySplits();
    const res = await train({ train: tr, validation }, { ...TOY_TRAIN, objective: "recrec-i" });
    expect(auroc(res.model.predict(test.features), test.rStar!)).toBeGreaterThan(0.85);
    expect(res.selection).toBe("observed-nll");
    // The activity is one learned number, the same for every row, and it moved from its initial 0.5.
    const a = res.model.predict(test.features, "activity");
    expect(new Set(a).size).toBe(1);
    expect(Math.abs(a[0]! - 0.5)).toBeGreaterThan(1e-3);
    expect(res.model.head("activity").kind).toBe("constant");
    expect(res.model.head("activity").variables).toHaveLength(1);
    res.model.dispose();
  });
});
