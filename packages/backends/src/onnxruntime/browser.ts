/**
 * Browser stand-in for `./index.ts`, swapped in by the package.json `browser` field: the
 * `'onnxruntime'` backend runs onnxruntime-node through `node:worker_threads`, which browser
 * bundles must not contain. Same exports, same failure as the real loader has in a browser (a
 * MissingDependencyError, which `'auto'` passes over without a notice).
 */
import { MissingDependencyError } from "@implicitrm/core/errors";
import type * as Real from "./index.js";

export const onnxruntimeBridge: typeof Real.onnxruntimeBridge = () => undefined;

export const loadOnnxruntime: typeof Real.loadOnnxruntime = async () => {
  throw new MissingDependencyError("onnxruntime-node", "onnxruntime-node runs in Node only; in browsers use 'webgpu' or 'wasm'");
};
