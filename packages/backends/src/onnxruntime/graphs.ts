/**
 * The ONNX graphs of an MLP head (D → hidden… → 1, leaky ReLU), the same function as
 * `@implicitrm/core`'s MlpHead: a forward graph that also returns the hidden activations, and a
 * backward graph that turns ∂L/∂logits into every kernel's and bias's gradient (no gradient for the
 * input rows: they are data). Gemm runs in onnxruntime's MLAS with the CPU's widest vectors.
 */
import { type OnnxModel, type OnnxNode, OnnxType, writeOnnxModel } from "@implicitrm/core/onnx";

/** Shape of an MLP head: input width D and hidden widths. */
export interface MlpShape {
  inputDim: number;
  hidden: readonly number[];
  /** Leaky ReLU slope (core's LEAKY_RELU_SLOPE, 0.01). */
  slope: number;
}

/** Layer widths [D, ...hidden, 1]. */
export function layerSizes(s: MlpShape): number[] {
  return [s.inputDim, ...s.hidden, 1];
}

/**
 * Forward graph. Inputs: `x` [n, D], then `w0`, `b0`, `w1`, `b1`, … (kernel [in, out], bias [out]).
 * Outputs: `logits` [n, 1], then `a1` … `aK`, the post-activation hidden layers [n, hidden_k]
 * (leaky ReLU keeps the sign, so they also give the backward pass its mask).
 */
export function forwardModel(s: MlpShape): Uint8Array {
  const sizes = layerSizes(s);
  const L = sizes.length - 1;
  const nodes: OnnxNode[] = [];
  const inputs = [{ name: "x", shape: ["n", s.inputDim] as Array<number | string> }];
  let prev = "x";
  for (let l = 0; l < L; l++) {
    inputs.push({ name: `w${l}`, shape: [sizes[l]!, sizes[l + 1]!] }, { name: `b${l}`, shape: [sizes[l + 1]!] });
    const z = l === L - 1 ? "logits" : `z${l + 1}`;
    nodes.push({ op: "Gemm", inputs: [prev, `w${l}`, `b${l}`], outputs: [z] });
    if (l < L - 1) {
      nodes.push({ op: "LeakyRelu", inputs: [z], outputs: [`a${l + 1}`], attrs: { alpha: { float: s.slope } } });
      prev = `a${l + 1}`;
    }
  }
  const outputs = [{ name: "logits", shape: ["n", 1] as Array<number | string> }];
  for (let l = 1; l < L; l++) outputs.push({ name: `a${l}`, shape: ["n", sizes[l]!] });
  const graph: OnnxModel = { graphName: "mlp_forward", opset: 13, producer: "@implicitrm/backends", nodes, inputs, outputs };
  return writeOnnxModel(graph);
}

/**
 * Backward graph. Inputs: `x` [n, D], `a1` … `aK` (from the forward graph), `dlogits` [n, 1], and
 * the kernels `w1` … `wK` (the first kernel is not needed: no gradient flows into x).
 * Outputs: `gw0`, `gb0`, `gw1`, `gb1`, … in the forward inputs' order.
 */
export function backwardModel(s: MlpShape): Uint8Array {
  const sizes = layerSizes(s);
  const L = sizes.length - 1;
  const nodes: OnnxNode[] = [];
  const inputs: Array<{ name: string; shape: Array<number | string> }> = [{ name: "x", shape: ["n", s.inputDim] }];
  for (let l = 1; l < L; l++) inputs.push({ name: `a${l}`, shape: ["n", sizes[l]!] });
  inputs.push({ name: "dlogits", shape: ["n", 1] });
  for (let l = 1; l < L; l++) inputs.push({ name: `w${l}`, shape: [sizes[l]!, sizes[l + 1]!] });
  let d = "dlogits";
  for (let l = L - 1; l >= 0; l--) {
    const a = l === 0 ? "x" : `a${l}`;
    nodes.push({ op: "Gemm", inputs: [a, d], outputs: [`gw${l}`], attrs: { transA: 1 } });
    nodes.push({ op: "ReduceSum", inputs: [d, "axis0"], outputs: [`gb${l}`], attrs: { keepdims: 0 } });
    if (l > 0) {
      nodes.push({ op: "Gemm", inputs: [d, `w${l}`], outputs: [`da${l}`], attrs: { transB: 1 } });
      nodes.push({ op: "Greater", inputs: [a, "zero"], outputs: [`pos${l}`] });
      nodes.push({ op: "Mul", inputs: [`da${l}`, "slope"], outputs: [`dneg${l}`] });
      nodes.push({ op: "Where", inputs: [`pos${l}`, `da${l}`, `dneg${l}`], outputs: [`dz${l}`] });
      d = `dz${l}`;
    }
  }
  const outputs: Array<{ name: string; shape: Array<number | string> }> = [];
  for (let l = 0; l < L; l++) outputs.push({ name: `gw${l}`, shape: [sizes[l]!, sizes[l + 1]!] }, { name: `gb${l}`, shape: [sizes[l + 1]!] });
  const graph: OnnxModel = {
    graphName: "mlp_backward",
    opset: 13,
    producer: "@implicitrm/backends",
    nodes,
    inputs,
    outputs,
    initializers: [
      { name: "axis0", type: OnnxType.INT64, dims: [1], data: new BigInt64Array([0n]) },
      { name: "zero", type: OnnxType.FLOAT, dims: [], data: new Float32Array([0]) },
      { name: "slope", type: OnnxType.FLOAT, dims: [], data: new Float32Array([s.slope]) },
    ],
  };
  return writeOnnxModel(graph);
}
