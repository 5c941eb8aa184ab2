import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RewardModel, serializeModel } from "@implicitrm/core";
import { HashingEncoder, encodePairs } from "@implicitrm/encoders";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as browser from "./browser.js";
import * as main from "./index.js";
import { createRewardScorer, loadRewardModel } from "./index.js";
import { testRecord } from "./test-utils/model-dir.js";

const DIM = 32;
const dir = mkdtempSync(join(tmpdir(), "irm-serve-"));
const norm = { mean: 0.25, std: 2, split: "validation", rows: 10 };
let model: RewardModel;

const record = (over: Record<string, unknown> = {}) => testRecord(DIM, norm, over);

beforeAll(async () => {
  const { initBackend } = await import("@implicitrm/backends");
  await initBackend("cpu", { log: () => {} });
  model = new RewardModel("implicitrm", ["reward"], DIM, [8], 5);
  writeFileSync(join(dir, "model.json"), JSON.stringify(serializeModel(model)));
  writeFileSync(join(dir, "record.json"), JSON.stringify(record()));
});
afterAll(() => {
  model.dispose();
  rmSync(dir, { recursive: true, force: true });
});

const items = [{ prompt: "What is 2+2?", response: "4" }, { response: "a response without a prompt" }, { prompt: "Hi", response: "Hello there!" }];

describe("loadRewardModel", () => {
  it("scores text as the model's heads on the recorded encoder's features: logit, normalised reward, sigmoid score", async () => {
    const scorer = await loadRewardModel(dir);
    expect(scorer.info.encoder.id).toBe(`hashing-${DIM}`);
    expect(scorer.encoder.dim).toBe(DIM);
    const got = await scorer.score(items);
    const x = await encodePairs(new HashingEncoder({ dim: DIM }), items.map((i) => ({ prompt: i.prompt ?? "", response: i.response })));
    const z = model.predictLogits(x, { rows: 3 });
    expect(got).toHaveLength(3);
    got.forEach((s, i) => {
      expect(s.logit).toBeCloseTo(z[i]!, 6);
      expect(s.reward).toBeCloseTo((z[i]! - norm.mean) / norm.std, 6);
      expect(s.score).toBeCloseTo(1 / (1 + Math.exp(-z[i]!)), 6);
    });
    expect(scorer.scoreFeatures(x, 3)).toEqual(got);
    await scorer.dispose();
    await scorer.dispose(); // twice is fine
    await expect(scorer.score(items)).rejects.toThrow(/disposed/);
  });

  it("scoreFeatures refuses a length that is not rows × inputDim", async () => {
    const scorer = await loadRewardModel(dir);
    expect(() => scorer.scoreFeatures(new Float32Array(3 * 1024), 3)).toThrow(/3 rows × inputDim 32 = 96 features expected, got 3072/);
    await scorer.dispose();
  });

  it("refuses an encoder that differs from the record, saying which field", async () => {
    await expect(loadRewardModel(dir, { encoder: new HashingEncoder({ dim: 16 }) })).rejects.toThrow("encoder dim 16 differs from the model's 32");
    await expect(loadRewardModel(dir, { encoder: new HashingEncoder({ dim: DIM, seed: 9 }) })).rejects.toThrow("encoder config.seed 9 differs from the model's 0");
    const rec = record();
    const bad = mkdtempSync(join(tmpdir(), "irm-serve-bad-"));
    try {
      writeFileSync(join(bad, "model.json"), readFileSync(join(dir, "model.json")));
      writeFileSync(join(bad, "record.json"), JSON.stringify({ ...rec, encoder: { ...rec.encoder, config: { ...rec.encoder.config, lowercase: false } } }));
      // the rebuilt encoder follows the recorded config, so it matches; a spec that disagrees does not
      expect((await loadRewardModel(bad)).encoder.config).toMatchObject({ lowercase: false });
      writeFileSync(join(bad, "record.json"), JSON.stringify({ ...rec, encoder: { ...rec.encoder, spec: "hashing:64" } }));
      await expect(loadRewardModel(bad)).rejects.toThrow("encoder dim 64 differs from the model's 32");
      writeFileSync(join(bad, "record.json"), JSON.stringify({ ...rec, normalization: { ...norm, std: 0 } }));
      await expect(loadRewardModel(bad)).rejects.toThrow(/record.json field "normalization.std": must be a finite number > 0/);
      rmSync(join(bad, "record.json"));
      await expect(loadRewardModel(bad)).rejects.toThrow(/record.json: missing/);
    } finally {
      rmSync(bad, { recursive: true, force: true });
    }
  });
});

describe("createRewardScorer (browser-safe)", () => {
  it("builds the same scorer from parsed files and an encoder", async () => {
    const scorer = createRewardScorer({ model: JSON.parse(readFileSync(join(dir, "model.json"), "utf8")), record: record(), encoder: new HashingEncoder({ dim: DIM }) });
    const viaDir = await loadRewardModel(dir);
    expect(await scorer.score(items)).toEqual(await viaDir.score(items));
    expect(() => createRewardScorer({ model: serializeModel(model), record: record({ inputDim: 16, encoder: { ...record().encoder, dim: 16 } }), encoder: new HashingEncoder({ dim: 16 }) })).toThrow(
      /model.json has inputDim 32, record.json says 16/,
    );
    await scorer.dispose();
    await viaDir.dispose();
  });

  it("the browser entry reaches no Node built-in and the main entry has all its exports", () => {
    for (const f of ["browser.ts", "scorer.ts"]) expect(readFileSync(new URL(f, import.meta.url), "utf8")).not.toMatch(/from\s+"node:|import\("node:/);
    for (const k of Object.keys(browser)) expect(main).toHaveProperty(k);
    expect(browser).not.toHaveProperty("loadRewardModel");
  });
});
