// What the ONNX writer writes passes Debian's python3-onnx checker (full_check: the schema, every
// node against its opset, strict shape inference). Skips, saying why, without python3-onnx, unless
// IMPLICITRM_REQUIRE_ONNX_CHECKER=1 (.ci/run installs it), where it fails instead.
import { describe, expect, it } from "vitest";
import { checkOnnxModels, onnxCheckerForTests } from "../../../../scripts/onnx-check.mjs";
import { onnxCases } from "../test-utils/onnx-models.js";
import { writeOnnxModel } from "./writer.js";

const checker = onnxCheckerForTests("core onnx checker");

describe.skipIf(!checker)("ONNX writer → python3-onnx checker", () => {
  it("passes onnx.checker.check_model(full_check=True) for every test model", () => {
    const models = Object.fromEntries(Object.entries(onnxCases()).map(([name, c]) => [name, writeOnnxModel(c.model)]));
    expect(checkOnnxModels(checker!, models)).toEqual(Object.fromEntries(Object.keys(models).map((name) => [name, null])));
  });

  it("reports what the checker finds wrong (an unknown operator)", () => {
    const bad = writeOnnxModel({ graphName: "g", opset: 13, nodes: [{ op: "NoSuchOp", inputs: ["x"], outputs: ["y"] }], inputs: [{ name: "x", shape: [1] }], outputs: [{ name: "y", shape: [1] }] });
    expect(checkOnnxModels(checker!, { bad }).bad).toMatch(/NoSuchOp/);
  });
});
