import { initBackend } from "@implicitrm/backends";
import { RewardModel } from "@implicitrm/core";
import { beforeAll, describe, expect, it } from "vitest";
import { evaluateModel } from "./evaluate.js";

beforeAll(async () => {
  await initBackend("cpu");
});

describe("train and test of different feature dimensions", () => {
  it("evaluation names the split whose dimension is not the model's", () => {
    const model = new RewardModel("naive", ["reward"], 3, [4], 1);
    const fs = (dim: number) => ({ n: 2, dim, features: new Float32Array(2 * dim), r: new Uint8Array(2), rStar: Uint8Array.from([0, 1]) });
    expect(() => evaluateModel(model, fs(3), fs(4))).toThrow(/test field "features": feature dimension 4 does not match the model's 3; encode the test rows with the encoder the model was trained on/);
    expect(() => evaluateModel(model, fs(5), fs(3))).toThrow(/validation .*feature dimension 5/);
    expect(evaluateModel(model, fs(3), fs(3))).not.toBeNull();
    model.dispose();
  });
});
