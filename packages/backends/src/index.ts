/**
 * @implicitrm/backends — picks and initialises the tfjs compute backend for ImplicitRM.
 *
 * Importing this module registers five backends in the process-wide registry (a side effect; the
 * backend packages themselves are only imported when a backend is first resolved). `'auto'` tries
 * them fastest first (priorities measured in bench/RESULTS.md):
 * - `'tensorflow'` (5): `@tensorflow/tfjs-node`, TensorFlow's C library; optional peer.
 * - `'onnxruntime'` (4, Node): tfjs on wasm, the heads' forward/backward in onnxruntime-node.
 * - `'webgpu'` (3 in browsers with `navigator.gpu`; in Node −1, by name only: the `webgpu`
 *   package runs in software on machines without a GPU, and tfjs-backend-webgpu cannot read
 *   synchronously there, which core's training loop does): `@tensorflow/tfjs-backend-webgpu`.
 * - `'wasm'` (2): `@tensorflow/tfjs-backend-wasm`, SIMD, single-threaded.
 * - `'cpu'` (1): `@tensorflow/tfjs-backend-cpu`, plain JavaScript, always available.
 */
import * as tf from "@tensorflow/tfjs-core";
import { importFailure, isNode, nodeImport } from "./node-util.js";
import { loadOnnxruntime, onnxruntimeSettings } from "./onnxruntime/index.js";
import type { ResolvedBackend } from "./registry.js";
import { registerBackend, resolveBackend } from "./registry.js";
import { loadTensorflow } from "./tensorflow.js";
import { loadWebgpu, webgpuSettings } from "./webgpu.js";

export type {
  BackendActivation,
  BackendFailure,
  BackendInfo,
  BackendLoader,
  BackendName,
  BackendState,
  ResolvedBackend,
} from "./registry.js";
export {
  activeBackend,
  BackendError,
  BackendMissingError,
  BackendRegistry,
  defaultRegistry,
  listBackends,
  registerBackend,
  resolveBackend,
} from "./registry.js";

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

export { webgpuInfo, type WebGpuInfo, type WebGpuSettings } from "./webgpu.js";
export { onnxruntimeBridge, type OnnxruntimeSettings } from "./onnxruntime/index.js";

/** Options for {@link initBackend}. */
export interface InitBackendOptions {
  /**
   * Where the wasm backend finds its `.wasm` binaries: a URL or path prefix ending in `/` that
   * serves `tfjs-backend-wasm.wasm`, `tfjs-backend-wasm-simd.wasm` (and the threaded variant).
   * Needed in browsers when a bundler does not serve them next to the script; in Node the
   * installed package's `dist/` directory is used by default. Only takes effect if given before
   * the wasm backend is first initialised.
   */
  wasmPaths?: string;
  /**
   * Receives the one-line notice when a preferred backend failed and another is used
   * (default: `console.warn`).
   */
  log?: (msg: string) => void;
  /**
   * `'onnxruntime'`: onnxruntime's intra-op threads (default: every core). On a busy shared machine
   * one thread can be faster. Only takes effect before that backend is first initialised.
   */
  threads?: number;
  /**
   * `'webgpu'` in Node: Dawn toggles for the `webgpu` package's `create()` (default
   * `['backend=opengl']`, software rendering through Mesa when there is no GPU). Only takes effect
   * before that backend is first initialised.
   */
  dawnFlags?: string[];
}

/** Settings the wasm loader reads when it runs (once). */
const wasmSettings: { wasmPaths?: string } = {};

/**
 * In Node, the installed `@tensorflow/tfjs-backend-wasm` package's `dist/` directory (with a
 * trailing separator), where its `.wasm` files are. `node:module` is imported through a variable so
 * that browser bundlers leave it alone; this function is never called outside Node.
 */
async function nodeWasmDir(): Promise<string> {
  const { createRequire } = await nodeImport<typeof import("node:module")>("node:module");
  const pkgJson = createRequire(import.meta.url).resolve("@tensorflow/tfjs-backend-wasm/package.json");
  return `${pkgJson.slice(0, -"package.json".length)}dist/`;
}

/**
 * In Node, checks that the `.wasm` binary tfjs will load exists under the local path `prefix`, so
 * that a wrong `wasmPaths` fails with a precise reason instead of tfjs's generic "make sure the
 * server can serve the .wasm file". URLs other than `file:` are left to tfjs.
 */
async function checkNodeWasmBinary(prefix: string): Promise<void> {
  const isUrl = /^[a-z][a-z0-9+.-]*:\/\//i.test(prefix);
  if (isUrl && !prefix.startsWith("file:")) return;
  const simd = await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT");
  const file = simd ? "tfjs-backend-wasm-simd.wasm" : "tfjs-backend-wasm.wasm";
  const fs = await nodeImport<typeof import("node:fs/promises")>("node:fs/promises");
  try {
    await fs.access(isUrl ? new URL(file, prefix) : prefix + file);
  } catch {
    throw new Error(
      `${file} not found under wasmPaths '${prefix}'; point wasmPaths at a directory (ending in '/') ` +
        "that holds the .wasm files of @tensorflow/tfjs-backend-wasm (its dist/ directory)",
    );
  }
}

async function loadCpu(): Promise<void> {
  try {
    await import("@tensorflow/tfjs-backend-cpu");
  } catch (err) {
    throw importFailure("@tensorflow/tfjs-backend-cpu", "4.22.0", err);
  }
}

async function loadWasm(): Promise<void> {
  let mod: typeof import("@tensorflow/tfjs-backend-wasm");
  try {
    mod = await import("@tensorflow/tfjs-backend-wasm");
  } catch (err) {
    throw importFailure("@tensorflow/tfjs-backend-wasm", "4.22.0", err);
  }
  // Node's CommonJS interop may put the exports only on `default`.
  const setWasmPaths =
    mod.setWasmPaths ?? (mod as { default?: Partial<typeof import("@tensorflow/tfjs-backend-wasm")> }).default?.setWasmPaths;
  if (typeof setWasmPaths !== "function") throw new Error("@tensorflow/tfjs-backend-wasm does not export setWasmPaths");
  const paths = wasmSettings.wasmPaths ?? (isNode() ? await nodeWasmDir() : undefined);
  if (paths !== undefined) {
    if (isNode()) await checkNodeWasmBinary(paths);
    setWasmPaths(paths);
  }
  // Single-threaded: in Node the threaded build's worker path fails as shipped, and with that fixed
  // its thread pool still starts no thread (README, "wasm threads"). tfjs already reports false in
  // Node; this keeps browsers on the single-threaded SIMD binary as well.
  tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
}

/**
 * tfjs-backend-cpu prints a multi-line "install tfjs-node" banner on its first write in Node, into
 * every CLI's output. The choice of a faster backend is ours to report ('auto' and the 'tensorflow'
 * backend), so the banner is switched off by marking the backend as already used.
 */
function silenceTfjsNodeHint(): void {
  const backend = tf.backend() as unknown as { firstUse?: boolean };
  if (typeof backend.firstUse === "boolean") backend.firstUse = false;
}

registerBackend("cpu", loadCpu, CPU_PRIORITY);
registerBackend("wasm", loadWasm, WASM_PRIORITY);
registerBackend("webgpu", loadWebgpu, WEBGPU_PRIORITY);
registerBackend("onnxruntime", () => loadOnnxruntime(loadWasm), ONNXRUNTIME_PRIORITY);
registerBackend("tensorflow", loadTensorflow, TENSORFLOW_PRIORITY);

/** Names {@link initBackend} accepts. */
export type InitBackendName = "cpu" | "wasm" | "webgpu" | "onnxruntime" | "tensorflow" | "auto";

/**
 * Initialises the compute backend and makes it the active tfjs-core backend. `'auto'` (the default)
 * tries every registered backend fastest first (`'tensorflow'`, `'onnxruntime'`, `'webgpu'` in
 * browsers, `'wasm'`, `'cpu'`); a backend whose optional package is not
 * installed is passed over silently, and if one that is installed fails, a one-line notice saying
 * why and which backend is used instead goes to `opts.log` (default `console.warn`) and is
 * returned as `notice`. Naming a backend (or an ordered list) tries only those. Each backend is
 * initialised at most once per process; calling again just switches.
 *
 * @param name a backend name, an ordered list of names, or `'auto'` (default)
 * @param opts `wasmPaths`: prefix for the `.wasm` files (browsers; Node finds them itself);
 *   `log`: receives the fallback notice; `threads`: onnxruntime's threads; `dawnFlags`: Node
 *   WebGPU toggles
 * @returns the backend now active and the notice, if any. `tf.getBackend()` returns the same name,
 *   except for `'onnxruntime'`, which runs tfjs on `'wasm'`.
 * @throws BackendError listing why each candidate failed when none starts (an unknown name lists
 *   the known ones)
 */
export async function initBackend(
  name: InitBackendName | readonly InitBackendName[] | (string & {}) = "auto",
  opts: InitBackendOptions = {},
): Promise<ResolvedBackend> {
  if (opts.wasmPaths !== undefined) wasmSettings.wasmPaths = opts.wasmPaths;
  if (opts.threads !== undefined) onnxruntimeSettings.threads = opts.threads;
  if (opts.dawnFlags !== undefined) webgpuSettings.dawnFlags = opts.dawnFlags;
  const resolved = await resolveBackend(name);
  if (resolved.name === "cpu") silenceTfjsNodeHint();
  if (resolved.notice !== undefined) (opts.log ?? ((msg: string) => console.warn(msg)))(resolved.notice);
  return resolved;
}
