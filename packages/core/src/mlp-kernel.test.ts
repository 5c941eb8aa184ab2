import * as tf from "@tensorflow/tfjs-core";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { env } from "./env.js";
import { ConfigError } from "./errors.js";
import { MlpHead } from "./heads.js";
import { type MlpKernel, mlpKernels, tfjsMlpKernel } from "./mlp-kernel.js";
import { useCpu } from "./test-utils/setup.js";

beforeAll(useCpu);
afterEach(() => {
  env.mlpKernel = "tfjs";
  mlpKernels.unregister("counting");
});

describe("MLP kernels", () => {
  it("heads run through the kernel env.mlpKernel names, 'tfjs' by default", () => {
    expect(env.mlpKernel).toBe("tfjs");
    expect(mlpKernels.resolve("tfjs")).toBe(tfjsMlpKernel);
    let calls = 0;
    const counting: MlpKernel = (x, kernels, biases, slope) => {
      calls++;
      return tfjsMlpKernel(x, kernels, biases, slope);
    };
    mlpKernels.register("counting", counting);
    const head = new MlpHead(3, [4], 1, "mlp-kernel-test/head");
    const x = tf.tensor2d([1, 2, 3, -1, 0, 1], [2, 3]);
    const want = head.apply(x).arraySync();
    expect(calls).toBe(0);
    env.mlpKernel = "counting";
    expect(head.apply(x).arraySync()).toEqual(want);
    expect(calls).toBe(1);
    head.dispose();
    x.dispose();
  });

  it("an unregistered kernel name is a ConfigError listing the registered ones", () => {
    const head = new MlpHead(2, [], 1, "mlp-kernel-test/missing");
    env.mlpKernel = "nope";
    expect(() => head.apply(tf.zeros([1, 2]) as tf.Tensor2D)).toThrow(ConfigError);
    expect(() => head.apply(tf.zeros([1, 2]) as tf.Tensor2D)).toThrow(/unknown MLP kernel "nope": choose one of tfjs/);
    head.dispose();
  });
});
