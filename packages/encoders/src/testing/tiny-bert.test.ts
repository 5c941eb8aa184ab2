// The tiny BERT fixture's graphs (fp32 and int8-quantized) pass Debian's python3-onnx checker
// (full_check, with strict shape inference). Skips, saying why, without python3-onnx, unless
// IMPLICITRM_REQUIRE_ONNX_CHECKER=1 (.ci/run installs it), where it fails instead.
import { describe, expect, it } from "vitest";
import { checkOnnxModels, onnxCheckerForTests } from "../../../../scripts/onnx-check.mjs";
import { buildTinyBertOnnx } from "./tiny-bert.js";

const checker = onnxCheckerForTests("encoders tiny BERT checker");

describe.skipIf(!checker)("tiny BERT → python3-onnx checker", () => {
  it("passes onnx.checker.check_model(full_check=True), fp32 and quantized, one and two layers", () => {
    const models: Record<string, Uint8Array> = {};
    for (const layers of [1, 2]) {
      for (const quantized of [false, true]) {
        const opts = { vocabRows: 50, hidden: 16, layers, heads: 2, intermediate: 32, maxPositions: 32, seed: 3, quantized };
        models[`tiny_bert_${layers}${quantized ? "_q" : ""}`] = buildTinyBertOnnx(opts);
      }
    }
    expect(checkOnnxModels(checker!, models)).toEqual(Object.fromEntries(Object.keys(models).map((name) => [name, null])));
  });
});
