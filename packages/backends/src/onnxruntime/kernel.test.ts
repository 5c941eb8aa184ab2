// The onnxruntime MLP kernel against core's default tfjs kernel, with tfjs on the cpu backend
// (whose dataSync hands out its own storage: a regression, the kernel once detached it by
// transferring it to the worker, and the next call never got an answer).
import { MlpHead, env, mlpKernels } from "@implicitrm/core/kernel";
import { implicitRMLoss } from "@implicitrm/core/objectives-kit";
import * as tf from "@tensorflow/tfjs-core";
import { afterAll, describe, expect, it } from "vitest";
import { initBackend } from "../index.js";
import { OrtBridge } from "./bridge.js";
import { ortMlpKernel } from "./kernel.js";

const fixed = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(seed * 3.3 + i * 0.71));

describe("ortMlpKernel", () => {
  let bridge: OrtBridge | undefined;
  afterAll(async () => {
    env.mlpKernel = "tfjs";
    mlpKernels.unregister("onnxruntime");
    await bridge?.close();
  });

  it("gives the default kernel's logits and gradients, step after step, with tfjs on cpu", async () => {
    await initBackend("cpu");
    bridge = await OrtBridge.start(1);
    mlpKernels.register("onnxruntime", ortMlpKernel(bridge), { replace: true });
    const head = new MlpHead(12, [8, 4], 3, "kernel-test/head");
    const x = tf.tensor2d(fixed(40 * 12, 1), [40, 12]);
    const r = tf.tensor1d(fixed(40, 2).map((v) => (v > 0.3 ? 1 : 0)));
    const run = () => {
      const { value, grads } = tf.variableGrads(() => implicitRMLoss({ rewardLogits: head.apply(x), activityLogits: tf.mul(head.apply(x), 0.5) as tf.Tensor1D, r }).total, head.variables);
      const out = [value.dataSync()[0] as number, ...head.variables.flatMap((v) => Array.from(grads[v.name]!.dataSync()))];
      tf.dispose([value, ...Object.values(grads)]);
      return out;
    };
    for (let step = 0; step < 3; step++) {
      env.mlpKernel = "tfjs";
      const want = run();
      env.mlpKernel = "onnxruntime";
      const got = run();
      expect(got.length).toBe(want.length);
      for (let i = 0; i < want.length; i++) expect(got[i]).toBeCloseTo(want[i] as number, 5);
      // Weights still readable after the kernel sent them to the worker.
      expect(head.getWeights().layers[0]?.kernel.length).toBe(12 * 8);
    }
    head.dispose();
    tf.dispose([x, r]);
  });
});
