import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { ConfigError, DataError } from "../errors.js";
import { MlpHead } from "../heads.js";
import { bceWithLogits } from "../math.js";
import { auroc } from "../metrics.js";
import { RewardModel } from "../model.js";
import { resolveObjectiveOptions } from "../objectives/options.js";
import { getObjective, listObjectives, registerObjective } from "../objectives/registry.js";
import type { Objective, PropensityOptions } from "../objectives/types.js";
import { resolveTrainOptions } from "./options.js";
import { train } from "./train.js";
import { toyFeatureSet, toySplits, useCpu } from "../test-utils/setup.js";
import "../register-gradients.js";

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

describe("the baselines in the registry", () => {
  it("lists every method of METHOD §3", () => {
    expect(listObjectives().slice(0, 11)).toEqual(["implicitrm", "naive", "oracle", "ips", "ips-nn", "upu", "nnpu", "dr", "bpr", "ubpr", "recrec-i"]);
  });

  it("checks the shared options", () => {
    expect(() => resolveObjectiveOptions(getObjective("ips"), { propensity: 2 })).toThrow(/"propensity": must be "oracle", "estimated" or a number in \(0, 1\], got 2/);
    expect(() => resolveObjectiveOptions(getObjective("ubpr"), { propensity: "learned" })).toThrow(ConfigError);
    expect(() => resolveObjectiveOptions(getObjective("dr"), { clipMin: 0 })).toThrow(/"clipMin"/);
    expect(() => resolveObjectiveOptions(getObjective("nnpu"), { classPrior: 1 })).toThrow(/"classPrior": must be "estimated" or a number in \(0, 1\)/);
    expect(resolveObjectiveOptions(getObjective("ips"))).toEqual({ propensity: "oracle", clipMin: 0.05 });
    expect(resolveObjectiveOptions(getObjective("nnpu"))).toEqual({ classPrior: "estimated", loss: "logistic", beta: 0, gamma: 1 });
  });

  it("rejects an objective that breaks the loop's contracts", () => {
    const base = { summary: "", samplingLabel: "r" as const, loss: () => ({ total: tf.scalar(0) }) };
    expect(() => registerObjective({ ...base, name: "bad1", heads: ["reward"], needs: { propensity: true }, defaults: {} })).toThrow(
      /options must include propensity and clipMin/,
    );
    expect(() => registerObjective({ ...base, name: "bad2", heads: ["reward"], needs: { classPrior: true }, defaults: {} })).toThrow(/classPrior/);
    expect(() => registerObjective({ ...base, name: "bad3", heads: ["activity"], needs: {}, defaults: {} })).toThrow(/first head must be "reward"/);
    expect(listObjectives()).not.toContain("bad1");
  });

  it("every registered objective trains with its defaults on data shaped like the synthetic default (groups, propensity, r*)", async () => {
    const { train: tr, validation, test } = toySplits({ groupSize: 4 });
    for (const objective of listObjectives()) {
      const res = await train({ train: tr, validation }, { hidden: [8], epochs: 2, patience: 5, objective });
      const p = res.model.predict(test.features);
      expect(p.every(Number.isFinite), objective).toBe(true);
      expect(Number.isFinite(res.bestSelectionLoss), objective).toBe(true);
      res.model.dispose();
    }
  });
});

describe("what the loop resolves for the objectives", () => {
  const { train: tr, validation } = toySplits();
  // A probe objective: records what each batch carried.
  const seen: { weight: number[]; r: number[]; propensity: number[] } = { weight: [], r: [], propensity: [] };
  const probe: Objective<PropensityOptions> = {
    name: "test-probe",
    summary: "records its batches",
    heads: ["reward"],
    needs: { propensity: true },
    defaults: { propensity: "oracle", clipMin: 0.3 },
    samplingLabel: "r",
    loss(batch) {
      seen.weight.push(...(batch.weight ? Array.from(batch.weight.dataSync()) : []));
      seen.r.push(...Array.from(batch.r.dataSync()));
      seen.propensity.push(...Array.from(batch.propensity!.dataSync()));
      return { total: tf.mean(bceWithLogits(batch.logits.reward!, batch.r)) as tf.Scalar };
    },
  };
  registerObjective(probe);

  it("gives 'positives+k' rows importance weights that restore the split's class balance", async () => {
    seen.weight.length = seen.r.length = seen.propensity.length = 0;
    const res = await train({ train: tr, validation }, { hidden: [4], epochs: 1, objective: "test-probe" });
    res.model.dispose();
    const epochRows = seen.weight.length; // the training batches; the validation batches that follow carry no weights
    expect(seen.r.length).toBe(epochRows + validation.n);
    const positives = tr.r.reduce((a, b) => a + b, 0);
    expect(epochRows).toBe(positives + Math.round(4 * positives));
    const sumW = seen.weight.reduce((a, b) => a + b, 0);
    const sumWPos = seen.weight.reduce((a, w, i) => a + (seen.r[i] === 1 ? w : 0), 0);
    expect(sumW / epochRows).toBeCloseTo(1, 4);
    expect(sumWPos / sumW).toBeCloseTo(positives / tr.n, 4);
  });

  it("gives no weights under sampling 'full'", async () => {
    seen.weight.length = seen.r.length = seen.propensity.length = 0;
    const res = await train({ train: tr, validation }, { hidden: [4], epochs: 1, sampling: "full", objective: "test-probe" });
    res.model.dispose();
    expect(seen.weight).toHaveLength(0);
    expect(seen.r).toHaveLength(tr.n + validation.n); // the training rows once, then the validation rows for selection
  });

  it("clips propensities at clipMin and reports it", async () => {
    seen.weight.length = seen.r.length = seen.propensity.length = 0;
    const res = await train({ train: tr, validation }, { hidden: [4], epochs: 1, sampling: "full", objective: "test-probe" });
    res.model.dispose();
    expect(Math.min(...seen.propensity)).toBeCloseTo(0.3, 6); // the toy's 0.2 raised to clipMin 0.3
    expect(Math.max(...seen.propensity)).toBeCloseTo(0.9, 6);
    const low = tr.propensity!.reduce((a, p) => a + (p < 0.3 ? 1 : 0), 0);
    expect(res.inputs.propensity).toMatchObject({ source: "oracle", clipMin: 0.3, clippedShare: low / tr.n });
    expect(res.selection).toBe("validation-loss");
  });

  it("says what to do when oracle propensities are missing", async () => {
    const { propensity: _p, ...noProp } = tr;
    await expect(train({ train: noProp, validation }, { hidden: [4], epochs: 1, objective: "ips" })).rejects.toThrow(
      /train field "propensity": objective "ips" with propensity 'oracle' needs the true propensities on the train split, which has none .*use propensity 'estimated' or a number/,
    );
    const res = await train({ train: noProp, validation }, { hidden: [4], epochs: 1, objective: "ips", objectiveOptions: { propensity: "estimated" } });
    expect(res.inputs.propensity?.source).toBe("estimated");
    res.model.dispose();
  });

  it.each(["dr", "ubpr", "nnpu", "recrec-i"])("%s leaks no tensors", async (objective) => {
    const warm = await train({ train: tr, validation }, { hidden: [4], epochs: 1, objective });
    warm.model.dispose();
    const before = tf.memory().numTensors;
    const res = await train({ train: tr, validation }, { hidden: [4], epochs: 2, objective });
    res.model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("saves a constant head as an equivalent MLP and restores it as a constant head", async () => {
    const res = await train({ train: tr, validation }, { hidden: [6], epochs: 2, objective: "recrec-i" });
    const state = res.model.getState();
    const activity = state.heads.activity!;
    expect(activity.kind).toBe("constant");
    expect(activity.layers.map((l) => [l.kernel.length, l.bias.length])).toEqual([
      [8 * 6, 6],
      [6, 1],
    ]);
    // Any MLP reader (checkpoints that drop `kind`) computes the same logit.
    const asMlp = new MlpHead(8, [6], 0, "test-constant-as-mlp");
    asMlp.setWeights(activity);
    const x = tf.tensor2d(validation.features.subarray(0, 8 * 5), [5, 8]);
    expect(Array.from(asMlp.apply(x).dataSync())).toEqual(Array.from(res.model.head("activity").apply(x).dataSync()));
    const copy = RewardModel.fromState(state);
    expect(copy.head("activity").kind).toBe("constant");
    expect(Array.from(copy.predict(validation.features, "activity"))).toEqual(Array.from(res.model.predict(validation.features, "activity")));
    x.dispose();
    asMlp.dispose();
    copy.dispose();
    res.model.dispose();
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

  it("hands onEpoch the model being trained, with that epoch's weights", async () => {
    const seen: Array<{ epoch: number; model: unknown; logits: number[] }> = [];
    const res = await train({ train: data, validation }, { ...small, epochs: 3 }, {
      onEpoch: (record, model) => seen.push({ epoch: record.epoch, model, logits: Array.from(model.predictLogits(test.features.subarray(0, 8 * 4))) }),
    });
    expect(seen.map((s) => s.epoch)).toEqual([1, 2, 3]);
    for (const s of seen) expect(s.model).toBe(res.model);
    expect(seen[0]!.logits).not.toEqual(seen[2]!.logits);
    // The result keeps the best epoch's weights: what onEpoch saw at that epoch.
    expect(Array.from(res.model.predictLogits(test.features.subarray(0, 8 * 4)))).toEqual(seen[res.bestEpoch - 1]!.logits);
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
