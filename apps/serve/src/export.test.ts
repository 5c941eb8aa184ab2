// `exportRewardModel`: the exported model.onnx, run by onnxruntime-node, gives the scorer's own
// scores (loadRewardModel → scoreFeatures / score) to 1e-5 on random and extreme features and on
// text; python3-onnx's checker accepts the file (full_check=True); manifest.json says what the file
// needs; and the errors name the path or field.
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, DataError, Rng, RewardModel, serializeModel } from "@implicitrm/core";
import { FileError } from "@implicitrm/core/errors";
import { encodePairs } from "@implicitrm/encoders";
import * as ort from "onnxruntime-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkOnnxFiles, onnxCheckerForTests } from "../../../scripts/onnx-check.mjs";
import { type ExportManifest, exportRewardModel } from "./export.js";
import { type Scored, loadRewardModel } from "./index.js";
import { testRecord } from "./test-utils/model-dir.js";

const DIM = 64;
const root = mkdtempSync(join(tmpdir(), "irm-export-"));
const modelDir = join(root, "model");
const norm = { mean: -0.4, std: 1.7, split: "validation", rows: 25 };

/** The record.json of the test model: serve's test record with this file's data rows. */
const record = () => testRecord(DIM, norm, { data: { spec: "test", fingerprint: "sha256:00", rows: { train: 100, validation: 25, test: 25 } } });

function writeModel(dir: string, model: RewardModel): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "model.json"), JSON.stringify(serializeModel(model)));
  writeFileSync(join(dir, "record.json"), JSON.stringify(record()));
}

beforeAll(async () => {
  const { initBackend } = await import("@implicitrm/backends");
  await initBackend("cpu", { log: () => {} });
  const model = new RewardModel("implicitrm", ["reward", "activity"], DIM, [32, 16], 11);
  writeModel(modelDir, model);
  model.dispose();
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function randomRows(n: number, scale: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n * DIM }, () => scale * rng.normal());
}

/** Zeros, ±1e4 everywhere, one 3e5 entry, subnormals, alternating ±1e3. */
function extremeRows(): Float32Array {
  const rows = [0, 1e4, -1e4].map((v) => new Array(DIM).fill(v));
  rows.push(Array.from({ length: DIM }, (_, i) => (i === 0 ? 3e5 : 0)), new Array(DIM).fill(1e-40), Array.from({ length: DIM }, (_, i) => (i % 2 ? 1e3 : -1e3)));
  return Float32Array.from(rows.flat());
}

async function runOnnx(file: string, x: Float32Array): Promise<Scored[]> {
  const session = await ort.InferenceSession.create(file, { executionProviders: ["cpu"] });
  try {
    const n = x.length / DIM;
    const out = await session.run({ features: new ort.Tensor("float32", x, [n, DIM]) });
    return Array.from({ length: n }, (_, i) => ({
      logit: (out.logit!.data as Float32Array)[i]!,
      reward: (out.reward!.data as Float32Array)[i]!,
      score: (out.score!.data as Float32Array)[i]!,
    }));
  } finally {
    await session.release();
  }
}

/** Largest |a − b| / max(1, |b|) over every field: absolute near zero, relative for the huge logits of extreme rows. */
function maxDiff(a: readonly Scored[], b: readonly Scored[]): number {
  let m = 0;
  b.forEach((row, i) => {
    for (const k of ["logit", "reward", "score"] as const) m = Math.max(m, Math.abs(a[i]![k] - row[k]) / Math.max(1, Math.abs(row[k])));
  });
  return m;
}

describe("exportRewardModel", () => {
  const out = join(root, "export");
  let manifest: ExportManifest;

  beforeAll(async () => {
    manifest = (await exportRewardModel(modelDir, out)).manifest;
  });

  it("writes model.onnx and manifest.json, and nothing else", () => {
    expect(readdirSync(out).sort()).toEqual(["manifest.json", "model.onnx"]);
    expect(JSON.parse(readFileSync(join(out, "manifest.json"), "utf8"))).toEqual(manifest);
  });

  it("onnxruntime-node on model.onnx gives the scorer's scores to 1e-5 on random, large and extreme features", async () => {
    const scorer = await loadRewardModel(modelDir);
    try {
      const worst: Record<string, number> = {};
      for (const [name, x] of Object.entries({ random: randomRows(200, 1, 1), large: randomRows(20, 100, 2), extreme: extremeRows() })) {
        const n = x.length / DIM;
        worst[name] = maxDiff(await runOnnx(join(out, "model.onnx"), x), scorer.scoreFeatures(x, n));
        expect(worst[name], name).toBeLessThanOrEqual(1e-5);
      }
      const items = [{ prompt: "How do I boil an egg?", response: "Boil it for nine minutes." }, { response: "No prompt at all." }];
      const x = await encodePairs(scorer.encoder, items.map((i) => ({ prompt: i.prompt ?? "", response: i.response })));
      worst.text = maxDiff(await runOnnx(join(out, "model.onnx"), x), await scorer.score(items));
      expect(worst.text).toBeLessThanOrEqual(1e-5);
      console.log(`[export] max |onnxruntime-node − scorer| / max(1, |value|) over logit, reward, score: ${JSON.stringify(worst)}`);
    } finally {
      await scorer.dispose();
    }
  });

  it("describes the file in manifest.json: encoder, normalisation, names and shapes, opset, versions, source", () => {
    expect(manifest).toMatchObject({
      format: "implicitrm-onnx-export",
      version: 1,
      model: "model.onnx",
      irVersion: 8,
      opset: 13,
      inputs: [{ name: "features", type: "float32", shape: ["N", DIM] }],
      outputs: [
        { name: "logit", type: "float32", shape: ["N"] },
        { name: "reward", type: "float32", shape: ["N"] },
        { name: "score", type: "float32", shape: ["N"] },
      ],
      head: { name: "reward", inputDim: DIM, hidden: [32, 16], activation: "leaky_relu(0.01)", constant: false, notExported: ["activity"] },
      encoder: record().encoder,
      normalization: norm,
      source: { dir: modelDir, objective: { name: "implicitrm" }, data: { fingerprint: "sha256:00" } },
    });
    expect(manifest.sha256).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(manifest.source.fingerprint).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(Object.keys(manifest.versions)).toEqual(["@implicitrm/serve", "@implicitrm/core", "node"]);
  });

  const checker = onnxCheckerForTests("serve export checker");
  it.skipIf(!checker)("python3-onnx's checker accepts model.onnx (full_check=True)", () => {
    expect(checkOnnxFiles(checker!, [join(out, "model.onnx")])).toEqual([{ file: join(out, "model.onnx"), error: null }]);
  });

  it("refuses a non-empty --out unless force, which replaces it as a whole; never a model directory", async () => {
    await expect(exportRewardModel(modelDir, out)).rejects.toThrow(new RegExp(`--out ${out} is not empty \\(manifest.json, model.onnx\\); .*--force`));
    writeFileSync(join(out, "stale.txt"), "x");
    await exportRewardModel(modelDir, out, { force: true });
    expect(readdirSync(out).sort()).toEqual(["manifest.json", "model.onnx"]);
    await expect(exportRewardModel(modelDir, modelDir, { force: true })).rejects.toThrow(/is the model directory itself/);
    const other = join(root, "other-model");
    mkdirSync(other);
    for (const f of ["model.json", "record.json"]) writeFileSync(join(other, f), readFileSync(join(modelDir, f)));
    await expect(exportRewardModel(modelDir, other, { force: true })).rejects.toThrow(ConfigError);
    expect(readdirSync(other).sort()).toEqual(["model.json", "record.json"]);
    const empty = join(root, "empty");
    mkdirSync(empty);
    await exportRewardModel(modelDir, empty);
    expect(readdirSync(empty).sort()).toEqual(["manifest.json", "model.onnx"]);
  });

  it("names the file for a missing or corrupt model directory", async () => {
    const missing = join(root, "nope");
    await expect(exportRewardModel(missing, join(root, "o1"))).rejects.toThrow(DataError);
    await expect(exportRewardModel(missing, join(root, "o1"))).rejects.toThrow(join(missing, "model.json"));
    const bad = join(root, "bad");
    mkdirSync(bad);
    writeFileSync(join(bad, "model.json"), "{ not json");
    writeFileSync(join(bad, "record.json"), JSON.stringify(record()));
    await expect(exportRewardModel(bad, join(root, "o2"))).rejects.toThrow(new RegExp(`${join(bad, "model.json")}.*not valid JSON|not valid JSON.*${join(bad, "model.json")}`));
    writeFileSync(join(bad, "model.json"), readFileSync(join(modelDir, "model.json")));
    rmSync(join(bad, "record.json"));
    await expect(exportRewardModel(bad, join(root, "o2"))).rejects.toThrow(/no record\.json/);
    writeFileSync(join(bad, "record.json"), JSON.stringify({ ...record(), normalization: { ...norm, std: 0 } }));
    await expect(exportRewardModel(bad, join(root, "o2"))).rejects.toThrow(/std/);
    const model = JSON.parse(readFileSync(join(modelDir, "model.json"), "utf8"));
    model.heads.reward.layers[0].kernel = "AAAAAA==";
    writeFileSync(join(bad, "model.json"), JSON.stringify(model));
    writeFileSync(join(bad, "record.json"), JSON.stringify(record()));
    await expect(exportRewardModel(bad, join(root, "o2"))).rejects.toThrow(/layer 0 kernel holds 1 floats, expected 2048/);
    expect(readdirSync(root).filter((f) => f.startsWith("o2") || f.startsWith(".o2"))).toEqual([]);
  });

  it("gives a FileError naming the path it cannot write", async () => {
    const file = join(root, "a-file");
    writeFileSync(file, "x");
    const target = join(file, "export");
    const err = await exportRewardModel(modelDir, target).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FileError);
    expect((err as FileError).message).toContain(target);
    await expect(exportRewardModel(modelDir, file)).rejects.toThrow(/is a file, not a directory/);
  });
});
