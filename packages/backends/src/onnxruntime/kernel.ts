/**
 * The onnxruntime MLP kernel: `@implicitrm/core`'s MlpHead forward and backward pass run as two
 * ONNX graphs in onnxruntime-node (through the synchronous {@link OrtBridge}), wrapped in a
 * `tf.customGrad` so that the training loop, its objectives and its Adam steps stay in tfjs.
 */
import type { MlpKernel } from "@implicitrm/core/kernel";
import * as tf from "@tensorflow/tfjs-core";
import type { OrtBridge } from "./bridge.js";
import type { MlpShape } from "./graphs.js";
import { type BridgeRequest, ROWS_KEPT } from "./protocol.js";

/**
 * A Float32 copy of a tensor's values in a buffer of its own, which is then transferred (detached)
 * to the worker. tfjs-backend-wasm's `dataSync` already returns a fresh copy of its heap; other
 * backends may return their own storage (tfjs-backend-cpu does), which must not be detached.
 */
function ownCopy(t: tf.Tensor): Float32Array {
  const data = t.dataSync() as Float32Array;
  return tf.getBackend() === "wasm" ? data : data.slice();
}

/**
 * Makes the kernel. Input rows are identified by their tfjs data id so that one batch's rows travel
 * to the worker once per step, not once per head and pass.
 */
export function ortMlpKernel(bridge: OrtBridge): MlpKernel {
  const ids = new WeakMap<object, number>();
  let nextId = 1;
  let nextPass = 1;
  /** Ids of the rows the worker holds, oldest first (it keeps the last ROWS_KEPT it was sent). */
  const held: number[] = [];

  const rowsPart = (x: tf.Tensor2D, shape: MlpShape) => {
    const key = x.dataId as object;
    let id = ids.get(key);
    if (id === undefined) {
      id = nextId++;
      ids.set(key, id);
    }
    const part: { shape: MlpShape; n: number; xId: number; x?: Float32Array } = { shape, n: x.shape[0], xId: id };
    if (!held.includes(id)) {
      part.x = ownCopy(x);
      held.push(id);
      if (held.length > ROWS_KEPT) held.shift();
    }
    return part;
  };

  return (x, kernels, biases, slope) => {
    const L = kernels.length;
    const shape: MlpShape = { inputDim: x.shape[1], hidden: kernels.slice(0, -1).map((k) => k.shape[1]), slope };
    // x is data, not an input of the custom gradient: it gets no gradient (as core's default kernel).
    const op = tf.customGrad(((...args: unknown[]) => {
      const save = args[args.length - 1] as (t: tf.Tensor[]) => void;
      const ws = args.slice(0, L) as tf.Tensor2D[];
      const bs = args.slice(L, 2 * L) as tf.Tensor1D[];
      const params: tf.Tensor[] = [];
      for (let l = 0; l < L; l++) params.push(ws[l] as tf.Tensor, bs[l] as tf.Tensor);
      // The worker keeps this pass's hidden activations for the backward pass.
      const pass = nextPass++;
      const req: BridgeRequest = { op: "forward", ...rowsPart(x, shape), params: params.map(ownCopy), pass };
      const transfer = [...(req.x ? [req.x.buffer as ArrayBuffer] : []), ...req.params.map((p) => p.buffer as ArrayBuffer)];
      const reply = bridge.call(req, transfer);
      if (!("logits" in reply)) throw new Error("internal: the onnxruntime worker answered a forward pass without logits");
      save([x, ...ws]);
      return {
        value: tf.tensor1d(reply.logits),
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          const rows = saved[0] as tf.Tensor2D;
          const savedKernels = saved.slice(1);
          const breq: BridgeRequest = {
            op: "backward",
            ...rowsPart(rows, shape),
            pass,
            dlogits: ownCopy(dy),
            kernels: savedKernels.slice(1).map(ownCopy),
          };
          const btransfer = [
            ...(breq.x ? [breq.x.buffer as ArrayBuffer] : []),
            breq.dlogits.buffer as ArrayBuffer,
            ...breq.kernels.map((k) => k.buffer as ArrayBuffer),
          ];
          const back = bridge.call(breq, btransfer);
          if (!("grads" in back)) throw new Error("internal: the onnxruntime worker answered a backward pass without gradients");
          // The worker answers gw0, gb0, gw1, gb1, …; the inputs are the kernels, then the biases.
          const gw = back.grads.filter((_, i) => i % 2 === 0).map((g, l) => tf.tensor2d(g, ws[l]!.shape));
          const gb = back.grads.filter((_, i) => i % 2 === 1).map((g) => tf.tensor1d(g));
          return [...gw, ...gb];
        },
      };
    }) as unknown as Parameters<typeof tf.customGrad>[0]);
    return op(...kernels, ...biases) as tf.Tensor1D;
  };
}
