import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import "../register-gradients.js";
import { allFinite, trainToy, useCpu, values } from "../test-utils/setup.js";
import { dr } from "./dr.js";

beforeAll(useCpu);

const t = (a: number[]) => tf.tensor1d(a);
const L3 = Math.log(3);
const LN4 = Math.log(4);
const LN4_3 = Math.log(4 / 3);

describe("dr", () => {
  // Two rows, reward logit f = ln3 (r̂ = 0.75) in both:
  //   row 1: e = 0 (ê = 0.5),    r = 1, π = 0.5
  //   row 2: e = ln3 (ê = 0.75), r = 0, π = 0.5
  const batch = () => ({ logits: { reward: t([L3, L3]), imputation: t([0, L3]) }, r: t([1, 0]), propensity: t([0.5, 0.5]) });

  it("matches the hand-worked reward and imputation parts", () => {
    // reward: ℓ(r̂, ê) + (r/π)(ℓ(r̂, 1) − ℓ(r̂, ê)), ℓ(r̂, y) = y·softplus(−f) + (1 − y)·softplus(f), softplus(−ln3) = ln(4/3), softplus(ln3) = ln4
    //   row 1: ℓ(r̂, .5) = .5 ln(4/3) + .5 ln4 = 0.836988; ℓ(r̂, 1) = ln(4/3) = 0.287682;
    //          0.836988 + 2·(0.287682 − 0.836988) = −0.261624   (= BCE with the DR label 0.5 + 2·0.5 = 1.5)
    //   row 2: ℓ(r̂, .75) = .75 ln(4/3) + .25 ln4 = 0.562335
    //   mean = 0.150356
    const row1 = 0.5 * LN4_3 + 0.5 * LN4 + 2 * (LN4_3 - (0.5 * LN4_3 + 0.5 * LN4));
    const row2 = 0.75 * LN4_3 + 0.25 * LN4;
    // imputation: −[r log(π ê) + (1 − r) log(1 − π ê)]: row 1 −log(0.25) = 1.386294, row 2 −log(1 − 0.375) = 0.470004; mean 0.928149
    const imputation = (-Math.log(0.25) - Math.log(0.625)) / 2;
    const parts = dr.loss(batch(), dr.defaults);
    expect(values(parts.reward!)[0]).toBeCloseTo((row1 + row2) / 2, 5);
    expect(values(parts.reward!)[0]).toBeCloseTo(0.150356, 5);
    expect(values(parts.imputation!)[0]).toBeCloseTo(imputation, 5);
    expect(values(parts.imputation!)[0]).toBeCloseTo(0.928149, 5);
    expect(values(parts.total)[0]).toBeCloseTo((row1 + row2) / 2 + imputation, 5);
  });

  it("sends the reward part to the reward head only and the imputation part to the imputation head only", () => {
    const b = batch();
    const gradE = tf.grad((e: tf.Tensor) => dr.loss({ ...b, logits: { reward: b.logits.reward, imputation: e as tf.Tensor1D } }, dr.defaults).total)(b.logits.imputation);
    // ∂/∂e of the imputation NLL, halved by the mean: row 1 −(1 − σ(0)) = −0.5 → −0.25;
    // row 2 ∂/∂e −log(1 − πσ(e)) = πσ'(e)/(1 − πσ(e)) = 0.5·0.1875/0.625 = 0.15 → 0.075
    expect(values(gradE)[0]).toBeCloseTo(-0.25, 5);
    expect(values(gradE)[1]).toBeCloseTo(0.075, 5);
    // the reward head's gradient is the reward part's alone
    const gradF = tf.grad((f: tf.Tensor) => dr.loss({ ...b, logits: { reward: f as tf.Tensor1D, imputation: b.logits.imputation } }, dr.defaults).total)(b.logits.reward);
    const gradFReward = tf.grad((f: tf.Tensor) => dr.loss({ ...b, logits: { reward: f as tf.Tensor1D, imputation: b.logits.imputation } }, dr.defaults).reward!)(
      b.logits.reward,
    );
    expect(values(gradF)).toEqual(values(gradFReward));
  });

  it("selects on the ips risk of the reward head", () => {
    // ips on the same rows: row 1 2·ln(4/3) − ln4, row 2 ln4; mean = ln(4/3)
    expect(values(dr.validationLoss!(batch(), dr.defaults))[0]).toBeCloseTo(LN4_3, 5);
  });

  it("is finite with its gradients at logits ±1e4", () => {
    const r = t([1, 1, 0, 0]);
    const propensity = t([0.05, 1, 0.3, 1]);
    const f = t([1e4, -1e4, 1e4, -1e4]);
    const e = t([-1e4, 1e4, 1e4, -1e4]);
    const total = dr.loss({ logits: { reward: f, imputation: e }, r, propensity }, dr.defaults).total;
    const [gf, ge] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      dr.loss({ logits: { reward: a as tf.Tensor1D, imputation: b as tf.Tensor1D }, r, propensity }, dr.defaults).total,
    )([f, e]);
    expect(allFinite(total, gf!, ge!)).toBe(true);
  });

  it("learns the toy preference with both heads (test AUROC > 0.9)", async () => {
    // No early stop: while the imputation head is still near 0.5 the reward head is pulled up and its
    // held-out ips risk rises for the first ~7 epochs before it falls below the first epoch's.
    const { auroc, result } = await trainToy("dr", {}, {}, { patience: 25 });
    expect(auroc).toBeGreaterThan(0.9);
    expect(result.history[0]!.train).toHaveProperty("imputation");
  });
});
