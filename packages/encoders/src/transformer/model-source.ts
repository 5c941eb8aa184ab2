/**
 * Where a transformer model comes from: a local directory (checked for the files transformers.js
 * needs, fingerprinted) or a hub id, and which of its weight files (dtype) to load.
 */
import { ConfigError } from "@implicitrm/core/errors";
import { isNode } from "@implicitrm/core/runtime";
import { DTYPE_SUFFIX, type Dtype } from "./options.js";

/** Where a model comes from once resolved. */
export interface ModelSource {
  /** What transformers.js is given: an absolute directory or a hub id. */
  ref: string;
  local: boolean;
  /** Short display name (directory base name or hub id). */
  name: string;
}

/** Resolves `model` to a local directory or a hub id; rejects for a path-like model that does not exist. */
export async function resolveSource(model: string, localModelPath: string | undefined): Promise<ModelSource> {
  const pathLike = /^(\/|\.{1,2}[\\/]|~|[A-Za-z]:[\\/])/.test(model) || model.includes("\\") || model === "." || model === "..";
  if (!isNode()) return { ref: model, local: false, name: model };
  const { existsSync, statSync } = await import("node:fs");
  const { resolve, basename, join } = await import("node:path");
  const isDir = (p: string) => existsSync(p) && statSync(p).isDirectory();
  if (pathLike || isDir(model)) {
    const abs = resolve(model.startsWith("~") ? model.replace(/^~/, process.env.HOME ?? "~") : model);
    if (!isDir(abs)) {
      throw new ConfigError(
        `model directory not found: ${abs}${existsSync(abs) ? " is a file, not a directory" : " does not exist"}; ` +
          "pass a directory holding config.json, tokenizer.json, tokenizer_config.json and onnx/model.onnx",
      );
    }
    return { ref: abs, local: true, name: basename(abs) };
  }
  if (localModelPath) {
    const p = resolve(join(localModelPath, model));
    if (isDir(p)) return { ref: p, local: true, name: model };
  }
  return { ref: model, local: false, name: model };
}

export interface LocalModelInfo {
  dir: string;
  /** dtypes with a file present under onnx/. */
  dtypes: Exclude<Dtype, "auto">[];
  fingerprint: string;
}

/** Checks a local model directory has what transformers.js needs, lists its dtypes, fingerprints its files. */
export async function inspectLocalModel(dir: string, modelFileName: string): Promise<LocalModelInfo> {
  const { existsSync, readdirSync, readFileSync, openSync, readSync, fstatSync, closeSync } = await import("node:fs");
  const { join } = await import("node:path");
  const { createHash } = await import("node:crypto");
  const required = ["config.json", "tokenizer.json", "tokenizer_config.json"];
  const missing = required.filter((f) => !existsSync(join(dir, f)));
  const onnxDir = join(dir, "onnx");
  const onnxFiles = existsSync(onnxDir) ? readdirSync(onnxDir).filter((f) => f.endsWith(".onnx")) : [];
  const dtypes = (Object.keys(DTYPE_SUFFIX) as Exclude<Dtype, "auto">[]).filter((d) => onnxFiles.includes(`${modelFileName}${DTYPE_SUFFIX[d]}.onnx`));
  if (dtypes.length === 0) missing.push(`onnx/${modelFileName}.onnx (or a quantised variant such as onnx/${modelFileName}_quantized.onnx)`);
  if (missing.length > 0) {
    const present = [...readdirSync(dir).filter((f) => f !== "onnx"), ...onnxFiles.map((f) => `onnx/${f}`)];
    throw new ConfigError(
      `model directory ${dir} is missing the files a transformers.js feature-extraction model needs: ${missing.join(", ")}` +
        ` (present: ${present.length > 0 ? present.join(", ") : "nothing"}); export the model with its tokenizer, e.g. with optimum's ONNX exporter`,
    );
  }
  for (const f of required) {
    try {
      JSON.parse(readFileSync(join(dir, f), "utf8"));
    } catch (e) {
      throw new ConfigError(`model directory ${dir}: ${f} is not valid JSON (${(e as Error).message})`);
    }
  }
  // Fingerprint: the JSON files in full, each ONNX file's size and its first and last MiB.
  const h = createHash("sha256");
  for (const f of required) h.update(f).update(readFileSync(join(dir, f)));
  for (const f of onnxFiles.sort()) {
    const fd = openSync(join(onnxDir, f), "r");
    try {
      const size = fstatSync(fd).size;
      const chunk = Buffer.alloc(Math.min(size, 1 << 20));
      h.update(`${f}:${size}`);
      readSync(fd, chunk, 0, chunk.length, 0);
      h.update(chunk);
      readSync(fd, chunk, 0, chunk.length, Math.max(0, size - chunk.length));
      h.update(chunk);
    } finally {
      closeSync(fd);
    }
  }
  return { dir, dtypes, fingerprint: `sha256:${h.digest("hex").slice(0, 32)}` };
}

const DTYPE_PREFERENCE: Exclude<Dtype, "auto">[] = ["fp32", "q8", "int8", "uint8", "fp16", "q4", "bnb4", "q4f16"];

/** The dtype to load on `device`: the one asked for (if the model has it), else the best one it has. */
export function chooseDtype(dtype: Dtype, device: string, local: LocalModelInfo | null, src: ModelSource): string | undefined {
  if (!local) return dtype === "auto" ? undefined : dtype;
  if (dtype !== "auto") {
    if (!local.dtypes.includes(dtype)) {
      throw new ConfigError(
        `model ${src.name} has no ${dtype} weights (onnx/*${DTYPE_SUFFIX[dtype]}.onnx); it offers: ${local.dtypes.join(", ")}`,
      );
    }
    return dtype;
  }
  const pref = device === "wasm" ? ["q8", ...DTYPE_PREFERENCE.filter((d) => d !== "q8")] : DTYPE_PREFERENCE;
  return pref.find((d) => local.dtypes.includes(d as Exclude<Dtype, "auto">));
}
