/**
 * `initBackend`: starts the compute backend ImplicitRM trains on, with the package's five backends
 * registered (importing this module imports `builtins.ts`, which registers them).
 */
import "./builtins.js";
import type { ResolvedBackend } from "./backend.js";
import { silenceTfjsNodeHint } from "./cpu.js";
import { env } from "./env.js";
import { resolveBackend } from "./registry.js";

/** Options for {@link initBackend}. */
export interface InitBackendOptions {
  /**
   * Where the wasm backend finds its `.wasm` binaries: a URL or path prefix ending in `/` that
   * serves `tfjs-backend-wasm.wasm`, `tfjs-backend-wasm-simd.wasm` (and the threaded variant).
   * Needed in browsers when a bundler does not serve them next to the script; in Node the
   * installed package's `dist/` directory is used by default. Only takes effect if given before
   * the wasm backend is first initialised. Sets {@link env}`.wasm.paths`.
   */
  wasmPaths?: string;
  /**
   * Receives the one-line notice when a preferred backend failed and another is used
   * (default: `console.warn`).
   */
  log?: (msg: string) => void;
  /**
   * `'onnxruntime'`: onnxruntime's intra-op threads (default: every core). On a busy shared machine
   * one thread can be faster. Only takes effect before that backend is first initialised. Sets
   * {@link env}`.onnxruntime.threads`.
   */
  threads?: number;
  /**
   * `'webgpu'` in Node: Dawn toggles for the `webgpu` package's `create()` (default
   * `['backend=opengl']`, software rendering through Mesa when there is no GPU). Only takes effect
   * before that backend is first initialised. Sets {@link env}`.webgpu.dawnFlags`.
   */
  dawnFlags?: string[];
}

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
  if (opts.wasmPaths !== undefined) env.wasm.paths = opts.wasmPaths;
  if (opts.threads !== undefined) env.onnxruntime.threads = opts.threads;
  if (opts.dawnFlags !== undefined) env.webgpu.dawnFlags = opts.dawnFlags;
  const resolved = await resolveBackend(name);
  if (resolved.name === "cpu") silenceTfjsNodeHint();
  if (resolved.notice !== undefined) (opts.log ?? ((msg: string) => console.warn(msg)))(resolved.notice);
  return resolved;
}
