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

/** How many forward passes' hidden activations the worker keeps for their backward pass. */
export const FORWARDS_KEPT = 16;

export type BridgeRequest =
  | { op: "init" }
  /** `pass`: an id under which the worker keeps the hidden activations for the backward pass. */
  | (RowsPart & { op: "forward"; params: Float32Array[]; pass: number })
  | (RowsPart & { op: "backward"; pass: number; dlogits: Float32Array; kernels: Float32Array[] });

export type BridgeReply =
  | { ok: true; version: string }
  | { ok: true; logits: Float32Array }
  | { ok: true; grads: Float32Array[] }
  | { ok: false; error: string };
