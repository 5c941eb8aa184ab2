// The reward head's scoring graph, run by onnxruntime-node, gives the same logits as the
// RewardModel it came from (tfjs, cpu backend) and the reward and score computed from them, on random
// and extreme features, for MLP, linear and constant heads; and python3-onnx's checker accepts it.
import * as ort from "onnxruntime-node";
import { beforeAll, describe, expect, it } from "vitest";
import { checkOnnxModels, onnxCheckerForTests } from "../../../../scripts/onnx-check.mjs";
import { ConfigError } from "../errors.js";
import { LEAKY_RELU_SLOPE } from "../heads.js";
import { RewardModel } from "../model.js";
import { Rng } from "../random.js";
import { useCpu } from "../test-utils/setup.js";
import { REWARD_GRAPH_SLOPE, rewardGraph, writeRewardGraph } from "./reward-graph.js";

const norm = { mean: 0.37, std: 1.9 };

function features(n: number, d: number, seed: number, scale = 1): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n * d }, () => scale * rng.normal());
}

/** Extreme rows: zeros, ±1e4, a single huge entry, subnormals, alternating signs at 1e3. */
function extreme(d: number): Float32Array {
  const rows = [
    new Array(d).fill(0),
    new Array(d).fill(1e4),
    new Array(d).fill(-1e4),
    Array.from({ length: d }, (_, i) => (i === 0 ? 3e5 : 0)),
    new Array(d).fill(1e-40),
    Array.from({ length: d }, (_, i) => (i % 2 ? 1e3 : -1e3)),
  ];
  return Float32Array.from(rows.flat());
}

async function runGraph(bytes: Uint8Array, x: Float32Array, d: number): Promise<Record<string, Float32Array>> {
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ["cpu"] });
  try {
    expect(session.inputNames).toEqual(["features"]);
    expect(session.outputNames).toEqual(["logit", "reward", "score"]);
    const out = await session.run({ features: new ort.Tensor("float32", x, [x.length / d, d]) });
    for (const k of session.outputNames) expect(out[k]!.dims).toEqual([x.length / d]);
    return Object.fromEntries(session.outputNames.map((k) => [k, out[k]!.data as Float32Array]));
  } finally {
    await session.release();
  }
}

/** Largest |a − b| / max(1, |b|): absolute near zero, relative for the large logits of extreme rows. */
function maxScaledDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < b.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!) / Math.max(1, Math.abs(b[i]!)));
  return m;
}

function expected(model: RewardModel, x: Float32Array) {
  const logit = model.predictLogits(x);
  return {
    logit: Array.from(logit),
    reward: Array.from(logit, (z) => (z - norm.mean) / norm.std),
    score: Array.from(logit, (z) => 1 / (1 + Math.exp(-z))),
  };
}

describe("reward scoring graph", () => {
  beforeAll(useCpu);

  it("uses the heads' leaky ReLU slope", () => {
    expect(REWARD_GRAPH_SLOPE).toBe(LEAKY_RELU_SLOPE);
  });

  const shapes: Array<[string, number, number[], "mlp" | "constant"]> = [
    ["MLP 48→16→8→1", 48, [16, 8], "mlp"],
    ["linear 20→1", 20, [], "mlp"],
    ["default-shaped MLP 256→256→64→1", 256, [256, 64], "mlp"],
    ["constant head", 12, [4], "constant"],
  ];
  for (const [label, d, hidden, kind] of shapes) {
    it(`${label}: onnxruntime-node gives the model's logit, reward and score to 1e-5`, async () => {
      const model = new RewardModel("implicitrm", ["reward", "activity"], d, hidden, 7, undefined, { reward: kind });
      if (kind === "constant") {
        const w = model.getWeights();
        w.reward!.layers.at(-1)!.bias[0] = 1.25;
        model.setWeights(w);
      }
      try {
        const bytes = writeRewardGraph(model.getState().heads.reward!, norm);
        const worst = { logit: 0, reward: 0, score: 0 };
        for (const x of [features(37, d, 1), features(5, d, 2, 30), extreme(d), new Float32Array(0)]) {
          const got = await runGraph(bytes, x, d);
          const want = expected(model, x);
          for (const k of ["logit", "reward", "score"] as const) {
            expect(got[k]!.length).toBe(x.length / d);
            const diff = maxScaledDiff(got[k]!, want[k]);
            worst[k] = Math.max(worst[k], diff);
            expect(diff, `${label} ${k}`).toBeLessThanOrEqual(1e-5);
          }
        }
        console.log(`[reward graph] ${label}: max |onnxruntime − RewardModel| / max(1, |value|): ${JSON.stringify(worst)}`);
      } finally {
        model.dispose();
      }
    });
  }

  it("refuses weights that do not fit their widths, non-finite weights and a bad normalisation", () => {
    const model = new RewardModel("implicitrm", ["reward"], 6, [3], 1);
    const head = model.getState().heads.reward!;
    model.dispose();
    expect(() => rewardGraph({ ...head, hidden: [4] }, norm)).toThrow(/layer 0 kernel has 18 values, expected 6 × 4/);
    expect(() => rewardGraph({ ...head, layers: head.layers.slice(1) }, norm)).toThrow(ConfigError);
    const nan = { ...head, layers: head.layers.map((l, i) => (i === 1 ? { ...l, bias: Float32Array.of(Number.NaN) } : l)) };
    expect(() => rewardGraph(nan, norm)).toThrow(/layer 1 bias\[0\] is NaN/);
    expect(() => rewardGraph(head, { mean: 0, std: 0 })).toThrow(/normalization.std must be a finite number > 0, got 0/);
    expect(() => rewardGraph(head, { mean: Number.NaN, std: 1 })).toThrow(/normalization.mean/);
  });

  const checker = onnxCheckerForTests("core reward graph checker");
  it.skipIf(!checker)("passes python3-onnx's checker (full_check=True)", () => {
    const models: Record<string, Uint8Array> = {};
    for (const [label, d, hidden, kind] of shapes) {
      const model = new RewardModel("implicitrm", ["reward"], d, hidden, 3, undefined, { reward: kind });
      models[label.replace(/\W+/g, "_")] = writeRewardGraph(model.getState().heads.reward!, norm);
      model.dispose();
    }
    expect(Object.values(checkOnnxModels(checker!, models))).toEqual(Object.keys(models).map(() => null));
  });
});
