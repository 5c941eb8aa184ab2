/**
 * What a TransformerEncoder can be asked for: its options, pooling, devices and dtypes, its
 * progress events and counters, and their validation into the resolved options a load uses.
 */
import { ConfigError } from "@implicitrm/core/errors";

/** How token vectors become one text vector: mean over real tokens, the first token, or the last real token. */
export type Pooling = "mean" | "cls" | "last";
/** Where the model runs. See {@link TransformerEncoderOptions.device}. */
export type Device = "auto" | "cpu" | "wasm" | "webgpu";
/** Model weight variants transformers.js knows (file suffixes under `onnx/`). */
export type Dtype = "auto" | "fp32" | "fp16" | "q8" | "int8" | "uint8" | "q4" | "q4f16" | "bnb4";

/** File suffix of each dtype (`onnx/<modelFileName><suffix>.onnx`), as transformers.js names them. */
export const DTYPE_SUFFIX: Readonly<Record<Exclude<Dtype, "auto">, string>> = {
  fp32: "",
  fp16: "_fp16",
  q8: "_quantized",
  int8: "_int8",
  uint8: "_uint8",
  q4: "_q4",
  q4f16: "_q4f16",
  bnb4: "_bnb4",
};

/** A loading or encoding event passed to {@link TransformerEncoderOptions.onProgress}. */
export type TransformerProgress =
  | { phase: "load"; status: string; file?: string; loaded?: number; total?: number; progress?: number }
  | { phase: "encode"; done: number; total: number };

/** Options of {@link TransformerEncoder.load}. Only `model` is required. */
export interface TransformerEncoderOptions {
  /**
   * A local model directory (absolute, or relative to the working directory; it must contain
   * config.json, tokenizer.json, tokenizer_config.json and onnx/<modelFileName>[suffix].onnx) or a
   * Hugging Face model id such as `Xenova/all-MiniLM-L6-v2` (looked up under `localModelPath`, then
   * in transformers.js's cache, then on the Hub if `allowRemoteModels`).
   */
  model: string;
  /** Allow downloading from the Hub. Default false: nothing is fetched, a missing file is an error. */
  allowRemoteModels?: boolean;
  /** A directory holding models by id (`<localModelPath>/<org>/<name>/`). Default none. */
  localModelPath?: string;
  /** transformers.js's download cache directory. Default: transformers.js's own (`env.cacheDir`). */
  cacheDir?: string;
  /** Hub revision (branch, tag or commit) for hub ids. Default 'main'. Part of the cache key. */
  revision?: string;
  /** Pooling of token vectors. Default 'mean' ('last' is what LLM reward-model embeddings use; 'cls' for BERT [CLS]). */
  pooling?: Pooling;
  /** L2-normalise output rows. Default true. */
  normalize?: boolean;
  /**
   * Maximum tokens per input, special tokens included. Default: the smallest of the tokenizer's
   * `model_max_length`, config `max_position_embeddings` and 512. Longer inputs are truncated:
   * pairs lose the start of the prompt first (the response survives); plain texts follow `truncation`.
   */
  maxLength?: number;
  /** Which end of a plain text (`encode`) to drop when it is too long. Default 'left' (keep the end). */
  truncation?: "left" | "right";
  /** Rows per forward pass; rows are sorted by token length first so a batch pads little. Default 32. */
  batchSize?: number;
  /**
   * 'cpu' (onnxruntime-node in Node; in browsers the same as 'wasm'), 'wasm' (browsers:
   * onnxruntime-web), 'webgpu' (onnxruntime's WebGPU EP), or 'auto': 'cpu' in Node, and in browsers
   * 'webgpu' when it starts, else 'wasm'. Default 'auto'.
   */
  device?: Device;
  /**
   * Weight variant. 'auto' takes fp32 when the model has it (q8 first on 'wasm'), else the first
   * available of fp32, q8, int8, uint8, fp16, q4, bnb4, q4f16. Asking for one the model lacks is an
   * error listing those it has. Default 'auto'.
   */
  dtype?: Dtype;
  /**
   * Pair template for `encodePairs`: 'chat' (the tokenizer's chat template, one user and one
   * assistant message; an error when the tokenizer has none), 'plain' (`prompt + "\n\n" + response`
   * with the model's special tokens around it), or 'auto' (chat when present). Default 'auto'.
   */
  template?: "auto" | "chat" | "plain";
  /** Base name of the ONNX file. Default 'model'. */
  modelFileName?: string;
  /** Check at load that the tokenizer's largest token id has a row in the model's embedding table. Default true. */
  validate?: boolean;
  /** onnxruntime session options passed through (e.g. `{ intraOpNumThreads: 2 }`). Default none. */
  sessionOptions?: Record<string, unknown>;
  /** Load and encode progress. Default none. */
  onProgress?: (p: TransformerProgress) => void;
}

/** Lifetime counters of a {@link TransformerEncoder}. */
export interface TransformerStats {
  /** Forward passes run by `encode` / `encodePairs` (the load-time check is not counted). */
  forwardCalls: number;
  /** Rows encoded. */
  rows: number;
  /** Real tokens fed (special tokens included, padding excluded). */
  tokens: number;
  /** Tokens fed including padding. */
  paddedTokens: number;
  /** Rows that were longer than `maxLength` and were cut. */
  truncatedRows: number;
}

/** The options of one load, every default applied. */
export interface ResolvedOptions {
  model: string;
  allowRemoteModels: boolean;
  localModelPath: string | undefined;
  cacheDir: string | undefined;
  revision: string;
  pooling: Pooling;
  normalize: boolean;
  maxLength: number | undefined;
  truncation: "left" | "right";
  batchSize: number;
  device: Device;
  dtype: Dtype;
  template: "auto" | "chat" | "plain";
  modelFileName: string;
  validate: boolean;
  sessionOptions: Record<string, unknown>;
  onProgress: ((p: TransformerProgress) => void) | undefined;
}

/** Checks `opts` and applies the defaults; a ConfigError names the first bad option. */
export function validateOptions(opts: TransformerEncoderOptions): ResolvedOptions {
  if (!opts || typeof opts.model !== "string" || opts.model.trim() === "") {
    throw new ConfigError("TransformerEncoder: `model` (a model directory or hub id) is required");
  }
  const oneOf = <T extends string>(name: string, v: T | undefined, allowed: readonly T[], def: T): T => {
    if (v === undefined) return def;
    if (!allowed.includes(v)) throw new ConfigError(`TransformerEncoder: ${name} must be one of ${allowed.join(", ")}; got ${JSON.stringify(v)}`);
    return v;
  };
  const posInt = (name: string, v: number | undefined, min: number): number | undefined => {
    if (v === undefined) return undefined;
    if (!Number.isInteger(v) || v < min) throw new ConfigError(`TransformerEncoder: ${name} must be an integer >= ${min}; got ${v}`);
    return v;
  };
  return {
    model: opts.model,
    allowRemoteModels: opts.allowRemoteModels ?? false,
    localModelPath: opts.localModelPath,
    cacheDir: opts.cacheDir,
    revision: opts.revision ?? "main",
    pooling: oneOf("pooling", opts.pooling, ["mean", "cls", "last"], "mean"),
    normalize: opts.normalize ?? true,
    maxLength: posInt("maxLength", opts.maxLength, 2),
    truncation: oneOf("truncation", opts.truncation, ["left", "right"], "left"),
    batchSize: posInt("batchSize", opts.batchSize, 1) ?? 32,
    device: oneOf("device", opts.device, ["auto", "cpu", "wasm", "webgpu"], "auto"),
    dtype: oneOf("dtype", opts.dtype, ["auto", ...(Object.keys(DTYPE_SUFFIX) as Exclude<Dtype, "auto">[])], "auto"),
    template: oneOf("template", opts.template, ["auto", "chat", "plain"], "auto"),
    modelFileName: opts.modelFileName ?? "model",
    validate: opts.validate ?? true,
    sessionOptions: opts.sessionOptions ?? {},
    onProgress: opts.onProgress,
  };
}
