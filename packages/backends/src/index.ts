/**
 * @implicitrm/backends — picks and initialises the tfjs compute backend for ImplicitRM.
 *
 * Importing this module registers two backends in the process-wide registry (a side effect; the
 * tfjs backend packages themselves are only imported when a backend is first resolved):
 * - `'cpu'` (priority 1): `@tensorflow/tfjs-backend-cpu`, plain JavaScript, always available.
 * - `'wasm'` (priority 2): `@tensorflow/tfjs-backend-wasm`, SIMD where the runtime supports it
 *   (Node 20+ and current browsers do), single-threaded for now.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { ResolvedBackend } from "./registry.js";
import { registerBackend, resolveBackend } from "./registry.js";

export type {
  BackendFailure,
  BackendInfo,
  BackendLoader,
  BackendName,
  BackendState,
  ResolvedBackend,
} from "./registry.js";
export {
  BackendError,
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
}

/** Settings the wasm loader reads when it runs (once). */
const wasmSettings: { wasmPaths?: string } = {};

/** True when running under Node (or a runtime that presents itself as Node). */
function isNode(): boolean {
  const proc = (globalThis as { process?: { versions?: { node?: unknown } } }).process;
  return typeof proc?.versions?.node === "string";
}

/**
 * In Node, the installed `@tensorflow/tfjs-backend-wasm` package's `dist/` directory (with a
 * trailing separator), where its `.wasm` files are. `node:module` is imported through a variable so
 * that browser bundlers leave it alone; this function is never called outside Node.
 */
async function nodeWasmDir(): Promise<string> {
  const specifier = "node:module";
  const { createRequire } = (await import(
    /* @vite-ignore */ /* webpackIgnore: true */ specifier
  )) as typeof import("node:module");
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
  const specifier = "node:fs/promises";
  const fs = (await import(/* @vite-ignore */ /* webpackIgnore: true */ specifier)) as typeof import("node:fs/promises");
  try {
    await fs.access(isUrl ? new URL(file, prefix) : prefix + file);
  } catch {
    throw new Error(
      `${file} not found under wasmPaths '${prefix}'; point wasmPaths at a directory (ending in '/') ` +
        "that holds the .wasm files of @tensorflow/tfjs-backend-wasm (its dist/ directory)",
    );
  }
}

/** Re-throws a failed dynamic import of `pkg` with the install command when it is not installed. */
function importFailure(pkg: string, err: unknown): Error {
  const code = (err as { code?: unknown } | null)?.code;
  const message = err instanceof Error ? err.message : String(err);
  if (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND" || /Cannot find (module|package)/.test(message)) {
    return new Error(`package ${pkg} is not installed; install it with \`npm i ${pkg}@4.22.0\``, { cause: err });
  }
  return new Error(`importing ${pkg} failed: ${message}`, { cause: err });
}

async function loadCpu(): Promise<void> {
  try {
    await import("@tensorflow/tfjs-backend-cpu");
  } catch (err) {
    throw importFailure("@tensorflow/tfjs-backend-cpu", err);
  }
}

async function loadWasm(): Promise<void> {
  let mod: typeof import("@tensorflow/tfjs-backend-wasm");
  try {
    mod = await import("@tensorflow/tfjs-backend-wasm");
  } catch (err) {
    throw importFailure("@tensorflow/tfjs-backend-wasm", err);
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
  // Multi-threading is not supported yet (its worker path fails in Node as shipped); tfjs already
  // reports false in Node, this keeps browsers on the single-threaded SIMD binary as well.
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

/**
 * Initialises the compute backend and makes it the active tfjs-core backend. `'auto'` (the default)
 * tries `'wasm'` first, then `'cpu'` (every registered backend by priority); if a preferred backend
 * fails, a one-line notice saying why and which backend is used instead goes to `opts.log`
 * (default `console.warn`) and is returned as `notice`. Naming `'cpu'` or `'wasm'` tries only that
 * backend. Each backend is initialised at most once per process; calling again just switches.
 *
 * @param name `'cpu' | 'wasm' | 'auto'`, default `'auto'`
 * @param opts `wasmPaths`: prefix for the `.wasm` files (browsers; Node finds them itself);
 *   `log`: receives the fallback notice
 * @returns the backend now active (`tf.getBackend()` returns the same name) and the notice, if any
 * @throws BackendError listing why each candidate failed when none starts (an unknown name lists
 *   the known ones)
 */
export async function initBackend(
  name: "cpu" | "wasm" | "auto" = "auto",
  opts: InitBackendOptions = {},
): Promise<ResolvedBackend> {
  if (opts.wasmPaths !== undefined) wasmSettings.wasmPaths = opts.wasmPaths;
  const resolved = await resolveBackend(name);
  if (resolved.name === "cpu") silenceTfjsNodeHint();
  if (resolved.notice !== undefined) (opts.log ?? ((msg: string) => console.warn(msg)))(resolved.notice);
  return resolved;
}
