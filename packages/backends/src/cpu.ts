/**
 * The `'cpu'` backend: `@tensorflow/tfjs-backend-cpu`, plain JavaScript, always available (the one
 * backend package that is a dependency, not an optional peer).
 */
import { optionalImportError } from "@implicitrm/core/runtime";
import * as tf from "@tensorflow/tfjs-core";

/** Loads tfjs-backend-cpu, which registers the tfjs backend `'cpu'`. */
export async function loadCpu(): Promise<void> {
  try {
    await import("@tensorflow/tfjs-backend-cpu");
  } catch (err) {
    throw optionalImportError({ name: "@tensorflow/tfjs-backend-cpu", version: "4.22.0", feature: "backend cpu" }, err);
  }
}

/**
 * tfjs-backend-cpu prints a multi-line "install tfjs-node" banner on its first write in Node, into
 * every CLI's output. The choice of a faster backend is ours to report ('auto' and the 'tensorflow'
 * backend), so the banner is switched off by marking the active cpu backend as already used.
 */
export function silenceTfjsNodeHint(): void {
  const backend = tf.backend() as unknown as { firstUse?: boolean };
  if (typeof backend.firstUse === "boolean") backend.firstUse = false;
}
