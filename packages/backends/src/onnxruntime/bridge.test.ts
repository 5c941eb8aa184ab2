// The synchronous onnxruntime bridge: the ONNX graphs it runs agree with a plain JavaScript MLP,
// and back-to-back calls right after start-up get their own answers (a regression: the start-up
// answer's signal once woke the first call before its answer existed).
import { describe, expect, it } from "vitest";
import { OrtBridge } from "./bridge.js";
import type { MlpShape } from "./graphs.js";

function fixed(n: number, seed: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => Math.sin(seed * 7.1 + i * 0.61) * 0.5);
}

/** logits of D → H → 1 with leaky ReLU, in float64. */
function reference(x: Float32Array, n: number, s: MlpShape, p: Float32Array[]): number[] {
  const [w0, b0, w1, b1] = p as [Float32Array, Float32Array, Float32Array, Float32Array];
  const h = s.hidden[0] as number;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    let z = b1[0] as number;
    for (let j = 0; j < h; j++) {
      let a = b0[j] as number;
      for (let k = 0; k < s.inputDim; k++) a += (x[i * s.inputDim + k] as number) * (w0[k * h + j] as number);
      z += (a > 0 ? a : s.slope * a) * (w1[j] as number);
    }
    out.push(z);
  }
  return out;
}

describe("OrtBridge", () => {
  it("answers 50 back-to-back forward/backward calls right after start, each with its own result", async () => {
    const bridge = await OrtBridge.start(1);
    try {
      const shape: MlpShape = { inputDim: 6, hidden: [5], slope: 0.01 };
      const n = 4;
      const params = [fixed(30, 1), fixed(5, 2), fixed(5, 3), fixed(1, 4)];
      for (let call = 0; call < 50; call++) {
        const x = fixed(n * 6, 10 + call);
        const reply = bridge.call({ op: "forward", shape, n, xId: call + 1, x: x.slice(), params: params.map((p) => p.slice()), pass: call + 1 });
        expect("logits" in reply).toBe(true);
        const logits = Array.from((reply as { logits: Float32Array }).logits);
        const want = reference(x, n, shape, params);
        for (let i = 0; i < n; i++) expect(logits[i]).toBeCloseTo(want[i] as number, 5);
        const back = bridge.call({ op: "backward", shape, n, xId: call + 1, pass: call + 1, dlogits: new Float32Array(n).fill(1), kernels: [params[2]!.slice()] });
        const grads = (back as { grads: Float32Array[] }).grads;
        expect(grads.map((g) => g.length)).toEqual([30, 5, 5, 1]);
        expect(grads[3]?.[0]).toBeCloseTo(n, 5); // ∂Σlogits/∂b_last = n
      }
    } finally {
      await bridge.close();
    }
  });
});
