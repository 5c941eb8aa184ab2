/**
 * The `'onnxruntime'` backend (Node only): tfjs runs on `'wasm'` for everything but the heads, and
 * every MlpHead's forward and backward pass runs in onnxruntime-node (MLAS, the CPU's widest
 * vectors, multi-threaded) through a synchronous worker bridge. The objectives, the E-step and the
 * Adam steps stay in tfjs, so training code does not change. onnxruntime-node is an optional peer
 * dependency.
 *
 * Also the internal subpath `@implicitrm/backends/onnxruntime` (the repository's tests and
 * benchmarks reach the running bridge here); not part of the package's face.
 *
 * @internal
 * @packageDocumentation
 */
import { env as coreEnv, mlpKernels } from "@implicitrm/core/kernel";
import { MissingDependencyError } from "@implicitrm/core/errors";
import { dynamicImport, isNode, optionalImportError } from "@implicitrm/core/runtime";
import type { BackendActivation } from "../backend.js";
import { env } from "../env.js";
import type { OrtBridge } from "./bridge.js";

let bridge: OrtBridge | undefined;

/** @internal The running bridge (for tests and benchmarks), once the backend started. */
export function onnxruntimeBridge(): OrtBridge | undefined {
  return bridge;
}

/**
 * Loads the backend: checks that onnxruntime-node is installed, starts wasm (via `loadWasm`), starts
 * the onnxruntime worker, and returns the activation that installs the heads' kernel.
 */
export async function loadOnnxruntime(loadWasm: () => Promise<void>): Promise<BackendActivation> {
  // Not available here rather than failed: 'auto' in a browser passes over it without a notice.
  if (!isNode()) throw new MissingDependencyError("onnxruntime-node", "onnxruntime-node runs in Node only; in browsers use 'webgpu' or 'wasm'");
  const { createRequire } = await dynamicImport<typeof import("node:module")>("node:module");
  try {
    createRequire(import.meta.url).resolve("onnxruntime-node");
  } catch (err) {
    throw optionalImportError(
      {
        name: "onnxruntime-node",
        version: "1.30.0",
        feature: "backend onnxruntime",
        note: " (its CPU build ships in the package; set ONNXRUNTIME_NODE_INSTALL=skip to skip its optional CUDA download)",
      },
      err,
    );
  }
  try {
    await loadWasm();
  } catch (err) {
    throw new Error(`the wasm backend it runs on could not start: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  const os = await dynamicImport<typeof import("node:os")>("node:os");
  const threads = env.onnxruntime.threads ?? (typeof os.availableParallelism === "function" ? os.availableParallelism() : os.cpus().length);
  // Imported here, not at the top: the bridge needs node:worker_threads, which browser bundles lack.
  const { OrtBridge: Bridge } = await import("./bridge.js");
  const { ortMlpKernel } = await import("./kernel.js");
  bridge = await Bridge.start(threads);
  const kernel = ortMlpKernel(bridge);
  return {
    tfjsBackend: "wasm",
    activate: () => {
      mlpKernels.register("onnxruntime", kernel, { replace: true });
      coreEnv.mlpKernel = "onnxruntime";
    },
    deactivate: () => {
      coreEnv.mlpKernel = "tfjs";
      mlpKernels.unregister("onnxruntime");
    },
  };
}
