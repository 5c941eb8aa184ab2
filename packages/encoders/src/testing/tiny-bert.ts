/**
 * A tiny BERT-shaped model written in code: an ONNX graph with BERT's inputs and output
 * (`input_ids`, `attention_mask`, `token_type_ids` → `last_hidden_state`) and BERT's structure
 * (word + position + token-type embeddings, LayerNorm, masked multi-head self-attention, GELU
 * feed-forward, post-LayerNorm residuals), random seeded weights, and real Hugging Face tokenizer
 * files (a WordPiece `tokenizer.json`, `tokenizer_config.json`, `config.json`). It loads through the
 * real transformers.js path with remote models off, so tests, benchmarks and downstream packages
 * (the `implicitrm embed` command) can exercise transformer encoders with no download.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Rng } from "@implicitrm/core/random";
import { type OnnxNode, type OnnxTensor, OnnxType, writeOnnxModel } from "@implicitrm/core/onnx";

/** Options for {@link writeTinyBertModel}; every field has a default. */
export interface TinyBertOptions {
  /** Hidden size (embedding width, output dimension). Default 32. */
  hidden?: number;
  /** Number of transformer layers. Default 1. */
  layers?: number;
  /** Attention heads; must divide `hidden`. Default 2. */
  heads?: number;
  /** Feed-forward width. Default `2 * hidden`. */
  intermediate?: number;
  /** Position-embedding rows, i.e. the longest input in tokens. Default 128. */
  maxPositions?: number;
  /** Seed for the random weights. Default 1. */
  seed?: number;
  /** Extra whole words added to the WordPiece vocabulary. Default none. */
  extraWords?: readonly string[];
  /** Also write `onnx/model_quantized.onnx` (int8 weights with DequantizeLinear, dtype 'q8'). Default true. */
  quantized?: boolean;
  /** A Jinja chat template stored in tokenizer_config.json. Default none (plain template is used). */
  chatTemplate?: string;
  /**
   * Rows of the word-embedding table inside the ONNX graph. Default: the tokenizer's vocabulary size.
   * Set it smaller to build a model whose embedding does not match its tokenizer (error tests).
   */
  embeddingRows?: number;
  /** `vocab_size` written to config.json. Default: `embeddingRows`. */
  configVocabSize?: number;
  /** Files (relative paths such as "tokenizer.json" or "onnx/model.onnx") not to write. Default none. */
  omitFiles?: readonly string[];
}

/** What {@link writeTinyBertModel} wrote. */
export interface TinyBertInfo {
  /** The model directory (absolute when `dir` was). */
  dir: string;
  /** Tokenizer vocabulary size (tokens, special tokens included). */
  vocabSize: number;
  /** Hidden size = embedding dimension. */
  hidden: number;
  /** Position-embedding rows (maximum sequence length in tokens). */
  maxPositions: number;
  /** Relative paths of the files written. */
  files: string[];
}

const SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] as const;
const PUNCT = Array.from("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~");
const WORDS = `the of and to a in is it you that he was for on are with as i his they be at one have this from
or had by not word but what some we can out other were all there when up use your how said an each she which do
their time if will way about many then them write would like so these her long make thing see him two has look more
day could go come did number sound no most people my over know water than call first who may down side been now
find any new work part take get place made live where after back little only round man year came show every good me
give our under name very through just form sentence great think say help low line differ turn cause much mean before
move right boy old too same tell does set three want air well also play small end put home read hand port large spell
add even land here must big high such follow act why ask men change went light kind off need house picture try us
again animal point mother world near build self earth father answer question response prompt model reward helpful
harmless honest because explain example code python function return value error data sure thanks please sorry yes
hello cat dog sat mat happy sad bad best better user assistant system`.split(/\s+/);
const SUFFIXES = ["s", "es", "ed", "ing", "ly", "er", "est", "ion", "ness", "ment", "able", "ful", "al", "ic", "y"];

/** The WordPiece vocabulary (token → id) of the tiny tokenizer, specials first. */
export function tinyBertVocab(extraWords: readonly string[] = []): Map<string, number> {
  const tokens: string[] = [...SPECIALS, ...PUNCT];
  const letters = "abcdefghijklmnopqrstuvwxyz0123456789";
  for (const c of letters) tokens.push(c);
  for (const c of letters) tokens.push(`##${c}`);
  for (const s of SUFFIXES) tokens.push(`##${s}`);
  for (const w of [...WORDS, ...extraWords]) tokens.push(w.toLowerCase());
  const vocab = new Map<string, number>();
  for (const t of tokens) if (t && !vocab.has(t)) vocab.set(t, vocab.size);
  return vocab;
}

function tokenizerJson(vocab: Map<string, number>): unknown {
  const special = (t: string) => ({ id: t, ids: [vocab.get(t)!], tokens: [t] });
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: SPECIALS.map((content) => ({
      id: vocab.get(content)!,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: { type: "BertNormalizer", clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: "BertPreTokenizer" },
    post_processor: {
      type: "TemplateProcessing",
      single: [
        { SpecialToken: { id: "[CLS]", type_id: 0 } },
        { Sequence: { id: "A", type_id: 0 } },
        { SpecialToken: { id: "[SEP]", type_id: 0 } },
      ],
      pair: [
        { SpecialToken: { id: "[CLS]", type_id: 0 } },
        { Sequence: { id: "A", type_id: 0 } },
        { SpecialToken: { id: "[SEP]", type_id: 0 } },
        { Sequence: { id: "B", type_id: 1 } },
        { SpecialToken: { id: "[SEP]", type_id: 1 } },
      ],
      special_tokens: { "[CLS]": special("[CLS]"), "[SEP]": special("[SEP]") },
    },
    decoder: { type: "WordPiece", prefix: "##", cleanup: true },
    model: {
      type: "WordPiece",
      unk_token: "[UNK]",
      continuing_subword_prefix: "##",
      max_input_chars_per_word: 100,
      vocab: Object.fromEntries(vocab),
    },
  };
}

/** Weight factory: float tensors, optionally stored as int8 + DequantizeLinear. */
class Weights {
  readonly initializers: OnnxTensor[] = [];
  readonly nodes: OnnxNode[] = [];
  constructor(
    private readonly rng: Rng,
    private readonly quantize: boolean,
  ) {}

  /** Adds a float tensor; returns the name that holds its (dequantized) value. */
  add(name: string, dims: number[], init: "normal" | "ones" | "zeros", scale = 1, quantizable = false): string {
    const n = dims.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = init === "ones" ? 1 : init === "zeros" ? 0 : this.rng.normal() * scale;
    if (!(this.quantize && quantizable)) {
      this.initializers.push({ name, type: OnnxType.FLOAT, dims, data });
      return name;
    }
    let maxAbs = 0;
    for (const v of data) maxAbs = Math.max(maxAbs, Math.abs(v));
    const s = maxAbs / 127 || 1;
    const q = new Int8Array(n);
    for (let i = 0; i < n; i++) q[i] = Math.max(-127, Math.min(127, Math.round(data[i]! / s)));
    this.initializers.push({ name: `${name}_q`, type: OnnxType.INT8, dims, data: q });
    this.initializers.push({ name: `${name}_scale`, type: OnnxType.FLOAT, dims: [], data: new Float32Array([s]) });
    this.initializers.push({ name: `${name}_zp`, type: OnnxType.INT8, dims: [], data: new Int8Array([0]) });
    this.nodes.push({ op: "DequantizeLinear", inputs: [`${name}_q`, `${name}_scale`, `${name}_zp`], outputs: [name] });
    return name;
  }

  const(name: string, values: number[] | bigint[], dims: number[] = [values.length]): string {
    if (typeof values[0] === "bigint") {
      this.initializers.push({ name, type: OnnxType.INT64, dims, data: BigInt64Array.from(values as bigint[]) });
    } else {
      this.initializers.push({ name, type: OnnxType.FLOAT, dims, data: Float32Array.from(values as number[]) });
    }
    return name;
  }
}

/** Builds the ONNX bytes of the tiny BERT graph (see the module comment). */
export function buildTinyBertOnnx(opts: {
  vocabRows: number;
  hidden: number;
  layers: number;
  heads: number;
  intermediate: number;
  maxPositions: number;
  seed: number;
  quantized: boolean;
}): Uint8Array {
  const { vocabRows: V, hidden: H, layers: L, heads: NH, intermediate: FF, maxPositions: P } = opts;
  if (H % NH !== 0) throw new Error(`hidden (${H}) must be divisible by heads (${NH})`);
  const HD = H / NH;
  // Same seed → same float weights whether or not they are quantized afterwards.
  const w = new Weights(new Rng(opts.seed), opts.quantized);
  const nodes: OnnxNode[] = [];
  const node = (op: string, inputs: string[], output: string, attrs?: OnnxNode["attrs"]) => {
    nodes.push({ op, inputs, outputs: [output], ...(attrs ? { attrs } : {}) });
    return output;
  };

  const wordEmb = w.add("embeddings.word", [V, H], "normal", 0.5, true);
  const posEmb = w.add("embeddings.position", [P, H], "normal", 0.5, true);
  const typeEmb = w.add("embeddings.token_type", [2, H], "normal", 0.5);
  const lnG = w.add("embeddings.ln.gamma", [H], "ones");
  const lnB = w.add("embeddings.ln.beta", [H], "zeros");
  const c0 = w.const("c0", [0n], []);
  const c1 = w.const("c1", [1n], []);
  const headShape = w.const("head_shape", [0n, 0n, BigInt(NH), BigInt(HD)]);
  const mergeShape = w.const("merge_shape", [0n, 0n, BigInt(H)]);
  const maskAxes = w.const("mask_axes", [1n, 2n]);
  const one = w.const("one", [1], []);
  const negBig = w.const("neg_big", [-10000], []);
  const invSqrtHd = w.const("inv_sqrt_hd", [1 / Math.sqrt(HD)], []);
  const half = w.const("half", [0.5], []);
  const invSqrt2 = w.const("inv_sqrt2", [Math.SQRT1_2], []);

  const words = node("Gather", [wordEmb, "input_ids"], "word_vecs", { axis: 0 });
  const shape = node("Shape", ["input_ids"], "ids_shape");
  const seqLen = node("Gather", [shape, c1], "seq_len", { axis: 0 });
  const posIds = node("Range", [c0, seqLen, c1], "position_ids");
  const pos = node("Gather", [posEmb, posIds], "pos_vecs", { axis: 0 });
  const types = node("Gather", [typeEmb, "token_type_ids"], "type_vecs", { axis: 0 });
  const sum1 = node("Add", [words, pos], "emb_sum1");
  const sum2 = node("Add", [sum1, types], "emb_sum2");
  let x = node("LayerNormalization", [sum2, lnG, lnB], "emb_out", { axis: -1, epsilon: { float: 1e-12 } });

  // Additive attention bias: (1 - mask) * -10000, shaped [B, 1, 1, S].
  const maskF = node("Cast", ["attention_mask"], "mask_f", { to: OnnxType.FLOAT });
  const maskU = node("Unsqueeze", [maskF, maskAxes], "mask_u");
  const inv = node("Sub", [one, maskU], "mask_inv");
  const bias = node("Mul", [inv, negBig], "mask_bias");

  const dense = (input: string, name: string, inDim: number, outDim: number) => {
    const W = w.add(`${name}.weight`, [inDim, outDim], "normal", 1 / Math.sqrt(inDim), true);
    const b = w.add(`${name}.bias`, [outDim], "normal", 0.02);
    return node("Add", [node("MatMul", [input, W], `${name}.mm`), b], `${name}.out`);
  };

  for (let l = 0; l < L; l++) {
    const p = `layer${l}`;
    const q = dense(x, `${p}.q`, H, H);
    const k = dense(x, `${p}.k`, H, H);
    const v = dense(x, `${p}.v`, H, H);
    const qh = node("Transpose", [node("Reshape", [q, headShape], `${p}.q_r`)], `${p}.q_t`, { perm: [0, 2, 1, 3] });
    const kh = node("Transpose", [node("Reshape", [k, headShape], `${p}.k_r`)], `${p}.k_t`, { perm: [0, 2, 3, 1] });
    const vh = node("Transpose", [node("Reshape", [v, headShape], `${p}.v_r`)], `${p}.v_t`, { perm: [0, 2, 1, 3] });
    const scores = node("Mul", [node("MatMul", [qh, kh], `${p}.qk`), invSqrtHd], `${p}.scores`);
    const probs = node("Softmax", [node("Add", [scores, bias], `${p}.masked`)], `${p}.probs`, { axis: -1 });
    const ctx = node("Transpose", [node("MatMul", [probs, vh], `${p}.ctx_h`)], `${p}.ctx_t`, { perm: [0, 2, 1, 3] });
    const merged = node("Reshape", [ctx, mergeShape], `${p}.ctx`);
    const attn = dense(merged, `${p}.attn_out`, H, H);
    const g1 = w.add(`${p}.ln1.gamma`, [H], "ones");
    const b1 = w.add(`${p}.ln1.beta`, [H], "zeros");
    const x1 = node("LayerNormalization", [node("Add", [x, attn], `${p}.res1`), g1, b1], `${p}.ln1`, {
      axis: -1,
      epsilon: { float: 1e-12 },
    });
    // GELU(h) = 0.5 h (1 + erf(h / sqrt 2)), BERT's exact form.
    const h = dense(x1, `${p}.ff1`, H, FF);
    const erf = node("Erf", [node("Mul", [h, invSqrt2], `${p}.gelu_s`)], `${p}.gelu_erf`);
    const gelu = node("Mul", [node("Mul", [h, half], `${p}.gelu_h`), node("Add", [erf, one], `${p}.gelu_1p`)], `${p}.gelu`);
    const ff = dense(gelu, `${p}.ff2`, FF, H);
    const g2 = w.add(`${p}.ln2.gamma`, [H], "ones");
    const b2 = w.add(`${p}.ln2.beta`, [H], "zeros");
    x = node("LayerNormalization", [node("Add", [x1, ff], `${p}.res2`), g2, b2], `${p}.ln2`, {
      axis: -1,
      epsilon: { float: 1e-12 },
    });
  }
  nodes.push({ op: "Identity", inputs: [x], outputs: ["last_hidden_state"] });

  const ids = (name: string) => ({ name, type: OnnxType.INT64, shape: ["batch_size", "sequence_length"] });
  return writeOnnxModel({
    graphName: "tiny_bert",
    opset: 17,
    nodes: [...w.nodes, ...nodes],
    initializers: w.initializers,
    inputs: [ids("input_ids"), ids("attention_mask"), ids("token_type_ids")],
    outputs: [{ name: "last_hidden_state", type: OnnxType.FLOAT, shape: ["batch_size", "sequence_length", H] }],
    docString: "Tiny BERT-shaped test model with random weights (not a trained model).",
    producer: "@implicitrm/encoders/testing",
    producerVersion: "1",
  });
}

/**
 * Writes a tiny BERT model directory (`config.json`, `tokenizer.json`, `tokenizer_config.json`,
 * `onnx/model.onnx`, and `onnx/model_quantized.onnx` unless `quantized: false`) to `dir`, replacing
 * whatever was there. Takes well under a second; the fp32 file is about 100 KB at the defaults.
 */
export function writeTinyBertModel(dir: string, opts: TinyBertOptions = {}): TinyBertInfo {
  const hidden = opts.hidden ?? 32;
  const layers = opts.layers ?? 1;
  const heads = opts.heads ?? 2;
  const intermediate = opts.intermediate ?? 2 * hidden;
  const maxPositions = opts.maxPositions ?? 128;
  const seed = opts.seed ?? 1;
  const vocab = tinyBertVocab(opts.extraWords);
  const vocabRows = opts.embeddingRows ?? vocab.size;
  const omit = new Set(opts.omitFiles ?? []);
  const files: string[] = [];
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, "onnx"), { recursive: true });
  const put = (rel: string, data: string | Uint8Array) => {
    if (omit.has(rel)) return;
    writeFileSync(join(dir, rel), data);
    files.push(rel);
  };
  const json = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;
  put(
    "config.json",
    json({
      architectures: ["BertModel"],
      model_type: "bert",
      vocab_size: opts.configVocabSize ?? vocabRows,
      hidden_size: hidden,
      num_hidden_layers: layers,
      num_attention_heads: heads,
      intermediate_size: intermediate,
      max_position_embeddings: maxPositions,
      type_vocab_size: 2,
      hidden_act: "gelu",
      layer_norm_eps: 1e-12,
      pad_token_id: 0,
      _note: "Tiny random-weight BERT-shaped test model written by @implicitrm/encoders/testing.",
    }),
  );
  put("tokenizer.json", json(tokenizerJson(vocab)));
  put(
    "tokenizer_config.json",
    json({
      tokenizer_class: "BertTokenizer",
      do_lower_case: true,
      model_max_length: maxPositions,
      cls_token: "[CLS]",
      sep_token: "[SEP]",
      pad_token: "[PAD]",
      unk_token: "[UNK]",
      mask_token: "[MASK]",
      clean_up_tokenization_spaces: true,
      ...(opts.chatTemplate ? { chat_template: opts.chatTemplate } : {}),
    }),
  );
  const base = { vocabRows, hidden, layers, heads, intermediate, maxPositions, seed };
  put("onnx/model.onnx", buildTinyBertOnnx({ ...base, quantized: false }));
  if (opts.quantized ?? true) put("onnx/model_quantized.onnx", buildTinyBertOnnx({ ...base, quantized: true }));
  return { dir, vocabSize: vocab.size, hidden, maxPositions, files };
}
