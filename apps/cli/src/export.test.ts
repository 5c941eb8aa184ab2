// `implicitrm export` end to end: a trained model directory in, model.onnx + manifest.json out,
// scored by onnxruntime-node like the toolkit scores it; and the errors a user meets (missing
// flags, a missing or damaged model directory, a non-empty --out) are one line and a non-zero exit.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const bin = fileURLToPath(new URL("../dist/bin.js", import.meta.url));
const cli = (args: string[], cwd: string) => {
  const res = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: "utf8", timeout: 120_000 });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
};

/** A model directory: trained by `implicitrm train` on 3 features, plus a record.json if train wrote none. */
function trainedModel(dir: string): string {
  const rows = Array.from({ length: 60 }, (_, i) => JSON.stringify({ id: `r${i}`, features: [i / 60, (i % 7) / 7, 1], r: i % 3 === 0 ? 1 : 0, rStar: i % 2 }));
  writeFileSync(join(dir, "features.jsonl"), `${rows.join("\n")}\n`);
  const out = join(dir, "model");
  const res = cli(["train", "--data", join(dir, "features.jsonl"), "--epochs", "2", "--hidden", "8", "--quiet", "--backend", "cpu", "--out", out], dir);
  expect(res.stderr).toBe("");
  if (!existsSync(join(out, "record.json"))) {
    const encoder = { spec: "features", id: "features-3", dim: 3, config: {}, pairTemplate: "plain" };
    const record = {
      format: "implicitrm-model-record",
      version: 1,
      inputDim: 3,
      encoder,
      normalization: { mean: 0.1, std: 0.5, split: "validation", rows: 12 },
      objective: { name: "implicitrm", options: {} },
      data: { spec: "features.jsonl", fingerprint: "sha256:00", rows: { train: 36, validation: 12, test: 12 } },
      versions: { node: process.version },
      createdAt: new Date(0).toISOString(),
    };
    writeFileSync(join(out, "record.json"), JSON.stringify(record));
  }
  return out;
}

describe("implicitrm export", () => {
  const dir = mkdtempSync(join(tmpdir(), "implicitrm-cli-export-"));
  const model = trainedModel(dir);

  it("writes model.onnx and manifest.json that onnxruntime-node scores like the model", async () => {
    const out = join(dir, "onnx");
    const res = cli(["export", "--model", model, "--out", out], dir);
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/exported the reward head \(3→8→1\) to .*model\.onnx \(\d+ bytes, ONNX IR 8, opset 13\)/);
    expect(readdirSync(out).sort()).toEqual(["manifest.json", "model.onnx"]);
    const manifest = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8"));
    expect(manifest.inputs).toEqual([expect.objectContaining({ name: "features", shape: ["N", 3] })]);
    expect(manifest.head.notExported).toEqual(["activity"]);
    const { mean, std } = manifest.normalization;

    const ort = await import("onnxruntime-node");
    const session = await ort.InferenceSession.create(join(out, "model.onnx"));
    const x = Float32Array.from([0, 0.5, 1, 0.9, 0.1, 1]);
    const got = await session.run({ features: new ort.Tensor("float32", x, [2, 3]) });
    await session.release();
    // The same function from model.json's weights, in plain JS.
    const heads = JSON.parse(readFileSync(join(model, "model.json"), "utf8")).heads.reward.layers as Array<{ kernel: string; bias: string }>;
    const f32 = (s: string) => new Float32Array(new Uint8Array(Buffer.from(s, "base64")).buffer);
    for (let r = 0; r < 2; r++) {
      let h = Array.from(x.subarray(r * 3, r * 3 + 3));
      heads.forEach((l, i) => {
        const k = f32(l.kernel);
        const b = f32(l.bias);
        const z = Array.from(b, (bj, j) => h.reduce((s, v, q) => s + v * k[q * b.length + j]!, bj));
        h = i < heads.length - 1 ? z.map((v) => (v > 0 ? v : 0.01 * v)) : z;
      });
      const logit = h[0]!;
      expect((got.logit!.data as Float32Array)[r]).toBeCloseTo(logit, 5);
      expect((got.reward!.data as Float32Array)[r]).toBeCloseTo((logit - mean) / std, 5);
      expect((got.score!.data as Float32Array)[r]).toBeCloseTo(1 / (1 + Math.exp(-logit)), 5);
    }
  });

  it("refuses a non-empty --out (exit 2) unless --force", () => {
    const out = join(dir, "busy");
    mkdirSync(out);
    writeFileSync(join(out, "notes.txt"), "mine");
    const res = cli(["export", "--model", model, "--out", out], dir);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/error \[E_CONFIG\]: --out .*busy is not empty \(notes\.txt\); give a new or empty directory, or --force/);
    expect(readdirSync(out)).toEqual(["notes.txt"]);
    expect(cli(["export", "--model", model, "--out", out, "--force", "--quiet"], dir)).toMatchObject({ code: 0, stdout: "", stderr: "" });
    expect(readdirSync(out).sort()).toEqual(["manifest.json", "model.onnx"]);
  });

  it("says what is missing: a flag or the model directory", () => {
    expect(cli(["export", "--out", join(dir, "x")], dir)).toMatchObject({ code: 2, stderr: expect.stringMatching(/--model <model directory> is required/) });
    expect(cli(["export", "--model", model], dir)).toMatchObject({ code: 2, stderr: expect.stringMatching(/--out <directory> is required/) });
    const res = cli(["export", "--model", join(dir, "nope"), "--out", join(dir, "x")], dir);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/error \[E_DATA\]: .*nope\/model\.json.*not a model directory/);
    expect(res.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(join(dir, "x"))).toBe(false);
    expect(cli(["export", "--help"], dir)).toMatchObject({ code: 0, stdout: expect.stringMatching(/^Usage: implicitrm export --model/) });
  });
});
