// Small ONNX models written with core's ONNX writer, with their inputs and the outputs computed in
// plain JS, for the writer's onnxruntime and python3-onnx checker tests. Between them they use every
// attribute kind (INT, negative INT, INTS, FLOAT, FLOATS, STRING, TENSOR), float and int64
// initializers (scalar and negative values included), int64 and bool graph values, dynamic dims.
import { type OnnxModel, OnnxType } from "../onnx/index.js";

export interface OnnxCase {
  model: OnnxModel;
  /** Graph inputs: Float32Array for FLOAT, BigInt64Array for INT64, with their dims. */
  feeds: Record<string, { data: Float32Array | BigInt64Array; dims: number[] }>;
  /** The outputs computed in JS (row-major) and their dims. */
  expected: Record<string, { data: number[] | bigint[]; dims: number[] }>;
}

const f32 = (xs: number[]) => Float32Array.from(xs);
const round32 = (x: number) => Math.fround(x);

/** y = Relu(x·W + b): x [n, 3] with a symbolic batch dimension, W [3, 4] and b [4] initializers. */
function mlp(): OnnxCase {
  const W = [0.5, -1, 0.25, 2, -0.5, 1, 0.75, -2, 1.5, 0, -0.25, 0.125];
  const b = [0.1, -0.2, 0.3, -0.4];
  const x = [1, 2, 3, -1, 0.5, -2];
  const n = 2;
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < 4; j++) {
      let s = 0;
      for (let k = 0; k < 3; k++) s += x[i * 3 + k]! * W[k * 4 + j]!;
      y.push(Math.max(0, round32(s + b[j]!)));
    }
  }
  return {
    model: {
      graphName: "mlp",
      opset: 13,
      nodes: [
        { op: "MatMul", inputs: ["x", "W"], outputs: ["xw"] },
        { op: "Add", inputs: ["xw", "b"], outputs: ["z"] },
        { op: "Relu", inputs: ["z"], outputs: ["y"] },
      ],
      initializers: [
        { name: "W", type: OnnxType.FLOAT, dims: [3, 4], data: f32(W) },
        { name: "b", type: OnnxType.FLOAT, dims: [4], data: f32(b) },
      ],
      inputs: [{ name: "x", shape: ["n", 3] }],
      outputs: [{ name: "y", shape: ["n", 4] }],
    },
    feeds: { x: { data: f32(x), dims: [n, 3] } },
    expected: { y: { data: y, dims: [n, 4] } },
  };
}

/** LeakyRelu(alpha=0.1)(0.5 · x·Bᵀ + 2 · C) with Gemm's FLOAT and INT (transB) attributes. */
function gemm(): OnnxCase {
  const B = [1, 2, 3, -1, -2, -3]; // [2, 3], used transposed
  const C = [0.5, -4];
  const x = [1, -1, 2, 0, 3, 1, -2, 1, 0]; // [3, 3]
  const out: number[] = [];
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 2; j++) {
      let s = 0;
      for (let k = 0; k < 3; k++) s += x[i * 3 + k]! * B[j * 3 + k]!;
      const z = 0.5 * s + 2 * C[j]!;
      out.push(z >= 0 ? z : 0.1 * z);
    }
  }
  return {
    model: {
      graphName: "gemm_leaky",
      opset: 13,
      nodes: [
        { op: "Gemm", inputs: ["x", "B", "C"], outputs: ["z"], attrs: { transB: 1, alpha: { float: 0.5 }, beta: { float: 2 } } },
        { op: "LeakyRelu", inputs: ["z"], outputs: ["y"], attrs: { alpha: { float: 0.1 } } },
      ],
      initializers: [
        { name: "B", type: OnnxType.FLOAT, dims: [2, 3], data: f32(B) },
        { name: "C", type: OnnxType.FLOAT, dims: [2], data: f32(C) },
      ],
      inputs: [{ name: "x", type: OnnxType.FLOAT, shape: ["batch", 3] }],
      outputs: [{ name: "y", type: OnnxType.FLOAT, shape: ["batch", 2] }],
    },
    feeds: { x: { data: f32(x), dims: [3, 3] } },
    expected: { y: { data: out, dims: [3, 2] } },
  };
}

/**
 * int64 throughout: ids [n, 4] → Reshape by an int64 initializer holding -1 → Transpose (INTS perm)
 * → ReduceSum over an int64 axes initializer with keepdims 0 (an INT of 0) → Cast (INT `to`) to
 * float; and the rows' arg max (negative INT axis) and a bool mask (Greater against an int64 scalar).
 */
function int64s(): OnnxCase {
  const ids = [3n, -1n, 4n, 1n, -5n, 9n, 2n, 6n];
  const n = 2;
  // Reshape [n, 4] → [-1, 2] = [2n, 2]; Transpose → [2, 2n]; ReduceSum over axis 1 → [2].
  const sums = [0n, 0n];
  for (let r = 0; r < 2 * n; r++) for (let c = 0; c < 2; c++) sums[c]! += ids[r * 2 + c]!;
  const argmax: bigint[] = [];
  for (let i = 0; i < n; i++) {
    const row = ids.slice(i * 4, i * 4 + 4);
    let best = 0;
    for (let j = 1; j < row.length; j++) if (row[j]! > row[best]!) best = j;
    argmax.push(BigInt(best));
  }
  return {
    model: {
      graphName: "int64s",
      opset: 13,
      producer: "onnx-writer-test",
      producerVersion: "0",
      docString: "int64 tensors, negative values and bool outputs",
      nodes: [
        { op: "Reshape", inputs: ["ids", "shape"], outputs: ["pairs"] },
        { op: "Transpose", inputs: ["pairs"], outputs: ["cols"], attrs: { perm: [1, 0] } },
        { op: "ReduceSum", inputs: ["cols", "axes"], outputs: ["sums"], attrs: { keepdims: 0 } },
        { op: "Cast", inputs: ["sums"], outputs: ["sums_f"], attrs: { to: OnnxType.FLOAT } },
        { op: "ArgMax", inputs: ["ids"], outputs: ["argmax"], attrs: { axis: -1, keepdims: 0 } },
        { op: "Greater", inputs: ["ids", "zero"], outputs: ["positive"], name: "is_positive" },
      ],
      initializers: [
        { name: "shape", type: OnnxType.INT64, dims: [2], data: BigInt64Array.from([-1n, 2n]) },
        { name: "axes", type: OnnxType.INT64, dims: [1], data: BigInt64Array.from([1n]) },
        { name: "zero", type: OnnxType.INT64, dims: [], data: BigInt64Array.from([0n]) },
      ],
      inputs: [{ name: "ids", type: OnnxType.INT64, shape: ["n", 4] }],
      outputs: [
        { name: "sums_f", type: OnnxType.FLOAT, shape: [2] },
        { name: "argmax", type: OnnxType.INT64, shape: ["n"] },
        { name: "positive", type: OnnxType.BOOL, shape: ["n", 4] },
      ],
    },
    feeds: { ids: { data: BigInt64Array.from(ids), dims: [n, 4] } },
    expected: {
      sums_f: { data: sums.map(Number), dims: [2] },
      argmax: { data: argmax, dims: [n] },
      positive: { data: ids.map((v) => (v > 0n ? 1 : 0)), dims: [n, 4] },
    },
  };
}

/** Constant nodes with TENSOR and FLOATS attributes, and Pad with a STRING attribute (mode "edge"). */
function constants(): OnnxCase {
  const x = [1, 2, 3, 4, 5, 6]; // [2, 3]
  const scale = [2, 0.5, -1];
  const shift = [0.25, 0.5, 0.75];
  const z = x.map((v, i) => v * scale[i % 3]! + shift[i % 3]!);
  // Pad one column on each side of the last axis, repeating the edge values.
  const padded: number[] = [];
  for (let r = 0; r < 2; r++) {
    const row = z.slice(r * 3, r * 3 + 3);
    padded.push(row[0]!, ...row, row[2]!);
  }
  return {
    model: {
      graphName: "constants",
      opset: 13,
      nodes: [
        { op: "Constant", inputs: [], outputs: ["scale"], attrs: { value: { tensor: { name: "scale_value", type: OnnxType.FLOAT, dims: [3], data: f32(scale) } } } },
        { op: "Constant", inputs: [], outputs: ["shift"], attrs: { value_floats: { floats: shift } } },
        { op: "Constant", inputs: [], outputs: ["pads"], attrs: { value_ints: [0, 1, 0, 1] } },
        { op: "Mul", inputs: ["x", "scale"], outputs: ["scaled"] },
        { op: "Add", inputs: ["scaled", "shift"], outputs: ["z"] },
        { op: "Pad", inputs: ["z", "pads"], outputs: ["y"], attrs: { mode: "edge" } },
      ],
      inputs: [{ name: "x", shape: [2, 3] }],
      outputs: [{ name: "y", shape: [2, 5] }],
    },
    feeds: { x: { data: f32(x), dims: [2, 3] } },
    expected: { y: { data: padded, dims: [2, 5] } },
  };
}

/** Every case, by name. */
export function onnxCases(): Record<string, OnnxCase> {
  return { mlp: mlp(), gemm: gemm(), int64s: int64s(), constants: constants() };
}
