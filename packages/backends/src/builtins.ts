/**
 * The five backends this package ships and the order `'auto'` tries them in: their priorities
 * (measured in bench/RESULTS.md, fastest first) and their registration in the process-wide
 * registry. Importing this module registers them (the package's one side effect); each backend's
 * package is imported only when that backend is first resolved.
 */
import { loadCpu } from "./cpu.js";
import { loadOnnxruntime } from "./onnxruntime/index.js";
import { registerBackend } from "./registry.js";
import { loadTensorflow } from "./tensorflow.js";
import { loadWasm } from "./wasm.js";
import { loadWebgpu } from "./webgpu.js";

/** Priority of the `'cpu'` backend (the same as tfjs's own). */
export const CPU_PRIORITY = 1;
/** Priority of the `'wasm'` backend (the same as tfjs's own): tried before `'cpu'` by `'auto'`. */
export const WASM_PRIORITY = 2;
/**
 * Priority of the `'webgpu'` backend: 3 in browsers that have `navigator.gpu`; −1 in Node (asked
 * for by name only), where the `webgpu` package runs in software on a machine without a GPU (slower
 * than wasm, bench/RESULTS.md) and tfjs-backend-webgpu's synchronous reads (`dataSync`, which
 * core's training loop uses) need the browser's OffscreenCanvas: there, use asynchronous reads.
 */
export const WEBGPU_PRIORITY = (globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu !== undefined ? 3 : -1;
/** Priority of the `'onnxruntime'` backend (Node only): the fastest CPU path here. */
export const ONNXRUNTIME_PRIORITY = 4;
/** Priority of the `'tensorflow'` backend (tfjs-node): native TensorFlow, first when installed. */
export const TENSORFLOW_PRIORITY = 5;

registerBackend("cpu", loadCpu, CPU_PRIORITY);
registerBackend("wasm", loadWasm, WASM_PRIORITY);
registerBackend("webgpu", loadWebgpu, WEBGPU_PRIORITY);
registerBackend("onnxruntime", () => loadOnnxruntime(loadWasm), ONNXRUNTIME_PRIORITY);
registerBackend("tensorflow", loadTensorflow, TENSORFLOW_PRIORITY);
