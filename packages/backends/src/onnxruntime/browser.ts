/**
 * Browser stand-in for `./index.ts`, swapped in by the package.json `browser` field: the
 * `'onnxruntime'` backend runs onnxruntime-node through `node:worker_threads`, which browser
 * bundles must not contain. Same exports, same failure as the real loader has in a browser.
 */
import type * as Real from "./index.js";

export const onnxruntimeSettings: typeof Real.onnxruntimeSettings = {};

export const onnxruntimeBridge: typeof Real.onnxruntimeBridge = () => undefined;

export const loadOnnxruntime: typeof Real.loadOnnxruntime = async () => {
  throw new Error("onnxruntime-node runs in Node only; in browsers use 'webgpu' or 'wasm'");
};
