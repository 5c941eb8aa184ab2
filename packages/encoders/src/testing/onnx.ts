/**
 * A minimal ONNX protobuf writer: just enough of onnx.proto (ModelProto, GraphProto, NodeProto,
 * TensorProto, ValueInfoProto, AttributeProto) to write small inference graphs in code, so tests and
 * benchmarks can build real `.onnx` files with no Python, no download and no protobuf dependency.
 * Field numbers follow onnx/onnx.proto (IR version 8). Pure TypeScript, browser-safe.
 */

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

/** An initializer (constant tensor). `data` holds the values in row-major order. */
export interface OnnxTensor {
  name: string;
  type: OnnxTypeCode;
  dims: readonly number[];
  data: Float32Array | Int8Array | Uint8Array | Int32Array | BigInt64Array;
}

/** A graph input or output: element type and shape (a string is a symbolic dimension, e.g. "batch"). */
export interface OnnxValueInfo {
  name: string;
  type: OnnxTypeCode;
  shape: readonly (number | string)[];
}

/** Attribute values: number → INT when integral unless `floatAttrs` lists it, number[] → INTS. */
export type OnnxAttribute = number | number[] | string | { float: number } | { floats: number[] } | { tensor: OnnxTensor };

/** One graph node (operator call). */
export interface OnnxNode {
  op: string;
  inputs: readonly string[];
  outputs: readonly string[];
  name?: string;
  attrs?: Record<string, OnnxAttribute>;
}

/** A whole model: one graph and its default-domain opset. */
export interface OnnxModel {
  graphName: string;
  opset: number;
  nodes: readonly OnnxNode[];
  initializers: readonly OnnxTensor[];
  inputs: readonly OnnxValueInfo[];
  outputs: readonly OnnxValueInfo[];
  producer?: string;
  docString?: string;
}

/** Growable byte writer with the protobuf wire primitives. */
class PbWriter {
  private buf = new Uint8Array(256);
  private len = 0;

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  varint(v: number | bigint): this {
    // Negative int64 values are encoded as 10-byte two's complement, as protobuf does.
    let x = BigInt.asUintN(64, BigInt(v));
    this.ensure(10);
    while (x >= 0x80n) {
      this.buf[this.len++] = Number(x & 0x7fn) | 0x80;
      x >>= 7n;
    }
    this.buf[this.len++] = Number(x);
    return this;
  }

  tag(field: number, wire: number): this {
    return this.varint((field << 3) | wire);
  }

  bytes(field: number, data: Uint8Array): this {
    this.tag(field, 2).varint(data.length);
    this.ensure(data.length);
    this.buf.set(data, this.len);
    this.len += data.length;
    return this;
  }

  string(field: number, s: string): this {
    return this.bytes(field, new TextEncoder().encode(s));
  }

  int(field: number, v: number | bigint): this {
    return this.tag(field, 0).varint(v);
  }

  float(field: number, v: number): this {
    this.tag(field, 5);
    this.ensure(4);
    new DataView(this.buf.buffer).setFloat32(this.len, v, true);
    this.len += 4;
    return this;
  }

  message(field: number, build: (w: PbWriter) => void): this {
    const inner = new PbWriter();
    build(inner);
    return this.bytes(field, inner.finish());
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

function writeTensor(w: PbWriter, t: OnnxTensor): void {
  for (const d of t.dims) w.int(1, d);
  w.int(2, t.type);
  w.string(8, t.name);
  // raw_data is little-endian, which is what typed arrays hold on every platform Node runs on.
  const d = t.data;
  w.bytes(9, new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
}

function writeValueInfo(w: PbWriter, v: OnnxValueInfo): void {
  w.string(1, v.name);
  w.message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.int(1, v.type);
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

function writeAttribute(w: PbWriter, name: string, a: OnnxAttribute): void {
  w.string(1, name);
  if (typeof a === "number") {
    w.int(3, a).int(20, 2);
  } else if (Array.isArray(a)) {
    for (const x of a) w.int(8, x);
    w.int(20, 7);
  } else if (typeof a === "string") {
    w.string(4, a).int(20, 3);
  } else if ("float" in a) {
    w.float(2, a.float).int(20, 1);
  } else if ("floats" in a) {
    for (const x of a.floats) w.float(7, x);
    w.int(20, 6);
  } else {
    w.message(5, (t) => writeTensor(t, a.tensor)).int(20, 4);
  }
}

/** Serialises a model to ONNX protobuf bytes (IR version 8), ready for `InferenceSession.create`. */
export function writeOnnxModel(model: OnnxModel): Uint8Array {
  const w = new PbWriter();
  w.int(1, 8); // ir_version
  w.string(2, model.producer ?? "@implicitrm/encoders/testing");
  w.string(3, "1");
  if (model.docString) w.string(6, model.docString);
  w.message(7, (g) => {
    model.nodes.forEach((n, i) => {
      g.message(1, (nw) => {
        for (const x of n.inputs) nw.string(1, x);
        for (const x of n.outputs) nw.string(2, x);
        nw.string(3, n.name ?? `${n.op}_${i}`);
        nw.string(4, n.op);
        for (const [k, v] of Object.entries(n.attrs ?? {})) nw.message(5, (aw) => writeAttribute(aw, k, v));
      });
    });
    g.string(2, model.graphName);
    for (const t of model.initializers) g.message(5, (tw) => writeTensor(tw, t));
    for (const v of model.inputs) g.message(11, (vw) => writeValueInfo(vw, v));
    for (const v of model.outputs) g.message(12, (vw) => writeValueInfo(vw, v));
  });
  w.message(8, (o) => o.string(1, "").int(2, model.opset));
  return w.finish();
}
