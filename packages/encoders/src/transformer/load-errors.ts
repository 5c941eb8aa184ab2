/**
 * Which device a model may start on, and what a failed load means: transformers.js's and
 * onnxruntime's failures turned into errors that say what to do (a DeviceError lets the next
 * device candidate try).
 */
import { ConfigError } from "@implicitrm/core/errors";
import { isNode } from "@implicitrm/core/runtime";
import type { ModelSource } from "./model-source.js";
import type { Device } from "./options.js";

/** A device could not start the model; the next candidate may. */
export class DeviceError extends ConfigError {}

/** The devices to try, in order, for the `device` option in this runtime. */
export function deviceCandidates(device: Device): string[] {
  if (isNode()) {
    if (device === "wasm") {
      throw new ConfigError(
        "device 'wasm' runs in browsers (onnxruntime-web); in Node transformers.js uses onnxruntime-node: use 'cpu' (or 'auto')",
      );
    }
    return device === "webgpu" ? ["webgpu"] : ["cpu"];
  }
  const hasGpu = typeof navigator !== "undefined" && "gpu" in navigator;
  if (device === "auto") return hasGpu ? ["webgpu", "wasm"] : ["wasm"];
  return device === "cpu" ? ["wasm"] : [device];
}

/** Turns transformers.js / onnxruntime load failures into ConfigErrors that say what to do. */
export function translateLoadError(e: unknown, src: ModelSource, what: string): Error {
  if (e instanceof ConfigError) return e;
  const msg = (e as Error)?.message ?? String(e);
  if (/allowRemoteModels=false|local_files_only=true|not found locally|file was not found/i.test(msg)) {
    return new ConfigError(
      src.local
        ? `model directory ${src.ref} lacks a file the ${what} needs: ${msg}`
        : `model ${src.ref} is not available locally and allowRemoteModels is false (${msg}); ` +
            "download it once with allowRemoteModels: true, or pass the path of a local model directory (or set localModelPath)",
      { cause: e },
    );
  }
  if (/adapter|webgpu|execution provider|EP_FAIL|Failed to load shared library|backend/i.test(msg) && what === "model") {
    return new DeviceError(`device could not start (${msg.split("\n")[0]})`, { cause: e });
  }
  return new ConfigError(`loading the ${what} of ${src.name} failed: ${msg}`, { cause: e });
}
