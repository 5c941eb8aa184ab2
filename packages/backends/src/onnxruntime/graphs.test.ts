// The MLP head's forward and backward graphs pass Debian's python3-onnx checker (full_check, with
// strict shape inference). Skips, saying why, without python3-onnx, unless
// IMPLICITRM_REQUIRE_ONNX_CHECKER=1 (.ci/run installs it), where it fails instead.
import { describe, expect, it } from "vitest";
import { checkOnnxModels, onnxCheckerForTests } from "../../../../scripts/onnx-check.mjs";
import { backwardModel, forwardModel } from "./graphs.js";

const checker = onnxCheckerForTests("backends onnx graphs checker");

describe.skipIf(!checker)("MLP head graphs → python3-onnx checker", () => {
  it("passes onnx.checker.check_model(full_check=True) for linear, one- and two-hidden-layer heads", () => {
    const models: Record<string, Uint8Array> = {};
    for (const hidden of [[], [8], [6, 4]]) {
      const shape = { inputDim: 5, hidden, slope: 0.01 };
      models[`forward_${hidden.length}`] = forwardModel(shape);
      models[`backward_${hidden.length}`] = backwardModel(shape);
    }
    expect(checkOnnxModels(checker!, models)).toEqual(Object.fromEntries(Object.keys(models).map((name) => [name, null])));
  });
});
