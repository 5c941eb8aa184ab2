// `implicitrm export` end to end: `implicitrm train` on rated text (hashing encoder) makes a model
// directory, export makes model.onnx + manifest.json, and onnxruntime-node scores like the toolkit; and the errors a user meets (missing
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

/** A model directory trained by `implicitrm train` on rated text with the hashing encoder (it writes record.json). */
function trainedModel(dir: string): string {
  const lines = Array.from({ length: 120 }, (_, i) => {
    const score = 1 + (i % 10);
    const response = `${score > 5 ? "a clear helpful precise answer" : "a vague wrong short reply"} ${i}`;
    return JSON.stringify({ id: `r${i}`, prompt: `question ${Math.floor(i / 2)}`, response, ratings: { uf_score: score }, meta: { prompt_id: `p${Math.floor(i / 2)}` } });
  });
  writeFileSync(join(dir, "rated.jsonl"), `${lines.join("\n")}\n`);
  const out = join(dir, "model");
  const res = cli(["train", "--data", join(dir, "rated.jsonl"), "--encoder", "hashing:64", "--epochs", "2", "--hidden", "8", "--quiet", "--backend", "cpu", "--out", out], dir);
  expect(res.code, res.stderr).toBe(0);
  expect(existsSync(join(out, "record.json"))).toBe(true);
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
    expect(res.stdout).toMatch(/exported the reward head \(64→8→1\) to .*model\.onnx \(\d+ bytes, ONNX IR 8, opset 13\)/);
    expect(readdirSync(out).sort()).toEqual(["manifest.json", "model.onnx"]);
    const manifest = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8"));
    expect(manifest.inputs).toEqual([expect.objectContaining({ name: "features", shape: ["N", 64] })]);
    expect(manifest.head.notExported).toEqual(["activity"]);

    // onnxruntime-node on the exported file against the toolkit's own scorer on the model directory.
    const ort = await import("onnxruntime-node");
    const { initBackend } = await import("@implicitrm/backends");
    await initBackend("cpu", { log: () => {} });
    const { loadRewardModel } = await import("@implicitrm/serve");
    const scorer = await loadRewardModel(model);
    const items = [{ prompt: "question 3", response: "a clear helpful precise answer" }, { prompt: "question 4", response: "a vague wrong short reply" }, { prompt: "", response: "no prompt" }];
    const want = await scorer.score(items);
    const { encodePairs } = await import("@implicitrm/encoders/hashing");
    const x = await encodePairs(scorer.encoder, items);
    await scorer.dispose();
    const session = await ort.InferenceSession.create(join(out, "model.onnx"));
    const got = await session.run({ features: new ort.Tensor("float32", x, [items.length, 64]) });
    await session.release();
    want.forEach((w, i) => {
      for (const k of ["logit", "reward", "score"] as const) expect(Math.abs((got[k]!.data as Float32Array)[i]! - w[k]), `${k}[${i}]`).toBeLessThanOrEqual(1e-5);
    });
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
