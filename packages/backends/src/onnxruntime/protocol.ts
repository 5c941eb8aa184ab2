/** Messages between {@link OrtBridge} (main thread) and its onnxruntime worker. */
import type { MlpShape } from "./graphs.js";

/** How many batches of input rows the worker keeps (the most recently sent). */
export const ROWS_KEPT = 4;

interface RowsPart {
  shape: MlpShape;
  /** Rows in the batch. */
  n: number;
  /** Id of the batch's input rows; `x` is sent only the first time an id is used. */
  xId: number;
  x?: Float32Array;
}

export type BridgeRequest =
  | { op: "init" }
  | (RowsPart & { op: "forward"; params: Float32Array[] })
  | (RowsPart & { op: "backward"; acts: Float32Array[]; dlogits: Float32Array; kernels: Float32Array[] });

export type BridgeReply =
  | { ok: true; version: string }
  | { ok: true; logits: Float32Array; acts: Float32Array[] }
  | { ok: true; grads: Float32Array[] }
  | { ok: false; error: string };
