import { beforeAll, describe, expect, it } from "vitest";
import { DataError } from "./errors.js";
import { RewardModel, predictRows } from "./model.js";
import { toyFeatureSet, useCpu } from "./test-utils/setup.js";

beforeAll(useCpu);

describe("RewardModel.predict refuses features of the wrong length", () => {
  it("3 rows of 1,024 features for a 32-input model: an error naming rows, inputDim and the length, not 96 rewards", () => {
    const model = new RewardModel("implicitrm", ["reward"], 32, [8], 1);
    const x = new Float32Array(3 * 1024);
    for (const f of [() => model.predict(x, { rows: 3 }), () => model.predictLogits(x, { rows: 3 })]) {
      expect(f).toThrow(DataError);
      expect(f).toThrow(/3 rows × inputDim 32 = 96 features expected, got 3072 \(1024 per row/);
    }
    // a FeatureSet-like batch says its own n and dim
    expect(() => model.predict({ features: x, n: 3, dim: 1024 })).toThrow(/dimension 1024 given to a model of inputDim 32/);
    expect(() => model.predict({ features: new Float32Array(95), n: 3, dim: 32 })).toThrow(/96 features expected, got 95/);
    expect(() => model.predict(x, { rows: 2.5 })).toThrow(/rows must be an integer/);
    model.dispose();
  });

  it("the checked forms give the same numbers as the bare array, and predict = σ(predictLogits)", () => {
    const fs = toyFeatureSet(20, 4, 3);
    const model = new RewardModel("implicitrm", ["reward"], 4, [3], 7);
    const bare = model.predict(fs.features);
    expect(Array.from(model.predict(fs.features, { rows: 20 }))).toEqual(Array.from(bare));
    expect(Array.from(model.predict(fs))).toEqual(Array.from(bare));
    const z = model.predictLogits(fs, { rows: 20 });
    expect(z).toHaveLength(20);
    for (let i = 0; i < 20; i++) expect(bare[i]).toBeCloseTo(1 / (1 + Math.exp(-z[i]!)), 6);
    expect(model.predict(new Float32Array(0), { rows: 0 })).toHaveLength(0);
    expect(Array.from(predictRows(model, fs, "reward", { logits: true }))).toEqual(Array.from(z));
    model.dispose();
  });

  it("a bare array that is not a multiple of inputDim is still refused", () => {
    const model = new RewardModel("implicitrm", ["reward"], 4, [3], 7);
    expect(() => model.predict(new Float32Array(6))).toThrow(/not a multiple of the model's dimension 4/);
    model.dispose();
  });
});
