/**
 * The `'tensorflow'` backend: `@tensorflow/tfjs-node`, TensorFlow's C library bound to Node. It is
 * an optional peer dependency, imported only when this backend is asked for. Not exercised in this
 * repository's CI: its install script downloads libtensorflow, which CI's machines cannot fetch.
 */
import { MissingDependencyError } from "@implicitrm/core/errors";
import { importOptional, isNode } from "@implicitrm/core/runtime";

const TFJS_NODE = {
  name: "@tensorflow/tfjs-node",
  version: "4.22.0",
  feature: "backend tensorflow",
  note: " (its install script downloads the libtensorflow C library, so it needs network access to Google's download site when installed)",
};

/** Loads tfjs-node, which registers the tfjs backend `'tensorflow'`. */
export async function loadTensorflow(): Promise<void> {
  // Not available here rather than failed: 'auto' in a browser passes over it without a notice.
  if (!isNode()) {
    throw new MissingDependencyError(TFJS_NODE.name, "@tensorflow/tfjs-node runs in Node only; in browsers use 'webgpu' or 'wasm'");
  }
  // Through a variable: bundlers and vitest must not try to resolve an optional package.
  await importOptional(TFJS_NODE.name, TFJS_NODE);
}
