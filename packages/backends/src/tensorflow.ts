/**
 * The `'tensorflow'` backend: `@tensorflow/tfjs-node`, TensorFlow's C library bound to Node. It is
 * an optional peer dependency, imported only when this backend is asked for. Not exercised in this
 * repository's CI: its install script downloads libtensorflow, which CI's machines cannot fetch.
 */
import { importFailure, isNode } from "./node-util.js";
import { BackendMissingError } from "./registry.js";

/** Loads tfjs-node, which registers the tfjs backend `'tensorflow'`. */
export async function loadTensorflow(): Promise<void> {
  // Not available here rather than failed: 'auto' in a browser passes over it without a notice.
  if (!isNode()) throw new BackendMissingError("@tensorflow/tfjs-node", "@tensorflow/tfjs-node runs in Node only; in browsers use 'webgpu' or 'wasm'");
  // Through a variable: bundlers and vitest must not try to resolve an optional package.
  const pkg = "@tensorflow/tfjs-node";
  try {
    await import(/* @vite-ignore */ /* webpackIgnore: true */ pkg);
  } catch (err) {
    throw importFailure(
      "@tensorflow/tfjs-node",
      "4.22.0",
      err,
      " (its install script downloads the libtensorflow C library, so it needs network access to Google's download site when installed)",
    );
  }
}
