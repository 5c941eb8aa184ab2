/**
 * @implicitrm/backends — picks and initialises the tfjs compute backend for ImplicitRM.
 *
 * Importing this module registers five backends in the process-wide registry (a side effect,
 * `builtins.ts`; the backend packages themselves are only imported when a backend is first
 * resolved). `'auto'` tries them fastest first (priorities measured in bench/RESULTS.md):
 * - `'tensorflow'` (5): `@tensorflow/tfjs-node`, TensorFlow's C library; optional peer.
 * - `'onnxruntime'` (4, Node): tfjs on wasm, the heads' forward/backward in onnxruntime-node.
 * - `'webgpu'` (3 in browsers with `navigator.gpu`; in Node −1, by name only: the `webgpu`
 *   package runs in software on machines without a GPU, and tfjs-backend-webgpu cannot read
 *   synchronously there, which core's training loop does): `@tensorflow/tfjs-backend-webgpu`.
 * - `'wasm'` (2): `@tensorflow/tfjs-backend-wasm`, SIMD, single-threaded.
 * - `'cpu'` (1): `@tensorflow/tfjs-backend-cpu`, plain JavaScript, always available.
 *
 * A loader whose optional package is not installed throws `MissingDependencyError` (from
 * `@implicitrm/core/errors`, `installed: false`); `'auto'` passes over it without a notice.
 * Settings are one object, {@link env}. The conformance suite is `@implicitrm/backends/conformance`.
 */
export type {
  BackendActivation,
  BackendFailure,
  BackendInfo,
  BackendLoader,
  BackendName,
  BackendState,
  ResolvedBackend,
} from "./backend.js";
export { type BackendsEnv, env } from "./env.js";
export { type InitBackendName, type InitBackendOptions, initBackend } from "./init.js";
export {
  activeBackend,
  BackendError,
  BackendRegistry,
  listBackends,
  registerBackend,
  resolveBackend,
  unregisterBackend,
} from "./registry.js";
export { type WebGpuInfo, webgpuInfo } from "./webgpu.js";
