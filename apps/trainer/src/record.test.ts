// record.json: the exact encoder (a store's own, never the --encoder default), the normalisation
// over the validation split, the data fingerprint, versions and git.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { initBackend } from "@implicitrm/backends";
import { parseModelRecord, predictRows } from "@implicitrm/core";
import { HashingEncoder, createEncoderFromRecord } from "@implicitrm/encoders";
import { writeTinyBertModel } from "@implicitrm/encoders/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_TRAINER_CONFIG, type TrainerConfig } from "./config.js";
import { loadDataset } from "./dataset.js";
import { writeStore } from "./embed-store.js";
import { buildModelRecord, dataFingerprint, gitInfo } from "./record.js";
import { trainAndEvaluate } from "./train-and-evaluate.js";

beforeAll(async () => {
  await initBackend("cpu");
});

const tmp = () => mkdtempSync(join(tmpdir(), "irm-record-"));

/** n rated rows (two per prompt) whose text says how good they are, as a normalized JSONL file. */
function ratedFile(dir: string, n = 120): string {
  const row = (i: number) => ({
    id: `r${i}`,
    prompt: `question ${i >> 1}`,
    response: `${i % 10 >= 5 ? "a clear helpful precise answer" : "a vague wrong short reply"} ${i}`,
    ratings: { uf_score: 1 + (i % 10) },
    meta: { prompt_id: `p${i >> 1}` },
  });
  const path = join(dir, "rated.jsonl");
  writeFileSync(path, Array.from({ length: n }, (_, i) => `${JSON.stringify(row(i))}\n`).join(""));
  return path;
}

async function recordOf(config: TrainerConfig) {
  const dataset = await loadDataset(config.data, config.seed, config);
  const run = await trainAndEvaluate(dataset, config);
  const record = await buildModelRecord({ model: run.result.model, config, dataset, metrics: run.metrics });
  return { record, dataset, model: run.result.model };
}

const fast = { hidden: [8], epochs: 2 };

describe("record.json", () => {
  it("text data: the encoder built, the validation normalisation, objective, fingerprint, versions, git", async () => {
    const dir = tmp();
    const config: TrainerConfig = { ...DEFAULT_TRAINER_CONFIG, ...fast, data: ratedFile(dir), encoder: "hashing:64", seed: 3 };
    const { record, dataset, model } = await recordOf(config);
    expect(parseModelRecord(JSON.parse(JSON.stringify(record)))).toEqual(record);
    expect(record.encoder).toEqual({ spec: "hashing:64", id: "hashing-64", dim: 64, config: { ...new HashingEncoder({ dim: 64 }).config }, pairTemplate: "plain" });
    expect(record.inputDim).toBe(64);
    const z = predictRows(model, dataset.validation, "reward", { logits: true });
    const mean = z.reduce((a, b) => a + b, 0) / z.length;
    const std = Math.sqrt(z.reduce((a, b) => a + (b - mean) ** 2, 0) / z.length);
    expect(record.normalization.mean).toBeCloseTo(mean, 6);
    expect(record.normalization.std).toBeCloseTo(std, 6);
    expect(record.normalization).toMatchObject({ split: "validation", rows: dataset.validation.n });
    expect(record.objective.name).toBe("implicitrm");
    expect(record.objective.options).toHaveProperty("activityHead", "mlp");
    expect(record.data).toMatchObject({ spec: config.data, fingerprintOf: "file bytes", rows: { train: dataset.train.n, validation: dataset.validation.n, test: dataset.test.n } });
    expect(record.data.fingerprint).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(record.versions).toMatchObject({ "@implicitrm/core": expect.any(String), "@implicitrm/trainer": expect.any(String), "@implicitrm/encoders": expect.any(String), node: process.version });
    expect(record.metrics).toHaveProperty("auroc");
    // this test runs in the repository: the commit is recorded; outside a repository there is none and no error
    expect(record.git?.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(gitInfo(tmp())).toBeUndefined();
    model.dispose();
    // the fingerprint follows the data's bytes and the label settings, not the training options
    const fp = (c: Partial<TrainerConfig>) => dataFingerprint({ ...config, ...c }).then((f) => f.fingerprint);
    expect(await fp({ lr: 0.5 })).toBe(record.data.fingerprint);
    expect(await fp({ seed: 4 })).not.toBe(record.data.fingerprint);
    expect(await fp({ alpha: 0.3 })).not.toBe(record.data.fingerprint);
    writeFileSync(config.data, `${readFileSync(config.data, "utf8")}\n`);
    expect(await fp({})).not.toBe(record.data.fingerprint);
  });

  it("a feature store from a transformer encoder: the store's encoder, not the hashing default, and it rebuilds", async () => {
    const dir = tmp();
    const tiny = writeTinyBertModel(join(dir, "tiny-bert"), { hidden: 16 });
    const store = join(dir, "store");
    await writeStore(ratedFile(dir, 60), store, { ...DEFAULT_TRAINER_CONFIG, encoder: `transformer:${tiny.dir}` });
    const config: TrainerConfig = { ...DEFAULT_TRAINER_CONFIG, ...fast, data: store, seed: 1 };
    expect(config.encoder).toBe("hashing");
    const { record, model } = await recordOf(config);
    model.dispose();
    expect(record.encoder.spec).toBe(`transformer:${tiny.dir}`);
    expect(record.encoder.id).toMatch(/^transformer:/);
    expect(record.encoder.dim).toBe(16);
    expect(record.encoder.config).toMatchObject({ encoder: "transformers.js/v1", pooling: "mean" });
    expect(record.encoder).toMatchObject({ pairTemplate: "plain", pooling: "mean", files: { model: expect.stringMatching(/^sha256:/) }, maxLength: expect.any(Number) });
    expect(record.data.fingerprintOf).toBe("store checksums");
    const enc = await createEncoderFromRecord(record.encoder);
    expect(enc.id).toBe(record.encoder.id);
    await enc.dispose?.();
  });

  it("a store written before stores recorded their spec: the spec derived from its encoder's config", async () => {
    const dir = tmp();
    const store = join(dir, "store");
    await writeStore(ratedFile(dir, 60), store, { ...DEFAULT_TRAINER_CONFIG, encoder: "hashing:32" });
    const file = join(store, "header.json");
    const header = JSON.parse(readFileSync(file, "utf8"));
    delete header.encoder.spec;
    writeFileSync(file, JSON.stringify(header));
    const { record, model } = await recordOf({ ...DEFAULT_TRAINER_CONFIG, ...fast, data: store, seed: 1 });
    model.dispose();
    expect(record.encoder).toMatchObject({ spec: "hashing:32", id: "hashing-32", dim: 32 });
  });

  it("synthetic data: precomputed features, and the fingerprint is the settings", async () => {
    const { record, model } = await recordOf({ ...DEFAULT_TRAINER_CONFIG, ...fast, data: "synthetic", seed: 1 });
    model.dispose();
    expect(record.encoder).toMatchObject({ spec: "precomputed", id: `precomputed-${record.inputDim}`, pairTemplate: "none" });
    expect(record.data.fingerprintOf).toBe("settings");
  });
});
