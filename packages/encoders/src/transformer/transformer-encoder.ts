/**
 * Transformer feature extraction through transformers.js (`@huggingface/transformers`, an optional
 * peer dependency loaded on first use), offline first: local model directories, remote models off
 * by default, clear errors for missing or mismatched files. The encoder itself: loading, the pair
 * templates and truncation, batching and the forward pass.
 */
import { ConfigError, DataError } from "@implicitrm/core/errors";
import {
  type EncodeOptions,
  type Encoder,
  PLAIN_PAIR_SEPARATOR,
  type TextPair,
  checkPairs,
  checkTexts,
  throwIfAborted,
} from "../encoder.js";
import { DeviceError, deviceCandidates, translateLoadError } from "./load-errors.js";
import { type LocalModelInfo, type ModelSource, chooseDtype, inspectLocalModel, resolveSource } from "./model-source.js";
import { type ResolvedOptions, type TransformerEncoderOptions, type TransformerStats, validateOptions } from "./options.js";
import { padBatch } from "./padding.js";
import { poolRows } from "./pooling.js";
import { type TfModel, type TfModule, type TfTensor, type TfTokenizer, loadTransformers, oneAtATime } from "./transformers-js.js";

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
    const tf = await loadTransformers();
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
    const { tokenizer, model, device } = await oneAtATime(run);

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
      poolRows(hidden.dims as [number, number, number], hidden.data as Float32Array, batch, rows, out, this.dim, this.opts);
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
    const { B, S, inputIds, mask, tokens } = padBatch(batch, this.padId);
    this.stats.tokens += tokens;
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
}
