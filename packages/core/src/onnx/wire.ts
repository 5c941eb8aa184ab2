/**
 * The protobuf wire format, write side only: a growable byte buffer with varint, fixed32 and
 * length-delimited fields (https://protobuf.dev/programming-guides/encoding/). Just what
 * {@link writeOnnxModel} needs; pure TypeScript with no Node or tfjs import.
 * @internal
 */

/** Protobuf wire types used by ONNX's messages. */
export const WireType = { VARINT: 0, LEN: 2, I32: 5 } as const;

const utf8 = new TextEncoder();

/** A growable byte buffer that appends protobuf fields in the order they are written. */
export class ProtoWriter {
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

  /** A bare varint. Negative values are written as 10-byte two's complement, as protobuf's int64 is. */
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

  /** A field key: `(field << 3) | wire`. */
  tag(field: number, wire: number): this {
    return this.varint((field << 3) | wire);
  }

  /** An int32/int64/enum field (wire type 0). */
  int(field: number, v: number | bigint): this {
    return this.tag(field, WireType.VARINT).varint(v);
  }

  /** A 32-bit float field (wire type 5, little-endian). */
  float(field: number, v: number): this {
    this.tag(field, WireType.I32);
    this.ensure(4);
    new DataView(this.buf.buffer, this.buf.byteOffset).setFloat32(this.len, v, true);
    this.len += 4;
    return this;
  }

  /** A bytes field (wire type 2): length, then the bytes. */
  bytes(field: number, data: Uint8Array): this {
    this.tag(field, WireType.LEN).varint(data.length);
    this.ensure(data.length);
    this.buf.set(data, this.len);
    this.len += data.length;
    return this;
  }

  /** A string field (UTF-8). */
  string(field: number, s: string): this {
    return this.bytes(field, utf8.encode(s));
  }

  /** An embedded message field, written by `build` into its own buffer. */
  message(field: number, build: (w: ProtoWriter) => void): this {
    const inner = new ProtoWriter();
    build(inner);
    return this.bytes(field, inner.finish());
  }

  /** A copy of the bytes written so far. */
  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}
