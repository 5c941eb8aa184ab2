// End to end through the trainer's data loading: the activity block of the synthetic default and of
// rated text data reaches the activity head; with presentation bias (w ≥ 0.5) a context-fed activity
// head recovers the share of preferred rows (METHOD §2, "Identifiability").
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { initBackend } from "@implicitrm/backends";
import { RewardModel } from "@implicitrm/core";
import { beforeAll, describe, expect, it } from "vitest";
import { deserializeModel, serializeModel } from "./model-dir.js";
import { DEFAULT_TRAINER_CONFIG, type TrainerConfig } from "./config.js";
import { loadDataset } from "./dataset.js";
import { parseFeaturesJsonl } from "@implicitrm/datasets";
import { trainAndEvaluate } from "./train-and-evaluate.js";

beforeAll(async () => {
  await initBackend("cpu");
});

const config = (over: Partial<TrainerConfig>): TrainerConfig => ({ ...DEFAULT_TRAINER_CONFIG, hidden: [32, 8], epochs: 30, patience: 8, lr: 2e-3, ...over });

describe("identifiability, end to end", () => {
  it("with presentation bias w = 0.5, a context-fed activity head's mean reward is within 0.05 of the true positive rate", async () => {
    const data = await loadDataset("synthetic", 1, { presentationShare: 0.5 });
    expect(data.train.activity?.dim).toBe(3);
    expect(data.info.presentationShare).toBe(0.5);
    const run = await trainAndEvaluate(data, config({ objective: "implicitrm", seed: 1, objectiveOptions: { activityInputs: "context" } }));
    run.result.model.dispose();
    expect(run.diagnostics?.activityInputs).toBe("context");
    expect(run.diagnostics?.indistinguishable).toBe(false);
    expect(run.metrics!.rateError).toBeLessThan(0.05);
    // naive training, by contrast, predicts the feedback rate, far below the positive rate
    const naive = await trainAndEvaluate(data, config({ objective: "naive", seed: 1 }));
    naive.result.model.dispose();
    expect(naive.metrics!.rateError).toBeGreaterThan(0.1);
  }, 120_000);

  it("rated text data get a presentation activity block: response length, position, user activity", async () => {
    const dir = mkdtempSync(join(tmpdir(), "implicitrm-ident-"));
    const lines = Array.from({ length: 60 }, (_, i) =>
      JSON.stringify({ id: `r${i}`, prompt: `q${i >> 1}`, response: "word ".repeat(1 + (i % 9)), ratings: { uf_score: 1 + (i % 10) }, meta: { prompt_id: `p${i >> 1}` } }),
    );
    writeFileSync(join(dir, "rated.jsonl"), `${lines.join("\n")}\n`);
    const data = await loadDataset(join(dir, "rated.jsonl"), 2, { encoder: "hashing:32", presentationShare: 1 });
    expect(data.train.activity?.names).toEqual(["responseLength", "position", "userActivity"]);
    expect(data.info.presentationShare).toBe(1);
    expect(data.validation.activity!.features.length).toBe(3 * data.validation.n);
  });

  it("a features file carries activity features, and a context-reading head survives a checkpoint", async () => {
    const text = Array.from({ length: 200 }, (_, i) => JSON.stringify({ features: [i % 2, (i % 5) / 5], activity: [i % 3, 1], r: i % 4 === 0 ? 1 : 0, rStar: i % 2 })).join("\n");
    const fs = parseFeaturesJsonl(text, "f.jsonl");
    expect(fs.activity).toEqual({ dim: 2, features: expect.any(Float32Array) });
    expect(Array.from(fs.activity!.features.subarray(0, 6))).toEqual([0, 1, 1, 1, 2, 1]);
    expect(() => parseFeaturesJsonl('{"features":[1],"r":0,"activity":[1]}\n{"features":[1],"r":1}', "f.jsonl")).toThrow(/f\.jsonl:2 field "activity": every row must have activity features, or none/);
    expect(() => parseFeaturesJsonl('{"features":[1],"r":0,"activity":[1, null]}', "f.jsonl")).toThrow(/field "activity\[1\]": null is not a finite number/);

    const model = new RewardModel("implicitrm", ["reward", "activity"], 2, [4], 7, undefined, {}, { contextDim: 2, heads: { activity: { input: "both", hidden: [] } } });
    const json = JSON.parse(JSON.stringify(serializeModel(model))) as { contextDim: number; heads: { activity: Record<string, unknown> } };
    expect(json.contextDim).toBe(2);
    expect(json.heads.activity).toMatchObject({ inputDim: 4, hidden: [], input: "both" });
    const back = deserializeModel(json, "model.json");
    expect(back.inputOf("activity")).toBe("both");
    expect(back.predict(fs.features, "activity", fs.activity!.features)).toEqual(model.predict(fs.features, "activity", fs.activity!.features));
    expect(back.predict(fs.features)).toEqual(model.predict(fs.features));
    json.heads.activity.inputDim = 3;
    expect(() => deserializeModel(json, "model.json")).toThrow(/head "activity" has inputDim 3, expected 4/);
    model.dispose();
    back.dispose();
  });
});
