/**
 * Transformer feature extraction through transformers.js (`@huggingface/transformers`, an optional
 * peer dependency loaded on first use), offline first: local model directories, remote models off
 * by default, clear errors for missing or mismatched files.
 */
import { ConfigError, DataError } from "@implicitrm/core/errors";
import {
  type EncodeOptions,
  type Encoder,
  PLAIN_PAIR_SEPARATOR,
  type TextPair,
  checkPairs,
  checkTexts,
  l2normalizeRow,
  throwIfAborted,
} from "./encoder.js";
import { importOptional, isNode } from "@implicitrm/core/runtime";

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

// Minimal structural types for the parts of transformers.js used here (its own types stay private,
// so this package's declarations do not require it to be installed).
interface TfTensor {
  readonly dims: number[];
  readonly type: string;
  readonly data: ArrayLike<number>;
  to(type: string): TfTensor;
  dispose?(): void;
}
interface TfTokenizer {
  encode(text: string, opts?: { add_special_tokens?: boolean }): number[];
  apply_chat_template(conv: { role: string; content: string }[], opts: Record<string, unknown>): unknown;
  chat_template: unknown;
  pad_token_id?: number | null;
  model_max_length: number;
  get_vocab(): Map<string, number> | Record<string, number>;
}
interface TfSession {
  inputNames: string[];
  outputNames: string[];
  config?: { dtype?: string; device?: string };
}
type TfModel = ((inputs: Record<string, TfTensor>) => Promise<Record<string, TfTensor>>) & {
  config: Record<string, unknown>;
  sessions: Record<string, TfSession>;
  dispose(): Promise<unknown>;
};
interface TfModule {
  env: { allowRemoteModels: boolean; allowLocalModels: boolean; logLevel?: number };
  AutoConfig: { from_pretrained(id: string, o: Record<string, unknown>): Promise<unknown> };
  AutoTokenizer: { from_pretrained(id: string, o: Record<string, unknown>): Promise<TfTokenizer> };
  AutoModel: { from_pretrained(id: string, o: Record<string, unknown>): Promise<TfModel> };
  Tensor: new (type: string, data: BigInt64Array, dims: number[]) => TfTensor;
}

const TRANSFORMERS = "@huggingface/transformers";
/** What the missing-package error says about transformers.js (an optional peer dependency). */
const TRANSFORMERS_PACKAGE = {
  name: TRANSFORMERS,
  version: "^4.3.1",
  feature: "TransformerEncoder",
  note: ` (or \`pnpm add ${TRANSFORMERS}\`) next to @implicitrm/encoders, as an optional peer dependency`,
};
const DTYPE_PREFERENCE: Exclude<Dtype, "auto">[] = ["fp32", "q8", "int8", "uint8", "fp16", "q4", "bnb4", "q4f16"];
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** transformers.js's `env` is global: loads that change it run one at a time. */
let loadChain: Promise<unknown> = Promise.resolve();

/** Where a model comes from once resolved. */
interface ModelSource {
  /** What transformers.js is given: an absolute directory or a hub id. */
  ref: string;
  local: boolean;
  /** Short display name (directory base name or hub id). */
  name: string;
}

/**
 * Text encoder on a transformers.js feature-extraction model (ONNX). Create it with
 * {@link TransformerEncoder.load}; nothing is loaded at import time. Inputs are tokenised, sorted by
 * length, batched with right padding, run through the model, pooled over real tokens and (by default)
 * L2-normalised. Deterministic for a given model, options and device.
 */
export class TransformerEncoder implements Encoder {
  readonly id: string;
  readonly dim: number;
  readonly config: Readonly<Record<string, unknown>>;
  /** The device the session runs on ('cpu', 'wasm' or 'webgpu'). */
  readonly device: string;
  /** The dtype that was loaded. */
  readonly dtype: string;
  /** Maximum tokens per input in force. */
  readonly maxLength: number;
  /** Template `encodePairs` uses. */
  readonly template: "chat" | "plain";
  readonly stats: TransformerStats = { forwardCalls: 0, rows: 0, tokens: 0, paddedTokens: 0, truncatedRows: 0 };
  private disposed = false;

  private constructor(
    private readonly tf: TfModule,
    private readonly tokenizer: TfTokenizer,
    private readonly model: TfModel,
    private readonly outputName: string,
    private readonly needsTokenTypes: boolean,
    private readonly prefix: number[],
    private readonly suffix: number[],
    private readonly padId: number,
    private readonly opts: Required<Pick<TransformerEncoderOptions, "pooling" | "normalize" | "batchSize" | "truncation">> &
      Pick<TransformerEncoderOptions, "onProgress">,
    info: { id: string; dim: number; config: Record<string, unknown>; device: string; dtype: string; maxLength: number; template: "chat" | "plain" },
  ) {
    this.id = info.id;
    this.dim = info.dim;
    this.config = info.config;
    this.device = info.device;
    this.dtype = info.dtype;
    this.maxLength = info.maxLength;
    this.template = info.template;
  }

  /**
   * Loads tokenizer and model. Rejects with a MissingDependencyError when @huggingface/transformers
   * is not installed (or does not load), and with a ConfigError for: a model directory that does
   * not exist; a model without the needed files (listing what is missing and what is there) or
   * without the requested dtype; a hub model not available
   * locally while `allowRemoteModels` is false; a tokenizer whose vocabulary does not fit the
   * model's embedding table (config `vocab_size`, and a one-token forward pass with the largest
   * token id); a device that cannot start; bad option values.
   */
  static async load(opts: TransformerEncoderOptions): Promise<TransformerEncoder> {
    const o = validateOptions(opts);
    const tf = await importOptional<TfModule>(TRANSFORMERS, TRANSFORMERS_PACKAGE);
    const src = await resolveSource(o.model, o.localModelPath);
    const local = src.local ? await inspectLocalModel(src.ref, o.modelFileName) : null;
    const emit = o.onProgress;
    const progress_callback = emit
      ? (e: Record<string, unknown>) =>
          emit({
            phase: "load",
            status: String(e.status ?? ""),
            ...(typeof e.file === "string" ? { file: e.file } : {}),
            ...(typeof e.loaded === "number" ? { loaded: e.loaded } : {}),
            ...(typeof e.total === "number" ? { total: e.total } : {}),
            ...(typeof e.progress === "number" ? { progress: e.progress } : {}),
          })
      : undefined;

    const run = async () => {
      const prevRemote = tf.env.allowRemoteModels;
      const prevLocal = tf.env.allowLocalModels;
      tf.env.allowRemoteModels = o.allowRemoteModels;
      tf.env.allowLocalModels = true;
      try {
        const common: Record<string, unknown> = {
          local_files_only: !o.allowRemoteModels,
          revision: o.revision,
          ...(o.cacheDir ? { cache_dir: o.cacheDir } : {}),
          ...(progress_callback ? { progress_callback } : {}),
        };
        if (!src.local) {
          // config.json first: for a hub id it gives the clearest "not available locally" error.
          await tf.AutoConfig.from_pretrained(src.ref, common).catch((e) => {
            throw translateLoadError(e, src, "config");
          });
        }
        const tokenizer = await tf.AutoTokenizer.from_pretrained(src.ref, common).catch((e) => {
          const err = translateLoadError(e, src, "tokenizer");
          if (!src.local && e instanceof TypeError) {
            throw new ConfigError(
              `${err.message} (does ${src.ref} have tokenizer.json and tokenizer_config.json${o.allowRemoteModels ? "" : " in the local cache"}?)`,
              { cause: e },
            );
          }
          throw err;
        });
        const candidates = deviceCandidates(o.device);
        const failures: string[] = [];
        for (const device of candidates) {
          const dtype = chooseDtype(o.dtype, device, local, src);
          try {
            const model = await tf.AutoModel.from_pretrained(src.ref, {
              ...common,
              device,
              ...(dtype ? { dtype } : {}),
              model_file_name: o.modelFileName,
              session_options: { ...o.sessionOptions },
            });
            return { tokenizer, model, device, dtype };
          } catch (e) {
            const err = translateLoadError(e, src, "model");
            if (!(err instanceof DeviceError)) throw err;
            failures.push(`${device}: ${err.message}`); // try the next candidate ('auto' in browsers)
          }
        }
        throw new ConfigError(`no device could start the model ${src.name}: ${failures.join("; ")}`);
      } finally {
        tf.env.allowRemoteModels = prevRemote;
        tf.env.allowLocalModels = prevLocal;
      }
    };
    const loaded = loadChain.then(run, run);
    loadChain = loaded.catch(() => undefined);
    const { tokenizer, model, device } = await loaded;

    try {
      return await TransformerEncoder.finish(tf, tokenizer, model, device, o, src, local);
    } catch (e) {
      await model.dispose().catch(() => undefined);
      throw e;
    }
  }

  private static async finish(
    tf: TfModule,
    tokenizer: TfTokenizer,
    model: TfModel,
    device: string,
    o: ResolvedOptions,
    src: ModelSource,
    local: LocalModelInfo | null,
  ): Promise<TransformerEncoder> {
    const session = model.sessions.model ?? Object.values(model.sessions)[0];
    if (!session) throw new ConfigError(`model ${src.name}: transformers.js created no inference session`);
    const outputName = ["last_hidden_state", "token_embeddings"].find((n) => session.outputNames.includes(n)) ?? session.outputNames[0];
    if (!outputName) throw new ConfigError(`model ${src.name} has no outputs`);
    const cfg = model.config ?? {};
    const num = (k: string) => (typeof cfg[k] === "number" ? (cfg[k] as number) : undefined);

    // Tokenizer ↔ embedding check, part 1: the declared vocabulary size.
    const vocab = tokenizer.get_vocab();
    let maxId = -1;
    for (const id of vocab instanceof Map ? vocab.values() : Object.values(vocab)) if (id > maxId) maxId = id;
    const vocabSize = num("vocab_size");
    if (vocabSize !== undefined && maxId >= vocabSize) {
      throw new ConfigError(
        `tokenizer mismatch in ${src.name}: the tokenizer has token ids up to ${maxId} (${maxId + 1} tokens) but config.json ` +
          `vocab_size is ${vocabSize}, so the model's embedding table has no row for ${maxId + 1 - vocabSize} of them; ` +
          "use the tokenizer files that were exported with this model",
      );
    }

    const maxPos = num("max_position_embeddings") ?? num("n_positions") ?? Number.POSITIVE_INFINITY;
    const tokMax = Number.isFinite(tokenizer.model_max_length) && tokenizer.model_max_length < 1e9 ? tokenizer.model_max_length : Number.POSITIVE_INFINITY;
    let maxLength = o.maxLength ?? Math.min(512, maxPos, tokMax);
    if (o.maxLength !== undefined && o.maxLength > maxPos) {
      throw new ConfigError(`maxLength ${o.maxLength} exceeds the model's max_position_embeddings (${maxPos}); use at most ${maxPos}`);
    }
    maxLength = Math.floor(maxLength);

    const hasChat = tokenizer.chat_template !== null && tokenizer.chat_template !== undefined && tokenizer.chat_template !== "";
    if (o.template === "chat" && !hasChat) {
      throw new ConfigError(`template 'chat' was asked for but the tokenizer of ${src.name} has no chat_template; use 'plain' or 'auto'`);
    }
    const template = o.template === "plain" || !hasChat ? "plain" : "chat";

    // The special tokens the tokenizer puts around a single sequence (e.g. [CLS] … [SEP], or <s> …).
    const bare = tokenizer.encode("a", { add_special_tokens: false });
    const full = tokenizer.encode("a", { add_special_tokens: true });
    let prefix: number[] = [];
    let suffix: number[] = [];
    for (let k = 0; k + bare.length <= full.length; k++) {
      if (bare.every((t, j) => full[k + j] === t)) {
        prefix = full.slice(0, k);
        suffix = full.slice(k + bare.length);
        break;
      }
    }
    if (prefix.length + suffix.length + 1 > maxLength) {
      throw new ConfigError(`maxLength ${maxLength} leaves no room for text after ${prefix.length + suffix.length} special tokens`);
    }
    const padId = typeof tokenizer.pad_token_id === "number" && tokenizer.pad_token_id >= 0 ? tokenizer.pad_token_id : 0;
    const sessCfg = session.config ?? {};
    const dtype = String(sessCfg.dtype ?? o.dtype);
    const resolvedDevice = String(sessCfg.device ?? device);

    const enc = new TransformerEncoder(
      tf,
      tokenizer,
      model,
      outputName,
      session.inputNames.includes("token_type_ids"),
      prefix,
      suffix,
      padId,
      { pooling: o.pooling, normalize: o.normalize, batchSize: o.batchSize, truncation: o.truncation, onProgress: o.onProgress },
      {
        id: `transformer:${src.name}:${o.pooling}`,
        dim: 0,
        config: {},
        device: resolvedDevice,
        dtype,
        maxLength,
        template,
      },
    );

    // Part 2 (and the output width): one forward pass with the largest token id.
    let dim: number;
    const prevLog = tf.env.logLevel;
    try {
      // transformers.js logs a failing run's inputs at error level; the error below says it better.
      if (prevLog !== undefined) tf.env.logLevel = 50;
      const probe = await enc.forward([[...prefix, o.validate ? maxId : (bare[0] ?? 0), ...suffix]]);
      dim = probe.dims[2]!;
      if (probe.dims.length !== 3) {
        throw new ConfigError(`model ${src.name}: output ${outputName} has shape [${probe.dims}], expected [batch, tokens, hidden]`);
      }
    } catch (e) {
      if (e instanceof ConfigError) throw e;
      const msg = (e as Error).message ?? String(e);
      if (/out of (data )?bounds|out of range|indices element|index .* is out/i.test(msg)) {
        throw new ConfigError(
          `tokenizer mismatch in ${src.name}: the model's embedding table has fewer rows than the tokenizer's ${maxId + 1} tokens ` +
            `(a forward pass with token id ${maxId} failed: ${msg.split("\n")[0]}); use the tokenizer files exported with this model`,
          { cause: e },
        );
      }
      throw new ConfigError(`model ${src.name} failed its first forward pass: ${msg}`, { cause: e });
    } finally {
      if (prevLog !== undefined) tf.env.logLevel = prevLog;
    }
    Object.assign(enc.stats, { forwardCalls: 0, rows: 0, tokens: 0, paddedTokens: 0, truncatedRows: 0 });
    const hidden = num("hidden_size") ?? num("d_model") ?? num("n_embd");
    if (hidden !== undefined && hidden !== dim) {
      throw new ConfigError(`model ${src.name}: config.json hidden_size is ${hidden} but the model outputs ${dim} values per token`);
    }
    (enc as { dim: number }).dim = dim;
    (enc as { config: Record<string, unknown> }).config = {
      encoder: "transformers.js/v1",
      model: src.local ? { directory: src.name, fingerprint: local?.fingerprint } : { hub: src.ref, revision: o.revision },
      modelFileName: o.modelFileName,
      dtype,
      pooling: o.pooling,
      normalize: o.normalize,
      maxLength,
      truncation: o.truncation,
      template,
      // The device changes results only by floating-point rounding; it is recorded, not keyed on,
      // so a cache filled on one device serves another.
    };
    return enc;
  }

  /** Encodes texts (special tokens added, truncated per `truncation`); rows sorted by length into batches. */
  async encode(texts: readonly string[], opts?: EncodeOptions): Promise<Float32Array> {
    this.assertOpen();
    checkTexts(texts);
    const ids = texts.map((t) => this.frame(this.tokenizer.encode(t, { add_special_tokens: false }), this.opts.truncation));
    return this.run(ids, opts);
  }

  /**
   * Encodes (prompt, response) pairs with the chat template (one user turn, one assistant turn) or
   * the plain template (`prompt + "\n\n" + response` between the model's special tokens). When the
   * input is longer than `maxLength`, tokens are removed from the start of the prompt; if the
   * response alone does not fit, the prompt is dropped and the response's end is cut.
   */
  async encodePairs(pairs: readonly TextPair[], opts?: EncodeOptions): Promise<Float32Array> {
    this.assertOpen();
    checkPairs(pairs);
    const ids = pairs.map((p) => (this.template === "chat" ? this.chatIds(p) : this.plainIds(p)));
    return this.run(ids, opts);
  }

  /**
   * Encodes already-tokenised inputs: `ids[i]` is fed as is (special tokens included, nothing added
   * or cut), so each must have 1 to `maxLength` ids below the vocabulary size. For callers with
   * their own tokenisation, and to time the model path without the tokenizer.
   */
  async encodeIds(ids: readonly (readonly number[])[], opts?: EncodeOptions): Promise<Float32Array> {
    this.assertOpen();
    ids.forEach((r, i) => {
      if (!Array.isArray(r) || r.length === 0 || r.length > this.maxLength) {
        throw new DataError(`token ids must be a non-empty array of at most maxLength (${this.maxLength}) ids`, { row: i });
      }
    });
    return this.run(ids as number[][], opts);
  }

  /** Token ids of a text exactly as `encode` feeds them (special tokens, truncation): for inspection and tests. */
  tokenize(text: string): number[] {
    return this.uncounted(() => this.frame(this.tokenizer.encode(text, { add_special_tokens: false }), this.opts.truncation));
  }

  /** Token ids of a pair exactly as `encodePairs` feeds them. */
  tokenizePair(pair: TextPair): number[] {
    return this.uncounted(() => (this.template === "chat" ? this.chatIds(pair) : this.plainIds(pair)));
  }

  /** Runs `f` without letting it change `stats.truncatedRows` (inspection is not encoding). */
  private uncounted<T>(f: () => T): T {
    const before = this.stats.truncatedRows;
    try {
      return f();
    } finally {
      this.stats.truncatedRows = before;
    }
  }

  /** Releases the inference session. Later calls reject. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.model.dispose();
  }

  private assertOpen(): void {
    if (this.disposed) throw new ConfigError(`encoder ${this.id} has been disposed`);
  }

  private budget(): number {
    return this.maxLength - this.prefix.length - this.suffix.length;
  }

  private frame(ids: number[], side: "left" | "right"): number[] {
    const b = this.budget();
    if (ids.length > b) {
      this.stats.truncatedRows++;
      ids = side === "left" ? ids.slice(ids.length - b) : ids.slice(0, b);
    }
    return [...this.prefix, ...ids, ...this.suffix];
  }

  /**
   * Plain template ids. When the whole text is too long, the kept ids are the last `budget` ids of
   * the whole text (so only the prompt's start is lost), found with one extra tokenisation of the
   * separator and response; if those alone are too long, the response's start is kept.
   */
  private plainIds(p: TextPair): number[] {
    const enc = (s: string) => this.tokenizer.encode(s, { add_special_tokens: false });
    const b = this.budget();
    const text = p.prompt.length > 0 ? `${p.prompt}${PLAIN_PAIR_SEPARATOR}${p.response}` : p.response;
    const whole = enc(text);
    if (whole.length <= b) return [...this.prefix, ...whole, ...this.suffix];
    this.stats.truncatedRows++;
    const after = p.prompt.length > 0 ? enc(`${PLAIN_PAIR_SEPARATOR}${p.response}`) : whole;
    if (after.length <= b) return [...this.prefix, ...whole.slice(whole.length - b), ...this.suffix];
    return [...this.prefix, ...enc(p.response).slice(0, b), ...this.suffix];
  }

  /**
   * Chat template ids. When the rendering is too long: the template's head (everything before the
   * prompt) is kept, then the last ids of the rendering (prompt's end, the assistant turn, the tail);
   * if the assistant turn alone is too long, the prompt is dropped and the response's end is cut.
   */
  private chatIds(p: TextPair): number[] {
    const enc = (s: string) => this.tokenizer.encode(s, { add_special_tokens: false });
    const rendered = this.tokenizer.apply_chat_template(
      [
        { role: "user", content: p.prompt },
        { role: "assistant", content: p.response },
      ],
      { tokenize: false, add_generation_prompt: false },
    );
    if (typeof rendered !== "string") throw new ConfigError(`chat template of ${this.id} did not render to a string`);
    const whole = enc(rendered);
    if (whole.length <= this.maxLength) return whole;
    this.stats.truncatedRows++;
    // Split the rendering into head | prompt | middle | response | tail to cut the prompt's start.
    const pi = p.prompt.length > 0 ? rendered.indexOf(p.prompt) : -1;
    const ri = rendered.lastIndexOf(p.response);
    if (ri < 0 || (pi >= 0 && ri < pi + p.prompt.length) || (p.prompt.length > 0 && pi < 0)) {
      // The template rewrote the text (rare): keep the end of the whole rendering.
      return whole.slice(whole.length - this.maxLength);
    }
    const promptEnd = pi >= 0 ? pi + p.prompt.length : ri;
    const head = enc(rendered.slice(0, pi >= 0 ? pi : ri));
    const after = enc(rendered.slice(promptEnd));
    if (head.length + after.length <= this.maxLength) {
      return [...head, ...whole.slice(whole.length - (this.maxLength - head.length))];
    }
    const segs = [head, [], enc(rendered.slice(promptEnd, ri)), enc(p.response), enc(rendered.slice(ri + p.response.length))];
    return this.fitSegments(segs, this.maxLength);
  }

  /** Fits [head, prompt, middle, response, tail] into `budget` tokens: prompt cut from its start, then response from its end. */
  private fitSegments(segs: number[][], budget: number): number[] {
    const [head, prompt, mid, resp, tail] = segs as [number[], number[], number[], number[], number[]];
    const fixed = head.length + mid.length + tail.length;
    if (fixed >= budget) {
      throw new ConfigError(`maxLength ${this.maxLength} is too small for the ${fixed} tokens of the pair template itself`);
    }
    const room = budget - fixed;
    if (resp.length >= room) return [...head, ...mid, ...resp.slice(0, room), ...tail];
    const keep = room - resp.length;
    return [...head, ...prompt.slice(prompt.length - keep), ...mid, ...resp, ...tail];
  }

  /** Runs length-sorted batches and pools; returns rows in input order. */
  private async run(ids: number[][], opts?: EncodeOptions): Promise<Float32Array> {
    const n = ids.length;
    const dim = this.dim;
    const out = new Float32Array(n * dim);
    const order = ids.map((_, i) => i).sort((a, b) => ids[a]!.length - ids[b]!.length || a - b);
    const bs = this.opts.batchSize;
    let done = 0;
    for (let start = 0; start < n; start += bs) {
      throwIfAborted(opts?.signal);
      const rows = order.slice(start, start + bs);
      const batch = rows.map((r) => ids[r]!);
      const hidden = await this.forward(batch);
      this.pool(hidden, batch, rows, out);
      hidden.dispose?.();
      done += rows.length;
      this.stats.rows += rows.length;
      opts?.onProgress?.({ done, total: n });
      this.opts.onProgress?.({ phase: "encode", done, total: n });
    }
    return out;
  }

  /** One forward pass over right-padded `batch`; returns the [batch, tokens, hidden] float32 output. */
  private async forward(batch: number[][]): Promise<TfTensor> {
    const B = batch.length;
    let S = 0;
    for (const r of batch) if (r.length > S) S = r.length;
    const inputIds = new BigInt64Array(B * S);
    const mask = new BigInt64Array(B * S);
    // Token ids are small non-negative integers: write the low 32-bit word of each int64 (the high
    // word stays 0) instead of allocating a BigInt per token. Little-endian, as on every platform
    // onnxruntime ships for.
    const ids32 = new Int32Array(inputIds.buffer);
    const mask32 = new Int32Array(mask.buffer);
    const pad = this.padId;
    for (let b = 0; b < B; b++) {
      const r = batch[b]!;
      const row = b * S;
      for (let s = 0; s < r.length; s++) {
        const id = r[s]!;
        if (!(id >= 0 && id <= 0x7fffffff)) throw new DataError(`token id ${id} is not a non-negative int32`, { row: b });
        if (LITTLE_ENDIAN) {
          ids32[2 * (row + s)] = id;
          mask32[2 * (row + s)] = 1;
        } else {
          inputIds[row + s] = BigInt(id);
          mask[row + s] = 1n;
        }
      }
      for (let s = r.length; s < S; s++) {
        if (LITTLE_ENDIAN) ids32[2 * (row + s)] = pad;
        else inputIds[row + s] = BigInt(pad);
      }
      this.stats.tokens += r.length;
    }
    this.stats.paddedTokens += B * S;
    const feeds: Record<string, TfTensor> = {
      input_ids: new this.tf.Tensor("int64", inputIds, [B, S]),
      attention_mask: new this.tf.Tensor("int64", mask, [B, S]),
    };
    if (this.needsTokenTypes) feeds.token_type_ids = new this.tf.Tensor("int64", new BigInt64Array(B * S), [B, S]);
    this.stats.forwardCalls++;
    const outputs = await this.model(feeds);
    let t = outputs[this.outputName];
    if (!t) throw new ConfigError(`model ${this.id} returned no ${this.outputName} (outputs: ${Object.keys(outputs).join(", ")})`);
    if (t.type !== "float32") t = t.to("float32");
    return t;
  }

  private pool(t: TfTensor, batch: number[][], rows: number[], out: Float32Array): void {
    const [B, S, H] = t.dims as [number, number, number];
    const data = t.data as Float32Array;
    const dim = this.dim;
    const acc = new Float64Array(H);
    for (let b = 0; b < B; b++) {
      const len = batch[b]!.length;
      const off = rows[b]! * dim;
      const base = b * S * H;
      if (this.opts.pooling === "mean") {
        acc.fill(0);
        for (let s = 0; s < len; s++) {
          const p = base + s * H;
          for (let h = 0; h < H; h++) acc[h]! += data[p + h]!;
        }
        for (let h = 0; h < H; h++) out[off + h] = acc[h]! / len;
      } else {
        const p = base + (this.opts.pooling === "cls" ? 0 : len - 1) * H;
        out.set(data.subarray(p, p + H), off);
      }
      if (this.opts.normalize) l2normalizeRow(out, off, dim);
    }
  }
}

class DeviceError extends ConfigError {}

interface ResolvedOptions {
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

function validateOptions(opts: TransformerEncoderOptions): ResolvedOptions {
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

function deviceCandidates(device: Device): string[] {
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

/** Resolves `model` to a local directory or a hub id; rejects for a path-like model that does not exist. */
async function resolveSource(model: string, localModelPath: string | undefined): Promise<ModelSource> {
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

interface LocalModelInfo {
  dir: string;
  /** dtypes with a file present under onnx/. */
  dtypes: Exclude<Dtype, "auto">[];
  fingerprint: string;
}

/** Checks a local model directory has what transformers.js needs, lists its dtypes, fingerprints its files. */
async function inspectLocalModel(dir: string, modelFileName: string): Promise<LocalModelInfo> {
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

function chooseDtype(dtype: Dtype, device: string, local: LocalModelInfo | null, src: ModelSource): string | undefined {
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

/** Turns transformers.js / onnxruntime load failures into ConfigErrors that say what to do. */
function translateLoadError(e: unknown, src: ModelSource, what: string): Error {
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
