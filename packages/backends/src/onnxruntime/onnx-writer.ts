/**
 * A minimal ONNX model writer: just enough protobuf (ModelProto, GraphProto, NodeProto, attributes,
 * value infos, float/int64 initializers) to express the heads' forward and backward graphs in code,
 * without a protobuf dependency. Field numbers follow onnx/onnx.proto (IR version 8, opset 13).
 */

/** A growable byte buffer with protobuf wire-format writers. */
class Writer {
  private buf = new Uint8Array(256);
  private len = 0;

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  varint(v: number | bigint): this {
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

  /** A varint field (wire type 0). */
  int(field: number, v: number | bigint): this {
    return this.tag(field, 0).varint(v);
  }

  /** A length-delimited field (wire type 2). */
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

  /** A 32-bit float field (wire type 5). */
  float(field: number, v: number): this {
    this.tag(field, 5);
    this.ensure(4);
    new DataView(this.buf.buffer, this.buf.byteOffset + this.len, 4).setFloat32(0, v, true);
    this.len += 4;
    return this;
  }

  message(field: number, build: (w: Writer) => void): this {
    const inner = new Writer();
    build(inner);
    return this.bytes(field, inner.finish());
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

/** ONNX TensorProto.DataType values used here. */
export const FLOAT = 1;
export const INT64 = 7;
export const BOOL = 9;

/** An attribute value: a float, an int, or a list of ints. */
export type AttrValue = { f: number } | { i: number } | { ints: readonly number[] };

export interface OnnxNode {
  op: string;
  inputs: readonly string[];
  outputs: readonly string[];
  attrs?: Record<string, AttrValue>;
}

/** A graph input or output: name, element type and shape (a string is a symbolic dimension). */
export interface OnnxValue {
  name: string;
  type?: number;
  shape: ReadonlyArray<number | string>;
}

/** A constant tensor stored in the model. */
export interface OnnxInitializer {
  name: string;
  dims: readonly number[];
  floats?: readonly number[];
  int64s?: readonly number[];
}

export interface OnnxGraph {
  name: string;
  nodes: readonly OnnxNode[];
  inputs: readonly OnnxValue[];
  outputs: readonly OnnxValue[];
  initializers?: readonly OnnxInitializer[];
}

function writeValue(w: Writer, v: OnnxValue): void {
  w.string(1, v.name);
  w.message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.int(1, v.type ?? FLOAT);
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

/** Serialises `graph` as an ONNX ModelProto (IR version 8, default-domain opset 13). */
export function encodeModel(graph: OnnxGraph): Uint8Array {
  const w = new Writer();
  w.int(1, 8); // ir_version
  w.string(2, "@implicitrm/backends");
  w.message(8, (op) => op.string(1, "").int(2, 13)); // opset_import
  w.message(7, (g) => {
    for (const [k, n] of graph.nodes.entries()) {
      g.message(1, (node) => {
        for (const i of n.inputs) node.string(1, i);
        for (const o of n.outputs) node.string(2, o);
        node.string(3, `${n.op}_${k}`);
        node.string(4, n.op);
        for (const [name, value] of Object.entries(n.attrs ?? {})) {
          node.message(5, (a) => {
            a.string(1, name);
            if ("f" in value) a.float(2, value.f).int(20, 1);
            else if ("i" in value) a.int(3, value.i).int(20, 2);
            else {
              for (const v of value.ints) a.int(8, v);
              a.int(20, 7);
            }
          });
        }
      });
    }
    g.string(2, graph.name);
    for (const init of graph.initializers ?? []) {
      g.message(5, (t) => {
        for (const d of init.dims) t.int(1, d);
        if (init.floats) {
          t.int(2, FLOAT);
          for (const f of init.floats) t.float(4, f);
        } else {
          t.int(2, INT64);
          for (const v of init.int64s ?? []) t.int(7, v);
        }
        t.string(8, init.name);
      });
    }
    for (const v of graph.inputs) g.message(11, (m) => writeValue(m, v));
    for (const v of graph.outputs) g.message(12, (m) => writeValue(m, v));
  });
  return w.finish();
}
