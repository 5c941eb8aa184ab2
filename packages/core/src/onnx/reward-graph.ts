/**
 * The scoring graph of a trained reward head, for `implicitrm export`: input `features` float32
 * [N, D] (N symbolic), the head's MLP D → hidden… → 1 with leaky ReLU (slope 0.01, as core's
 * MlpHead), then three outputs of shape [N]: `logit` = f(x), `reward` = (logit − mean) / std (the
 * model's normalisation over its validation split) and `score` = σ(logit) = P(preferred). The
 * weights are initializers, so the file needs no other input. Only the reward head is exported: the
 * activity head (and any imputation head) is a training device and scores nothing.
 * @internal
 */
import { ConfigError } from "../errors.js";
import type { HeadWeights } from "../heads.js";
import { type OnnxModel, type OnnxNode, type OnnxTensor, OnnxType, writeOnnxModel } from "./writer.js";

/** The opset the scoring graph is written against (Gemm, LeakyRelu, Reshape, Sub, Div, Sigmoid). */
export const REWARD_GRAPH_OPSET = 13;

/**
 * Slope of the leaky ReLU for negative inputs: core's LEAKY_RELU_SLOPE (heads.ts), repeated here
 * because heads.ts imports tfjs and this subpath must not (a test checks the two agree).
 */
export const REWARD_GRAPH_SLOPE = 0.01;

/** Names of the scoring graph's input and outputs, as a manifest records them. */
export const REWARD_GRAPH_IO = {
  input: "features",
  outputs: ["logit", "reward", "score"],
} as const;

/** The reward normalisation: mean and std (> 0) of the reward logit over the validation split. */
export interface RewardNormalization {
  mean: number;
  std: number;
}

/** What the scoring graph is built from. */
export interface RewardGraphOptions {
  /** `producer_name` (default "@implicitrm/core"). */
  producer?: string;
  /** `producer_version`, e.g. the exporting package's version. */
  producerVersion?: string;
  /** `doc_string` of the model (default: a one-line description of the graph). */
  docString?: string;
  /** Name of the symbolic batch dimension (default "N"). */
  batchDim?: string;
}

function checkHead(head: HeadWeights): number[] {
  const sizes = [head.inputDim, ...head.hidden, 1];
  if (!sizes.every((s) => Number.isInteger(s) && s > 0)) {
    throw new ConfigError(`reward head: inputDim and hidden widths must be positive integers, got [${sizes.join(", ")}]`);
  }
  if (head.layers.length !== sizes.length - 1) {
    throw new ConfigError(`reward head: ${head.layers.length} layers for widths [${sizes.join(", ")}], expected ${sizes.length - 1}`);
  }
  head.layers.forEach((l, i) => {
    const k = sizes[i]! * sizes[i + 1]!;
    if (l.kernel.length !== k) throw new ConfigError(`reward head: layer ${i} kernel has ${l.kernel.length} values, expected ${sizes[i]} × ${sizes[i + 1]} = ${k}`);
    if (l.bias.length !== sizes[i + 1]) throw new ConfigError(`reward head: layer ${i} bias has ${l.bias.length} values, expected ${sizes[i + 1]}`);
    for (const [what, a] of [["kernel", l.kernel], ["bias", l.bias]] as const) {
      const bad = a.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) throw new ConfigError(`reward head: layer ${i} ${what}[${bad}] is ${a[bad]}; a model with non-finite weights cannot be exported`);
    }
  });
  return sizes;
}

/**
 * The scoring graph of a reward head (see the file comment) as an {@link OnnxModel}. `head` is the
 * reward head's weights as `RewardModel.getState().heads.reward` holds them (kernel [fanIn,
 * fanOut] row-major, bias [fanOut]); a constant head (`kind: 'constant'`) is its equivalent
 * all-zero-kernel MLP and exports the same way. `normalization.std` must be finite and > 0.
 * A ConfigError names what does not fit.
 */
export function rewardGraph(head: HeadWeights, normalization: RewardNormalization, options: RewardGraphOptions = {}): OnnxModel {
  const sizes = checkHead(head);
  const { mean, std } = normalization;
  if (!Number.isFinite(mean)) throw new ConfigError(`normalization.mean must be a finite number, got ${mean}`);
  if (!(Number.isFinite(std) && std > 0)) throw new ConfigError(`normalization.std must be a finite number > 0, got ${std}`);
  const N = options.batchDim ?? "N";
  const L = sizes.length - 1;
  const nodes: OnnxNode[] = [];
  const initializers: OnnxTensor[] = [];
  let prev: string = REWARD_GRAPH_IO.input;
  for (let l = 0; l < L; l++) {
    const w = head.layers[l]!;
    initializers.push(
      { name: `reward/w${l}`, type: OnnxType.FLOAT, dims: [sizes[l]!, sizes[l + 1]!], data: Float32Array.from(w.kernel) },
      { name: `reward/b${l}`, type: OnnxType.FLOAT, dims: [sizes[l + 1]!], data: Float32Array.from(w.bias) },
    );
    const z = l === L - 1 ? "logit2d" : `z${l + 1}`;
    nodes.push({ op: "Gemm", name: `dense${l}`, inputs: [prev, `reward/w${l}`, `reward/b${l}`], outputs: [z] });
    if (l < L - 1) {
      nodes.push({ op: "LeakyRelu", name: `leaky_relu${l}`, inputs: [z], outputs: [`a${l + 1}`], attrs: { alpha: { float: REWARD_GRAPH_SLOPE } } });
      prev = `a${l + 1}`;
    }
  }
  initializers.push(
    { name: "flat", type: OnnxType.INT64, dims: [1], data: new BigInt64Array([-1n]) },
    { name: "norm/mean", type: OnnxType.FLOAT, dims: [], data: new Float32Array([mean]) },
    { name: "norm/std", type: OnnxType.FLOAT, dims: [], data: new Float32Array([std]) },
  );
  nodes.push(
    { op: "Reshape", name: "to_rows", inputs: ["logit2d", "flat"], outputs: ["logit"] },
    { op: "Sub", name: "center", inputs: ["logit", "norm/mean"], outputs: ["centered"] },
    { op: "Div", name: "scale", inputs: ["centered", "norm/std"], outputs: ["reward"] },
    { op: "Sigmoid", name: "probability", inputs: ["logit"], outputs: ["score"] },
  );
  return {
    graphName: "implicitrm_reward",
    opset: REWARD_GRAPH_OPSET,
    producer: options.producer ?? "@implicitrm/core",
    ...(options.producerVersion !== undefined ? { producerVersion: options.producerVersion } : {}),
    docString:
      options.docString ??
      `ImplicitRM reward head (widths ${sizes.join("→")}, leaky ReLU ${REWARD_GRAPH_SLOPE}): logit = f(features), reward = (logit − ${mean}) / ${std}, score = sigmoid(logit)`,
    nodes,
    initializers,
    inputs: [{ name: REWARD_GRAPH_IO.input, shape: [N, head.inputDim] }],
    outputs: REWARD_GRAPH_IO.outputs.map((name) => ({ name, shape: [N] })),
  };
}

/** {@link rewardGraph} serialised to ONNX protobuf bytes (a `model.onnx` file's content). */
export function writeRewardGraph(head: HeadWeights, normalization: RewardNormalization, options: RewardGraphOptions = {}): Uint8Array {
  return writeOnnxModel(rewardGraph(head, normalization, options));
}
