// Identifiability machinery (METHOD §2, "Identifiability"): the activity block, per-head specs,
// the activity prior and the diagnostics.
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import "./register-gradients.js";
import { DEFAULT_INDISTINGUISHABLE_RULE, headDiagnostics } from "./diagnostics.js";
import { ConfigError } from "./errors.js";
import { activityPriorPenalty, implicitRMLoss, prepareActivityPrior } from "./objectives/implicitrm.js";
import { resolveObjectiveOptions } from "./objectives/options.js";
import { getObjective } from "./objectives/registry.js";
import type { ImplicitRMOptions } from "./objectives/implicitrm.js";
import { Rng } from "./random.js";
import { RewardModel } from "./model.js";
import { train } from "./train/train.js";
import { useCpu, values } from "./test-utils/setup.js";
import type { FeatureSet } from "./types.js";

beforeAll(useCpu);

const t = (a: number[]) => tf.tensor1d(a);

/**
 * Toy rows with a content block x (D = 6) and an activity block c (2 columns): r* = 1[x₀ + 0.5·x₁ > 0].
 * 'presentation': π = 0.95 when c₀ > 0 else 0.25, independent of x (identifiable from c).
 * 'grade': π = σ(3·(x₀ + 0.5·x₁)) driven by quality, as in the paper's protocol; c is noise.
 */
function contextToy(n: number, seed: number, kind: "presentation" | "grade"): FeatureSet {
  const rng = new Rng(seed);
  const dim = 6;
  const features = new Float32Array(n * dim);
  for (let i = 0; i < features.length; i++) features[i] = rng.normal();
  const ctx = new Float32Array(n * 2);
  for (let i = 0; i < ctx.length; i++) ctx[i] = rng.normal();
  const r = new Uint8Array(n);
  const rStar = new Uint8Array(n);
  const propensity = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const q = features[i * dim]! + 0.5 * features[i * dim + 1]!;
    rStar[i] = q > 0 ? 1 : 0;
    propensity[i] = kind === "presentation" ? (ctx[i * 2]! > 0 ? 0.95 : 0.25) : 1 / (1 + Math.exp(-3 * q));
    r[i] = rStar[i]! * rng.bernoulli(propensity[i]!);
  }
  return { n, dim, features, r, rStar, propensity, activity: { dim: 2, features: ctx, names: ["c0", "c1"] } };
}

const mean = (a: ArrayLike<number>) => Array.from(a).reduce((s, x) => s + x, 0) / a.length;

describe("the activity prior", () => {
  it("matches the hand-worked KL penalty and pulls only the activity head", () => {
    // r̂ = σ(0) = 0.5 on both rows; â = σ(0) = 0.5 and σ(ln 3) = 0.75.
    // m = (0.5·0.5 + 0.5·0.75)/(0.5 + 0.5) = 0.625; μ = 0.5:
    // KL(0.5‖0.625) = 0.5·ln(0.5/0.625) + 0.5·ln(0.5/0.375) = 0.032272; weight 2 → 0.064545.
    const f = t([0, 0]);
    const g = t([0, Math.log(3)]);
    const prior = { mean: 0.5, weight: 2 };
    const kl = 0.5 * Math.log(0.5 / 0.625) + 0.5 * Math.log(0.5 / 0.375);
    expect(values(activityPriorPenalty(f, g, prior))[0]).toBeCloseTo(2 * kl, 6);
    const [gf, gg] = tf.grads((a: tf.Tensor, b: tf.Tensor) => activityPriorPenalty(a as tf.Tensor1D, b as tf.Tensor1D, prior))([f, g]);
    expect(values(gf!)).toEqual([0, 0]);
    // ∂/∂g_i = w·(m − μ)/(m(1 − m)) · r̂_i·â_i(1 − â_i)/Σr̂ = 2·(0.125/0.234375)·0.5·â(1 − â)/1
    const scale = (2 * 0.125) / 0.234375;
    expect(values(gg!)[0]).toBeCloseTo(scale * 0.5 * 0.25, 5);
    expect(values(gg!)[1]).toBeCloseTo(scale * 0.5 * 0.1875, 5);
    // At m = μ the penalty vanishes.
    expect(values(activityPriorPenalty(f, g, { mean: 0.625, weight: 5 }))[0]).toBeCloseTo(0, 6);
  });

  it("adds the part `prior` to the ImplicitRM loss only when given", () => {
    const base = { rewardLogits: t([0.3, -1]), activityLogits: t([0.2, 1]), r: t([1, 0]) };
    const without = implicitRMLoss(base);
    expect(without.prior).toBeUndefined();
    const withPrior = implicitRMLoss({ ...base, activityPrior: { mean: 0.9, weight: 3 } });
    expect(values(withPrior.total)[0]).toBeCloseTo(values(without.total)[0]! + values(withPrior.prior!)[0]!, 5);
  });

  it("checks its option forms and resolves 'oracle' from the training rows", () => {
    const irm = getObjective("implicitrm");
    expect(() => resolveObjectiveOptions(irm, { activityPrior: { mean: 1.2, weight: 1 } })).toThrow(/"activityPrior": must be null/);
    expect(() => resolveObjectiveOptions(irm, { activityPrior: "0.5" })).toThrow(ConfigError);
    expect(() => resolveObjectiveOptions(irm, { activityHead: "deep" })).toThrow(/mlp, linear, scalar/);
    expect(() => resolveObjectiveOptions(irm, { activityInputs: "user" })).toThrow(/auto, content, context, both/);
    expect(() => resolveObjectiveOptions(getObjective("recrec-i"), { activityHead: "mlp" })).toThrow(/must be one of scalar/);
    const o = resolveObjectiveOptions(irm, { activityPrior: "oracle@10" }) as ImplicitRMOptions;
    // Rows with r* = 1 have π = 0.8 and 0.6: the oracle mean is 0.7.
    const fs = { n: 3, dim: 1, features: new Float32Array(3), r: new Uint8Array(3), rStar: Uint8Array.from([1, 0, 1]), propensity: Float32Array.from([0.8, 0.1, 0.6]) };
    const prepared = prepareActivityPrior(o, fs);
    expect(prepared.options.activityPrior).toEqual({ mean: expect.closeTo(0.7, 6), weight: 10 });
    expect(prepared.report).toEqual({ activityPrior: { source: "oracle", mean: expect.closeTo(0.7, 6), weight: 10 } });
    expect(prepareActivityPrior({ ...o, activityPrior: "0.8@2" as never }, fs).options.activityPrior).toEqual({ mean: 0.8, weight: 2 });
    const { rStar: _r, ...noTruth } = fs;
    expect(() => prepareActivityPrior(o, noTruth)).toThrow(/needs the training rows' clean labels and true propensities/);
  });
});

describe("heads with their own inputs, shapes, init, L2 and learning rate", () => {
  const tr = contextToy(1200, 1, "presentation");
  const validation = contextToy(400, 2, "presentation");

  it("builds the activity head on the activity block and checks every split carries it", async () => {
    const res = await train({ train: tr, validation }, { hidden: [8], epochs: 1, objectiveOptions: { activityInputs: "context" } });
    expect(res.model.inputOf("activity")).toBe("context");
    expect(res.model.inputOf("reward")).toBe("content");
    expect(res.model.head("activity").getWeights().inputDim).toBe(2);
    expect(res.diagnostics?.activityInputs).toBe("context");
    // predicting the activity head needs the block
    expect(() => res.model.predict(validation.features, "activity")).toThrow(/reads the activity features: give 400 × 2/);
    expect(res.model.predict(validation.features, "activity", validation.activity!.features)).toHaveLength(400);
    // the state round-trips with its inputs
    const state = res.model.getState();
    expect(state.contextDim).toBe(2);
    expect(state.inputs).toEqual({ activity: "context" });
    const back = RewardModel.fromState(state);
    expect(back.predict(validation.features, "activity", validation.activity!.features)).toEqual(
      res.model.predict(validation.features, "activity", validation.activity!.features),
    );
    back.dispose();
    res.model.dispose();
    const { activity: _a, ...bare } = validation;
    await expect(train({ train: tr, validation: bare }, { hidden: [8], epochs: 1, objectiveOptions: { activityInputs: "context" } })).rejects.toThrow(
      /the activity head reads the activity features \('context'\), but the validation split has none/,
    );
  });

  it("'auto' reads the block when there is one, the content features otherwise; 'both' concatenates", async () => {
    const auto = await train({ train: tr, validation }, { hidden: [8], epochs: 1 });
    expect(auto.model.inputOf("activity")).toBe("context");
    auto.model.dispose();
    const { activity: _a, ...bareTr } = tr;
    const { activity: _b, ...bareVal } = validation;
    const plain = await train({ train: bareTr, validation: bareVal }, { hidden: [8], epochs: 1 });
    expect(plain.model.inputOf("activity")).toBe("content");
    expect(plain.diagnostics?.activityInputs).toBe("content");
    plain.model.dispose();
    const both = await train({ train: tr, validation }, { hidden: [8], epochs: 1, objectiveOptions: { activityInputs: "both" } });
    expect(both.model.head("activity").getWeights().inputDim).toBe(6 + 2);
    both.model.dispose();
  });

  it("'linear' and 'scalar' heads, initialised at the prior's logit, with their own L2 and learning rate", async () => {
    // lr 1e-8 on the activity head: its weights barely move, so its output bias stays at logit(0.8).
    const lin = await train(
      { train: tr, validation },
      { hidden: [8], epochs: 1, objectiveOptions: { activityHead: "linear", activityPrior: { mean: 0.8, weight: 1 }, activityLr: 1e-8, activityWeightDecay: 0 } },
    );
    const w = lin.model.head("activity").getWeights();
    expect(w.hidden).toEqual([]);
    expect(w.layers).toHaveLength(1);
    expect(w.layers[0]!.bias[0]).toBeCloseTo(Math.log(0.8 / 0.2), 4);
    expect(lin.diagnostics?.activityHead).toBe("linear");
    expect(lin.inputs.objective).toEqual({ activityPrior: { source: "given", mean: 0.8, weight: 1 } });
    lin.model.dispose();
    const scalar = await train({ train: tr, validation }, { hidden: [8], epochs: 1, objectiveOptions: { activityHead: "scalar", activityPrior: "0.6@1" } });
    expect(scalar.model.head("activity").kind).toBe("constant");
    expect(scalar.diagnostics?.activityHead).toBe("scalar");
    expect(Number.isNaN(scalar.diagnostics!.pearson)).toBe(true);
    expect(scalar.diagnostics!.indistinguishable).toBe(false);
    scalar.model.dispose();
  });
});

describe("diagnostics", () => {
  it("computes means, the Pearson correlation and the product, and applies the rule", () => {
    const fs = { n: 4, r: Uint8Array.from([1, 0, 0, 1]) };
    const setup = { split: "validation", activityInputs: "content" as const, activityHead: "mlp" as const };
    // σ(g) = σ(f) shifted: Pearson 1 ≥ 0.5 → indistinguishable.
    const same = headDiagnostics(Float32Array.from([0.2, 0.4, 0.6, 0.8]), Float32Array.from([0.3, 0.5, 0.7, 0.9]), fs, setup);
    expect(same.meanReward).toBeCloseTo(0.5, 6);
    expect(same.meanActivity).toBeCloseTo(0.6, 6);
    expect(same.pearson).toBeCloseTo(1, 6);
    // mean of 0.06, 0.2, 0.42, 0.72 = 0.35
    expect(same.meanProduct).toBeCloseTo(0.35, 6);
    expect(same.feedbackRate).toBe(0.5);
    expect(same.indistinguishable).toBe(true);
    expect(same.warning).toMatch(/indistinguishable on the validation rows \(Pearson of σ\(f\) and σ\(g\) 1\.00 ≥ 0\.5/);
    expect(same.rule).toEqual(DEFAULT_INDISTINGUISHABLE_RULE);
    // Pearson of [.2 .4 .6 .8] with [.9 .3 .3 .9] is 0: separated.
    const apart = headDiagnostics(Float32Array.from([0.2, 0.4, 0.6, 0.8]), Float32Array.from([0.9, 0.3, 0.3, 0.9]), fs, setup);
    expect(apart.pearson).toBeCloseTo(0, 6);
    expect(apart.indistinguishable).toBe(false);
    expect(apart.warning).toBeNull();
    // the threshold is inclusive and configurable
    expect(headDiagnostics(Float32Array.from([0.2, 0.4, 0.6, 0.8]), Float32Array.from([0.9, 0.3, 0.3, 0.9]), fs, setup, { minPearson: -0.1 }).indistinguishable).toBe(true);
  });

  it("fires on symmetric heads under a quality-driven propensity, not on a context-fed activity head", async () => {
    const tr = contextToy(1600, 3, "grade");
    const validation = contextToy(600, 4, "grade");
    const opts = { hidden: [16], epochs: 15, patience: 15, lr: 3e-3 };
    const sym = await train({ train: tr, validation }, { ...opts, objectiveOptions: { activityInputs: "content" } });
    expect(sym.diagnostics!.pearson).toBeGreaterThanOrEqual(0.5);
    expect(sym.diagnostics!.warning).toMatch(/indistinguishable/);
    sym.model.dispose();
    const ctx = await train({ train: tr, validation }, { ...opts, objectiveOptions: { activityInputs: "context" } });
    expect(ctx.diagnostics!.indistinguishable).toBe(false);
    expect(Math.abs(ctx.diagnostics!.pearson)).toBeLessThan(0.3);
    ctx.model.dispose();
  });

  it("a context-fed activity head recovers the share of preferred rows under presentation bias", async () => {
    const tr = contextToy(2000, 5, "presentation");
    const validation = contextToy(600, 6, "presentation");
    const test = contextToy(1000, 7, "presentation");
    const res = await train({ train: tr, validation }, { hidden: [16], epochs: 20, patience: 20, lr: 3e-3, objectiveOptions: { activityInputs: "context" } });
    const meanReward = mean(res.model.predict(test.features));
    expect(Math.abs(meanReward - mean(test.rStar!))).toBeLessThan(0.05);
    // the activity head found the presentation effect: higher on c₀ > 0
    const a = res.model.predict(test.features, "activity", test.activity!.features);
    const hi = Array.from(a).filter((_, i) => test.activity!.features[i * 2]! > 0);
    const lo = Array.from(a).filter((_, i) => test.activity!.features[i * 2]! <= 0);
    expect(mean(hi) - mean(lo)).toBeGreaterThan(0.2);
    res.model.dispose();
  });
});
