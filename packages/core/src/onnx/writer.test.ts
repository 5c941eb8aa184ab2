// The ONNX writer's bytes, checked against the protobuf encoding worked out by hand: a field key is
// the varint (field << 3) | wire type (0 varint, 2 length-delimited, 5 fixed32); a varint is 7 bits
// a byte, low group first, high bit set on every byte but the last.
import { describe, expect, it } from "vitest";
import { onnxCases } from "../test-utils/onnx-models.js";
import { ProtoWriter } from "./wire.js";
import { OnnxType, writeOnnxModel } from "./writer.js";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));

describe("ProtoWriter", () => {
  it("writes varints, negative int64s, fixed32 floats and strings as protobuf does", () => {
    const w = new ProtoWriter();
    w.varint(0).varint(1).varint(127).varint(128).varint(300).varint(2 ** 35);
    expect([...w.finish()]).toEqual([0x00, 0x01, 0x7f, 0x80, 0x01, 0xac, 0x02, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]);
    // int64 -1: 64 one bits → nine 0xff bytes and a final 0x01; key of field 3, varint = 0x18.
    expect([...new ProtoWriter().int(3, -1).finish()]).toEqual([0x18, ...Array(9).fill(0xff), 0x01]);
    // Field 20 (AttributeProto.type) needs a two-byte key: 20 << 3 = 160 = 0xa0 0x01.
    expect([...new ProtoWriter().int(20, 7).finish()]).toEqual([0xa0, 0x01, 0x07]);
    // Float 0.5 = 0x3f000000, little-endian, after key (2 << 3) | 5 = 0x15.
    expect([...new ProtoWriter().float(2, 0.5).finish()]).toEqual([0x15, 0x00, 0x00, 0x00, 0x3f]);
    expect([...new ProtoWriter().string(1, "é").finish()]).toEqual([0x0a, 0x02, 0xc3, 0xa9]);
    expect([...new ProtoWriter().message(2, (m) => m.int(1, 5)).finish()]).toEqual([0x12, 0x02, 0x08, 0x05]);
  });

  it("grows its buffer past the first 256 bytes without losing earlier bytes", () => {
    const w = new ProtoWriter();
    const big = Uint8Array.from({ length: 1000 }, (_, i) => i & 0xff);
    w.int(1, 1).bytes(2, big).int(3, 2);
    const out = w.finish();
    expect(out.length).toBe(2 + 3 + 1000 + 2);
    expect([...out.subarray(0, 5)]).toEqual([0x08, 0x01, 0x12, 0xe8, 0x07]); // 1000 = 0xe8 0x07
    expect([...out.subarray(5, 1005)]).toEqual([...big]);
    expect([...out.subarray(1005)]).toEqual([0x18, 0x02]);
  });
});

describe("writeOnnxModel", () => {
  it("writes a one-node LeakyRelu model byte for byte as worked out by hand", () => {
    const bytes = writeOnnxModel({
      graphName: "g",
      opset: 13,
      producer: "p",
      nodes: [{ op: "LeakyRelu", inputs: ["x"], outputs: ["y"], attrs: { alpha: { float: 0.5 } } }],
      inputs: [{ name: "x", shape: [2] }],
      outputs: [{ name: "y", shape: ["n"] }],
    });
    // AttributeProto: name (1) "alpha", f (2, fixed32) 0.5, type (20) FLOAT = 1.
    const attr = [0x0a, 0x05, ...ascii("alpha"), 0x15, 0x00, 0x00, 0x00, 0x3f, 0xa0, 0x01, 0x01];
    // NodeProto: input (1), output (2), name (3) "LeakyRelu_0", op_type (4), attribute (5).
    const node = [0x0a, 0x01, ...ascii("x"), 0x12, 0x01, ...ascii("y"), 0x1a, 0x0b, ...ascii("LeakyRelu_0"), 0x22, 0x09, ...ascii("LeakyRelu"), 0x2a, attr.length, ...attr];
    // ValueInfoProto: name (1), type (2) → TypeProto.tensor_type (1) → elem_type (1) FLOAT,
    // shape (2) → dim (1) → dim_value (1) 2 or dim_param (2) "n".
    const xInfo = [0x0a, 0x01, ...ascii("x"), 0x12, 0x0a, 0x0a, 0x08, 0x08, 0x01, 0x12, 0x04, 0x0a, 0x02, 0x08, 0x02];
    const yInfo = [0x0a, 0x01, ...ascii("y"), 0x12, 0x0b, 0x0a, 0x09, 0x08, 0x01, 0x12, 0x05, 0x0a, 0x03, 0x12, 0x01, ...ascii("n")];
    // GraphProto: node (1), name (2), input (11 → key 0x5a), output (12 → key 0x62).
    const graph = [0x0a, node.length, ...node, 0x12, 0x01, ...ascii("g"), 0x5a, xInfo.length, ...xInfo, 0x62, yInfo.length, ...yInfo];
    // ModelProto: ir_version (1) 8, producer_name (2), graph (7 → 0x3a), opset_import (8 → 0x42)
    // holding domain (1) "" and version (2) 13.
    const model = [0x08, 0x08, 0x12, 0x01, ...ascii("p"), 0x3a, graph.length, ...graph, 0x42, 0x04, 0x0a, 0x00, 0x10, 0x0d];
    expect(node.length).toBe(47);
    expect(graph.length).toBe(87);
    expect(hex(bytes)).toBe(hex(Uint8Array.from(model)));
    expect(bytes.length).toBe(100);
  });

  it("writes an int64 initializer as dims, data_type, name and little-endian raw_data", () => {
    const bytes = writeOnnxModel({
      graphName: "g",
      opset: 17,
      producer: "p",
      producerVersion: "1",
      docString: "d",
      nodes: [],
      initializers: [{ name: "k", type: OnnxType.INT64, dims: [2], data: BigInt64Array.from([1n, -1n]) }],
      inputs: [],
      outputs: [],
    });
    // TensorProto: dims (1) 2, data_type (2) INT64 = 7, name (8 → 0x42), raw_data (9 → 0x4a) 16 bytes.
    const raw = [0x01, 0, 0, 0, 0, 0, 0, 0, ...Array(8).fill(0xff)];
    const tensor = [0x08, 0x02, 0x10, 0x07, 0x42, 0x01, ...ascii("k"), 0x4a, 0x10, ...raw];
    // GraphProto: name (2), then initializer (5 → 0x2a).
    const graph = [0x12, 0x01, ...ascii("g"), 0x2a, tensor.length, ...tensor];
    // producer_version (3 → 0x1a) and doc_string (6 → 0x32) sit between producer_name and graph.
    const model = [0x08, 0x08, 0x12, 0x01, ...ascii("p"), 0x1a, 0x01, ...ascii("1"), 0x32, 0x01, ...ascii("d"), 0x3a, graph.length, ...graph, 0x42, 0x04, 0x0a, 0x00, 0x10, 0x11];
    expect(hex(bytes)).toBe(hex(Uint8Array.from(model)));
  });

  it("writes every attribute kind with its AttributeProto.type", () => {
    const bytes = writeOnnxModel({
      graphName: "g",
      opset: 13,
      nodes: [{ op: "Op", name: "n", inputs: [], outputs: [], attrs: { i: -2, s: "ab", fs: { floats: [1] }, is: [3, 4] } }],
      inputs: [],
      outputs: [],
    });
    const h = hex(bytes);
    // i: i (3) = -2 as ten-byte two's complement, type INT = 2.
    expect(h).toContain(hex(Uint8Array.from([0x0a, 0x01, 0x69, 0x18, 0xfe, ...Array(8).fill(0xff), 0x01, 0xa0, 0x01, 0x02])));
    // s: s (4) "ab", type STRING = 3.
    expect(h).toContain(hex(Uint8Array.from([0x0a, 0x01, 0x73, 0x22, 0x02, 0x61, 0x62, 0xa0, 0x01, 0x03])));
    // fs: floats (7, fixed32 → key 0x3d) 1.0 = 0x3f800000, type FLOATS = 6.
    expect(h).toContain(hex(Uint8Array.from([0x0a, 0x02, 0x66, 0x73, 0x3d, 0x00, 0x00, 0x80, 0x3f, 0xa0, 0x01, 0x06])));
    // is: ints (8 → key 0x40) 3 and 4, type INTS = 7.
    expect(h).toContain(hex(Uint8Array.from([0x0a, 0x02, 0x69, 0x73, 0x40, 0x03, 0x40, 0x04, 0xa0, 0x01, 0x07])));
    // The producer defaults to @implicitrm/core.
    expect(h).toContain(hex(Uint8Array.from([0x12, 16, ...ascii("@implicitrm/core")])));
  });

  it("gives the same bytes for the same model, and writes the test models", () => {
    for (const [name, c] of Object.entries(onnxCases())) {
      const a = writeOnnxModel(c.model);
      expect(hex(a), name).toBe(hex(writeOnnxModel(c.model)));
      expect(a.length, name).toBeGreaterThan(40);
    }
  });

  it("rejects a non-integral INT attribute and a tensor whose data does not fill its dims", () => {
    const base = { graphName: "g", opset: 13, inputs: [], outputs: [] };
    expect(() => writeOnnxModel({ ...base, nodes: [{ op: "LeakyRelu", inputs: ["x"], outputs: ["y"], attrs: { alpha: 0.01 } }] })).toThrow(
      /node 'LeakyRelu_0': attribute 'alpha' = 0.01 is not an integer; write \{ float: 0.01 \}/,
    );
    expect(() =>
      writeOnnxModel({ ...base, nodes: [], initializers: [{ name: "w", type: OnnxType.FLOAT, dims: [2, 2], data: new Float32Array(3) }] }),
    ).toThrow(/tensor 'w': dims \[2, 2\] hold 4 values but data has 3/);
  });
});
