/**
 * The `'wasm'` backend: `@tensorflow/tfjs-backend-wasm`, SIMD, single-threaded (an optional peer).
 * Where its `.wasm` binaries are comes from {@link env}`.wasm.paths`; in Node the installed
 * package's `dist/` directory is the default.
 */
import { dynamicImport, isNode, optionalImportError } from "@implicitrm/core/runtime";
import * as tf from "@tensorflow/tfjs-core";
import { interop } from "./cjs-interop.js";
import { env } from "./env.js";

/**
 * In Node, the installed `@tensorflow/tfjs-backend-wasm` package's `dist/` directory (with a
 * trailing separator), where its `.wasm` files are. `node:module` is imported through a variable so
 * that browser bundlers leave it alone; this function is never called outside Node.
 */
async function nodeWasmDir(): Promise<string> {
  const { createRequire } = await dynamicImport<typeof import("node:module")>("node:module");
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
  const fs = await dynamicImport<typeof import("node:fs/promises")>("node:fs/promises");
  try {
    await fs.access(isUrl ? new URL(file, prefix) : prefix + file);
  } catch {
    throw new Error(
      `${file} not found under wasmPaths '${prefix}'; point wasmPaths at a directory (ending in '/') ` +
        "that holds the .wasm files of @tensorflow/tfjs-backend-wasm (its dist/ directory)",
    );
  }
}

/** Loads tfjs-backend-wasm (which registers the tfjs backend `'wasm'`) and points it at its binaries. */
export async function loadWasm(): Promise<void> {
  let mod: typeof import("@tensorflow/tfjs-backend-wasm");
  try {
    mod = await import("@tensorflow/tfjs-backend-wasm");
  } catch (err) {
    throw optionalImportError({ name: "@tensorflow/tfjs-backend-wasm", version: "4.22.0", feature: "backend wasm" }, err);
  }
  const { setWasmPaths } = interop(mod, "setWasmPaths");
  if (typeof setWasmPaths !== "function") throw new Error("@tensorflow/tfjs-backend-wasm does not export setWasmPaths");
  const paths = env.wasm.paths ?? (isNode() ? await nodeWasmDir() : undefined);
  if (paths !== undefined) {
    if (isNode()) await checkNodeWasmBinary(paths);
    setWasmPaths(paths);
  }
  // Single-threaded: in Node the threaded build's worker path fails as shipped, and with that fixed
  // its thread pool still starts no thread (README, "wasm threads"). tfjs already reports false in
  // Node; this keeps browsers on the single-threaded SIMD binary as well.
  tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
}
