// What the ONNX writer writes loads and runs in onnxruntime-node (its CPU binding, shipped in the
// npm package; the install script that would download CUDA is not run) and gives the outputs
// computed in plain JS.
import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { onnxCases } from "../test-utils/onnx-models.js";
import { writeOnnxModel } from "./writer.js";

describe("ONNX writer → onnxruntime-node", () => {
  it("has the CPU execution provider", () => {
    expect(ort.listSupportedBackends().find((b) => b.name === "cpu")?.bundled).toBe(true);
  });

  for (const [name, c] of Object.entries(onnxCases())) {
    it(`runs '${name}' and matches the JS computation`, async () => {
      const session = await ort.InferenceSession.create(writeOnnxModel(c.model), { executionProviders: ["cpu"] });
      try {
        expect(session.inputNames).toEqual(c.model.inputs.map((v) => v.name));
        expect(session.outputNames).toEqual(c.model.outputs.map((v) => v.name));
        const feeds = Object.fromEntries(
          Object.entries(c.feeds).map(([k, v]) => [k, new ort.Tensor(v.data instanceof BigInt64Array ? "int64" : "float32", v.data, v.dims)]),
        );
        const out = await session.run(feeds);
        for (const [k, want] of Object.entries(c.expected)) {
          const got = out[k]!;
          expect(got.dims, k).toEqual(want.dims);
          const values = Array.from(got.data as ArrayLike<number | bigint | boolean>, (v) => (typeof v === "boolean" ? Number(v) : v));
          if (typeof want.data[0] === "bigint" || got.type === "bool") expect(values, k).toEqual(want.data);
          else
            for (const [i, v] of (want.data as number[]).entries()) expect(values[i] as number, `${k}[${i}]`).toBeCloseTo(v, 5);
        }
      } finally {
        await session.release();
      }
    });
  }
});
