/**
 * The one settings object of `@implicitrm/backends` (as transformers.js's and onnxruntime's `env`):
 * what each backend's loader reads when that backend is first initialised. Set a field before the
 * backend starts (directly, or through {@link initBackend}'s options, which write here); a backend
 * that already started keeps the settings it started with. No Node built-ins (browser-safe).
 */

/** Settings of the `'wasm'` backend (also what `'onnxruntime'` runs tfjs on). */
export interface WasmEnv {
  /**
   * Where the `.wasm` binaries are: a URL or path prefix ending in `/` that serves
   * `tfjs-backend-wasm.wasm` and `tfjs-backend-wasm-simd.wasm`. Needed in browsers when a bundler
   * does not serve them next to the script; in Node the installed package's `dist/` is the default.
   */
  paths?: string;
}

/** Settings of the `'onnxruntime'` backend (Node). */
export interface OnnxruntimeEnv {
  /** onnxruntime's intra-op threads (default: every core, `os.availableParallelism()`). */
  threads?: number;
}

/** Settings of the `'webgpu'` backend. */
export interface WebGpuEnv {
  /**
   * Node only: Dawn toggles passed to the `webgpu` package's `create()` (default
   * `['backend=opengl']`, the software path that works without a GPU; `[]` lets Dawn pick Vulkan
   * on a machine with a GPU and drivers).
   */
  dawnFlags?: string[];
  /**
   * The adapter's feature level (default `'compatibility'` in Node, which the OpenGL backend needs;
   * browsers first ask for a core adapter and fall back to compatibility).
   */
  featureLevel?: "core" | "compatibility";
}

/** The shape of {@link env}: one group of settings per backend that has any. */
export interface BackendsEnv {
  readonly wasm: WasmEnv;
  readonly onnxruntime: OnnxruntimeEnv;
  readonly webgpu: WebGpuEnv;
}

/**
 * Process-wide backend settings, read by each loader when its backend is first initialised, e.g.
 * `env.wasm.paths = "/assets/tfjs-wasm/"`, `env.onnxruntime.threads = 1`,
 * `env.webgpu.dawnFlags = []`. Every field is unset by default (each loader's default applies).
 */
export const env: BackendsEnv = { wasm: {}, onnxruntime: {}, webgpu: {} };
