/**
 * THE ONNX model writer: the protobuf encoding of onnx/onnx.proto's ModelProto, GraphProto,
 * NodeProto, AttributeProto, TensorProto and ValueInfoProto, enough to build inference and training
 * graphs in code (backends' MLP heads, encoders' tiny BERT, the model export) with no protobuf
 * dependency. Field numbers follow onnx.proto; the models are IR version 8 (ONNX 1.10+, which
 * Debian's python3-onnx 1.12 checker and onnxruntime both accept, up to opset 17). Pure TypeScript:
 * no Node built-in and no tfjs import, so browser bundles can use it.
 * @internal
 */
import { ConfigError } from "../errors.js";
import { ProtoWriter } from "./wire.js";

/** The ONNX IR version written into every model. */
export const ONNX_IR_VERSION = 8;

/** ONNX TensorProto.DataType values used here. */
export const OnnxType = {
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  INT32: 6,
  INT64: 7,
  BOOL: 9,
} as const;
export type OnnxTypeCode = (typeof OnnxType)[keyof typeof OnnxType];

/**
 * A constant tensor (initializer or tensor attribute). `data` holds the values in row-major order
 * and is stored as `raw_data` (little-endian); BOOL tensors use a Uint8Array of 0/1.
 */
export interface OnnxTensor {
  name: string;
  type: OnnxTypeCode;
  dims: readonly number[];
  data: Float32Array | Int8Array | Uint8Array | Int32Array | BigInt64Array;
}

/**
 * A graph input or output: element type (default FLOAT) and shape, where a string is a symbolic
 * dimension (e.g. "batch") and `[]` a scalar.
 */
export interface OnnxValueInfo {
  name: string;
  type?: OnnxTypeCode;
  shape: readonly (number | string)[];
}

/**
 * An attribute value: an integer number → INT, number[] → INTS, string → STRING,
 * `{ float }` → FLOAT, `{ floats }` → FLOATS, `{ tensor }` → TENSOR.
 */
export type OnnxAttribute = number | number[] | string | { float: number } | { floats: number[] } | { tensor: OnnxTensor };

/** One graph node (operator call); `name` defaults to `<op>_<index>`. */
export interface OnnxNode {
  op: string;
  inputs: readonly string[];
  outputs: readonly string[];
  name?: string;
  attrs?: Record<string, OnnxAttribute>;
}

/** A whole model: one graph and the default-domain opset it is written against. */
export interface OnnxModel {
  graphName: string;
  opset: number;
  nodes: readonly OnnxNode[];
  initializers?: readonly OnnxTensor[];
  inputs: readonly OnnxValueInfo[];
  outputs: readonly OnnxValueInfo[];
  /** `producer_name`; default "@implicitrm/core". */
  producer?: string;
  /** `producer_version`; omitted when absent. */
  producerVersion?: string;
  docString?: string;
}

// AttributeProto.AttributeType values.
const ATTR = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7 } as const;

function writeTensor(w: ProtoWriter, t: OnnxTensor): void {
  const count = t.dims.reduce((a, b) => a * b, 1);
  if (t.data.length !== count) {
    throw new ConfigError(`ONNX tensor '${t.name}': dims [${t.dims.join(", ")}] hold ${count} values but data has ${t.data.length}`);
  }
  for (const d of t.dims) w.int(1, d);
  w.int(2, t.type);
  w.string(8, t.name);
  // raw_data is little-endian, which is what typed arrays hold on every platform we run on.
  const d = t.data;
  w.bytes(9, new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
}

function writeValueInfo(w: ProtoWriter, v: OnnxValueInfo): void {
  w.string(1, v.name);
  w.message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.int(1, v.type ?? OnnxType.FLOAT);
      tensor.message(2, (shape) => {
        for (const d of v.shape) {
          shape.message(1, (dim) => {
            if (typeof d === "number") dim.int(1, d);
            else dim.string(2, d);
          });
        }
      });
    }),
  );
}

function writeAttribute(w: ProtoWriter, node: string, name: string, a: OnnxAttribute): void {
  w.string(1, name);
  if (typeof a === "number") {
    if (!Number.isInteger(a)) throw new ConfigError(`ONNX node '${node}': attribute '${name}' = ${a} is not an integer; write { float: ${a} }`);
    w.int(3, a).int(20, ATTR.INT);
  } else if (Array.isArray(a)) {
    for (const x of a) w.int(8, x);
    w.int(20, ATTR.INTS);
  } else if (typeof a === "string") {
    w.string(4, a).int(20, ATTR.STRING);
  } else if ("float" in a) {
    w.float(2, a.float).int(20, ATTR.FLOAT);
  } else if ("floats" in a) {
    for (const x of a.floats) w.float(7, x);
    w.int(20, ATTR.FLOATS);
  } else {
    w.message(5, (t) => writeTensor(t, a.tensor)).int(20, ATTR.TENSOR);
  }
}

/**
 * Serialises a model to ONNX protobuf bytes (IR version 8, one default-domain opset import), ready
 * for onnxruntime's `InferenceSession.create` or a `.onnx` file. Fields are written in field-number
 * order, so the same model always gives the same bytes.
 */
export function writeOnnxModel(model: OnnxModel): Uint8Array {
  const w = new ProtoWriter();
  w.int(1, ONNX_IR_VERSION);
  w.string(2, model.producer ?? "@implicitrm/core");
  if (model.producerVersion !== undefined) w.string(3, model.producerVersion);
  if (model.docString) w.string(6, model.docString);
  w.message(7, (g) => {
    model.nodes.forEach((n, i) => {
      const name = n.name ?? `${n.op}_${i}`;
      g.message(1, (nw) => {
        for (const x of n.inputs) nw.string(1, x);
        for (const x of n.outputs) nw.string(2, x);
        nw.string(3, name);
        nw.string(4, n.op);
        for (const [k, v] of Object.entries(n.attrs ?? {})) nw.message(5, (aw) => writeAttribute(aw, name, k, v));
      });
    });
    g.string(2, model.graphName);
    for (const t of model.initializers ?? []) g.message(5, (tw) => writeTensor(tw, t));
    for (const v of model.inputs) g.message(11, (vw) => writeValueInfo(vw, v));
    for (const v of model.outputs) g.message(12, (vw) => writeValueInfo(vw, v));
  });
  w.message(8, (o) => o.string(1, "").int(2, model.opset));
  return w.finish();
}
