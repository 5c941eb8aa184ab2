import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { ConfigError, DataError } from "./errors.js";
import { auroc } from "./metrics.js";
import { getObjective, listObjectives, resolveObjectiveOptions } from "./objectives/index.js";
import { RewardModel, resolveTrainOptions, train } from "./train.js";
import { toyFeatureSet, useCpu } from "./test-utils/setup.js";
import "./gradients.js";

beforeAll(useCpu);

const small = { hidden: [16], epochs: 4, patience: 50, batchSize: 128 };

describe("objective registry", () => {
  it("has implicitrm, naive and oracle, and rejects unknown names and options", () => {
    expect(listObjectives()).toEqual(expect.arrayContaining(["implicitrm", "naive", "oracle"]));
    expect(() => getObjective("nope")).toThrow(/unknown objective "nope": choose one of .*implicitrm/);
    expect(() => resolveObjectiveOptions(getObjective("implicitrm"), { lambda: 1 })).toThrow(/has no option "lambda"; its options are lambdaObs/);
    expect(() => resolveObjectiveOptions(getObjective("implicitrm"), { lambdaObs: -1 })).toThrow(ConfigError);
  });
});

describe("train options", () => {
  it("rejects unknown keys and bad values with a ConfigError", () => {
    expect(() => resolveTrainOptions({ learningRate: 1 } as never)).toThrow(/unknown training option "learningRate"/);
    expect(() => resolveTrainOptions({ lr: -0.1 })).toThrow(/"lr" must be a positive number, got -0.1/);
    expect(() => resolveTrainOptions({ sampling: "all" as never })).toThrow(ConfigError);
  });
});

describe("train", () => {
  const data = toyFeatureSet(1200, 8, 1);
  const validation = toyFeatureSet(400, 8, 2);
  const test = toyFeatureSet(600, 8, 3);

  it("leaks no tensors over several epochs", async () => {
    const before = tf.memory().numTensors;
    const res = await train({ train: data, validation }, { ...small, objective: "implicitrm" });
    expect(res.history).toHaveLength(4);
    res.model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("is deterministic for a seed and differs across seeds", async () => {
    const run = async (seed: number) => {
      const res = await train({ train: data, validation }, { ...small, epochs: 2, seed });
      const w = res.model.predictLogits(test.features);
      res.model.dispose();
      return w;
    };
    const a = await run(7);
    const b = await run(7);
    const c = await run(8);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
  });

  it.each(["implicitrm", "naive", "oracle"])("%s learns the toy preference (test AUROC > 0.85)", async (objective) => {
    const res = await train({ train: data, validation }, { hidden: [32], epochs: 25, patience: 10, objective, lr: 3e-3 });
    const p = res.model.predict(test.features);
    expect(auroc(p, test.rStar!)).toBeGreaterThan(0.85);
    expect(res.selection).toBe(objective === "oracle" ? "clean-validation-bce" : "observed-nll");
    res.model.dispose();
  });

  it("restores the best epoch's weights and reports the selection loss", async () => {
    const res = await train({ train: data, validation }, { ...small, epochs: 6, lr: 5e-2, patience: 2 });
    const best = res.history.find((h) => h.epoch === res.bestEpoch)!;
    expect(best.selectionLoss).toBe(res.bestSelectionLoss);
    expect(Math.min(...res.history.map((h) => h.selectionLoss))).toBe(res.bestSelectionLoss);
    res.model.dispose();
  });

  it("uses a clean validation set when given", async () => {
    const res = await train({ train: data, validation, cleanValidation: validation }, small);
    expect(res.selection).toBe("clean-validation-bce");
    res.model.dispose();
  });

  it("round-trips the model state", async () => {
    const res = await train({ train: data, validation }, { ...small, epochs: 1 });
    const copy = RewardModel.fromState(JSON.parse(JSON.stringify(res.model.getState(), (_k, v) => (v instanceof Float32Array ? Array.from(v) : v)), (_k, v) =>
      Array.isArray(v) && typeof v[0] === "number" ? Float32Array.from(v) : v,
    ));
    expect(Array.from(copy.predict(test.features))).toEqual(Array.from(res.model.predict(test.features)));
    copy.dispose();
    res.model.dispose();
  });

  it("rejects bad data with a DataError that says where", async () => {
    const nan = toyFeatureSet(50, 4, 5);
    nan.features[4 * 7 + 2] = Number.NaN;
    await expect(train({ train: nan, validation: toyFeatureSet(20, 4, 6) }, small)).rejects.toThrow(/train row 7 field "features\[2\]": feature 2 is NaN/);
    const noPos = toyFeatureSet(50, 4, 5);
    noPos.r.fill(0);
    await expect(train({ train: noPos, validation: toyFeatureSet(20, 4, 6) }, small)).rejects.toThrow(/no positives/);
    const bad = toyFeatureSet(50, 4, 5);
    bad.r[3] = 2;
    await expect(train({ train: bad, validation: toyFeatureSet(20, 4, 6) }, small)).rejects.toThrow(DataError);
    await expect(train({ train: bad, validation: toyFeatureSet(20, 4, 6) }, small)).rejects.toThrow(/row 3 field "r": r must be 0 or 1, got 2/);
    await expect(train({ train: toyFeatureSet(50, 4, 5), validation: toyFeatureSet(20, 5, 6) }, small)).rejects.toThrow(/dimension 5 does not match/);
  });
});
