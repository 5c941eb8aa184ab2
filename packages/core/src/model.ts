/**
 * The trained model: one head per name the objective declares (reward, activity, imputation), what
 * each reads, and its state as plain data (`getState` / `fromState`, which a checkpoint or a model
 * directory stores). Training lives in train/; this file only holds and applies the heads.
 */
import * as tf from "@tensorflow/tfjs-core";
import { ConfigError, DataError } from "./errors.js";
import { ConstantHead, type Head, type HeadWeights, MlpHead } from "./heads.js";
import type { HeadInput, HeadKind, HeadName } from "./objectives/types.js";
import { deriveSeed } from "./random.js";
import { SCAN_CHUNK_ROWS, readRange } from "./rows/read.js";
import type { RowSource } from "./types.js";

let modelCounter = 0;

/**
 * A number for the next model, unique in this process: tfjs variable names are global, so every
 * model's variables are named `implicitrm<id>/<head>/...`. `train()` takes one per run.
 * @internal
 */
export function nextModelId(): number {
  return ++modelCounter;
}

/** Serialised model: the objective, the architecture and every head's weights. */
export interface RewardModelState {
  objective: string;
  inputDim: number;
  hidden: number[];
  heads: Partial<Record<HeadName, HeadWeights>>;
  /** Dimension of the activity block, when a head reads it. */
  contextDim?: number;
  /** Heads that read the activity block ('context' or 'both'); heads not listed read the content features. */
  inputs?: Partial<Record<HeadName, "context" | "both">>;
}

/** Per-head layout of a {@link RewardModel}: what each head reads, its widths and initial output logit. */
export interface ModelLayout {
  /** Dimension of the activity block (required when a head reads it). */
  contextDim?: number;
  heads?: Partial<Record<HeadName, { input?: Exclude<HeadInput, "auto">; hidden?: readonly number[]; initLogit?: number }>>;
}

/** Options of {@link RewardModel.predict} and {@link RewardModel.predictLogits}. */
export interface PredictOptions {
  /** The head to apply. Default 'reward'. */
  head?: HeadName;
  /** The activity block (rows × contextDim, row-major), for a head that reads it. */
  activity?: Float32Array;
  /** Number of rows: the features' length must be rows × inputDim. Default: length / inputDim. */
  rows?: number;
}

/** Row-major features with their row count and dimension (a {@link FeatureSet} is one). */
export interface FeatureRows {
  features: Float32Array;
  /** Number of rows. */
  n: number;
  /** Floats per row; must be the model's inputDim. */
  dim: number;
  /** The activity block, read by a head that needs it. */
  activity?: { dim: number; features: Float32Array };
}

/**
 * The trained heads. `predict` gives r̂ = σ(f(x)) ≈ P(r* = 1 | x), the reward probability; the
 * other heads (activity, imputation) are kept for diagnostics and checkpoints.
 */
export class RewardModel {
  readonly objective: string;
  readonly inputDim: number;
  readonly hidden: readonly number[];
  /** Dimension of the activity block the heads that read it expect (0 when none does). */
  readonly contextDim: number;
  private readonly heads = new Map<HeadName, Head>();
  private readonly inputs = new Map<HeadName, Exclude<HeadInput, "auto">>();

  /**
   * @param inputDim content feature dimension D
   * @param hidden hidden widths of every 'mlp' head unless `layout` gives the head its own
   * @param kinds architecture per head (default 'mlp' for every head; 'constant' is one learnable
   *   scalar logit, initialised at 0)
   * @param layout per head: what it reads ('content' by default; 'context' the activity block of
   *   dimension `layout.contextDim`; 'both' the two concatenated), its hidden widths, and the initial
   *   value of its output bias (a logit)
   */
  constructor(
    objective: string,
    heads: readonly HeadName[],
    inputDim: number,
    hidden: readonly number[],
    seed: number,
    run = nextModelId(),
    kinds: Partial<Record<HeadName, HeadKind>> = {},
    layout: ModelLayout = {},
  ) {
    this.objective = objective;
    this.inputDim = inputDim;
    this.hidden = [...hidden];
    this.contextDim = layout.contextDim ?? 0;
    for (const h of heads) {
      const spec = layout.heads?.[h] ?? {};
      const input = spec.input ?? "content";
      if (input !== "content" && !(Number.isInteger(this.contextDim) && this.contextDim > 0)) {
        throw new ConfigError(`the ${h} head reads the activity features ('${input}'), so the model needs their dimension (layout.contextDim)`);
      }
      const dim = input === "content" ? inputDim : input === "context" ? this.contextDim : inputDim + this.contextDim;
      const widths = spec.hidden ?? hidden;
      const name = `implicitrm${run}/${h}`;
      let head: Head;
      if (kinds[h] === "constant") head = new ConstantHead(dim, widths, name, spec.initLogit ?? 0);
      else {
        head = new MlpHead(dim, widths, deriveSeed(seed, `init:${h}`), name);
        if (spec.initLogit !== undefined) {
          const w = head.getWeights();
          w.layers[w.layers.length - 1]!.bias[0] = spec.initLogit;
          head.setWeights(w);
        }
      }
      this.heads.set(h, head);
      this.inputs.set(h, input);
    }
  }

  /**
   * Rebuilds a model from `getState()` output (a head whose weights say `kind: 'constant'` becomes a
   * ConstantHead; each head takes its widths from its weights and its input from `state.inputs`).
   */
  static fromState(state: RewardModelState): RewardModel {
    const names = Object.keys(state.heads) as HeadName[];
    const kinds: Partial<Record<HeadName, HeadKind>> = {};
    const heads: NonNullable<ModelLayout["heads"]> = {};
    for (const name of names) {
      const w = state.heads[name]!;
      if (w.kind === "constant") kinds[name] = "constant";
      heads[name] = { hidden: w.hidden ?? state.hidden, ...(state.inputs?.[name] ? { input: state.inputs[name] } : {}) };
    }
    const layout: ModelLayout = { heads, ...(state.contextDim ? { contextDim: state.contextDim } : {}) };
    const model = new RewardModel(state.objective, names, state.inputDim, state.hidden, 0, nextModelId(), kinds, layout);
    model.setWeights(state.heads);
    return model;
  }

  /** What a head reads: 'content', 'context' (the activity block) or 'both'. */
  inputOf(name: HeadName): Exclude<HeadInput, "auto"> {
    this.head(name);
    return this.inputs.get(name)!;
  }

  /** The heads' names, in the objective's order. */
  get headNames(): HeadName[] {
    return [...this.heads.keys()];
  }

  /** The head called `name`; a ConfigError when this model has none. */
  head(name: HeadName): Head {
    const h = this.heads.get(name);
    if (!h) throw new ConfigError(`this ${this.objective} model has no ${name} head`);
    return h;
  }

  /** Every head's trainable variables, head by head (what the optimizer steps). */
  get variables(): tf.Variable[] {
    return [...this.heads.values()].flatMap((h) => h.variables);
  }

  /**
   * Logits of every head for a batch: x [n, D] the content features, ctx [n, contextDim] the
   * activity block (needed when a head reads it).
   */
  logitsOf(x: tf.Tensor2D, ctx?: tf.Tensor2D): Partial<Record<HeadName, tf.Tensor1D>> {
    const out: Partial<Record<HeadName, tf.Tensor1D>> = {};
    for (const [name, h] of this.heads) out[name] = h.apply(this.headInput(name, x, ctx));
    return out;
  }

  private headInput(name: HeadName, x: tf.Tensor2D, ctx: tf.Tensor2D | undefined): tf.Tensor2D {
    const input = this.inputs.get(name)!;
    if (input === "content") return x;
    if (!ctx) throw new DataError(`the ${name} head reads the activity features ('${input}'), which were not given`);
    return input === "context" ? ctx : tf.concat([x, ctx], 1);
  }

  /**
   * Logits f(x) of one head for rows of row-major features, in chunks. `features` is a Float32Array
   * or a {@link FeatureRows} (a FeatureSet is one: its `n` and `dim` are checked, and its activity
   * block is read by a head that needs it). The second argument is the head's name (default
   * 'reward') or {@link PredictOptions}; give `rows` there so that the length is checked as
   * rows × inputDim: a DataError then refuses, say, 3 rows of 1,024 features for a 32-input model,
   * which a bare array (checked only to be a multiple of inputDim) would read as 96 rows. A head
   * that reads the activity block needs `activity` (n × contextDim, row-major) too.
   */
  predictLogits(features: Float32Array | FeatureRows, options: HeadName | PredictOptions = {}, activity?: Float32Array): Float32Array {
    const o = typeof options === "string" ? { head: options, ...(activity ? { activity } : {}) } : { ...(activity ? { activity } : {}), ...options };
    const { x, n, ctxIn } = this.checkFeatures(features, o.rows);
    const head = o.head ?? "reward";
    const act = o.activity ?? ctxIn;
    const h = this.head(head);
    const c = this.contextDim;
    if (this.inputs.get(head) !== "content" && (!act || act.length !== n * c)) {
      throw new DataError(
        `the ${head} head reads the activity features: give ${n} × ${c} activity values${act ? `, not ${act.length}` : ""} (FeatureSet.activity.features)`,
      );
    }
    const out = new Float32Array(n);
    for (let start = 0; start < n; start += SCAN_CHUNK_ROWS) {
      const end = Math.min(n, start + SCAN_CHUNK_ROWS);
      const logits = tf.tidy(() => {
        const xs = tf.tensor2d(x.subarray(start * this.inputDim, end * this.inputDim), [end - start, this.inputDim]);
        const ctx = act && c > 0 ? tf.tensor2d(act.subarray(start * c, end * c), [end - start, c]) : undefined;
        return h.apply(this.headInput(head, xs, ctx));
      });
      out.set(logits.dataSync(), start);
      logits.dispose();
    }
    return out;
  }

  /**
   * r̂ = σ(f(x)) for rows of row-major features (and their activity block, for a head that reads
   * it); the arguments and the length checks are those of {@link RewardModel.predictLogits}.
   */
  predict(features: Float32Array | FeatureRows, options: HeadName | PredictOptions = {}, activity?: Float32Array): Float32Array {
    const z = this.predictLogits(features, options, activity);
    for (let i = 0; i < z.length; i++) z[i] = 1 / (1 + Math.exp(-z[i]!));
    return z;
  }

  /**
   * The row count of `features` checked against the model: rows × inputDim must be the length
   * (rows given, or a FeatureRows' n and dim), else a DataError saying rows, inputDim and the length.
   */
  private checkFeatures(features: Float32Array | FeatureRows, rows: number | undefined): { x: Float32Array; n: number; ctxIn: Float32Array | undefined } {
    const D = this.inputDim;
    if (!(features instanceof Float32Array)) {
      const fr = features;
      if (!(fr?.features instanceof Float32Array)) throw new DataError("features must be a Float32Array or {features: Float32Array, n, dim}", { field: "features" });
      if (fr.dim !== D) {
        throw new DataError(`features of dimension ${fr.dim} given to a model of inputDim ${D}; encode the rows with the encoder the model was trained on`, { field: "features" });
      }
      if (rows !== undefined && rows !== fr.n) throw new DataError(`rows ${rows} differs from the feature rows' n ${fr.n}`, { field: "features" });
      this.checkLength(fr.features.length, fr.n);
      return { x: fr.features, n: fr.n, ctxIn: fr.activity?.features };
    }
    if (rows !== undefined) {
      this.checkLength(features.length, rows);
      return { x: features, n: rows, ctxIn: undefined };
    }
    const n = features.length / D;
    if (!Number.isInteger(n)) throw new DataError(`feature array of length ${features.length} is not a multiple of the model's dimension ${D}`);
    return { x: features, n, ctxIn: undefined };
  }

  private checkLength(length: number, rows: number): void {
    if (!(Number.isInteger(rows) && rows >= 0)) throw new DataError(`rows must be an integer >= 0, got ${rows}`, { field: "rows" });
    if (length !== rows * this.inputDim) {
      throw new DataError(
        `${rows} rows × inputDim ${this.inputDim} = ${rows * this.inputDim} features expected, got ${length}` +
          (rows > 0 && length % rows === 0 ? ` (${length / rows} per row: were they made by another encoder?)` : ""),
        { field: "features" },
      );
    }
  }

  /** Copies every head's weights out (plain Float32Arrays, for checkpoints and the best epoch). */
  getWeights(): Partial<Record<HeadName, HeadWeights>> {
    const out: Partial<Record<HeadName, HeadWeights>> = {};
    for (const [name, h] of this.heads) out[name] = h.getWeights();
    return out;
  }

  /** Puts weights into every head; a DataError when a head's weights are missing or do not fit. */
  setWeights(weights: Partial<Record<HeadName, HeadWeights>>): void {
    for (const [name, h] of this.heads) {
      const w = weights[name];
      if (!w) throw new DataError(`weights for the ${name} head are missing`);
      h.setWeights(w);
    }
  }

  /** The model as plain data: {@link RewardModel.fromState} rebuilds it. */
  getState(): RewardModelState {
    const inputs: Partial<Record<HeadName, "context" | "both">> = {};
    for (const [name, input] of this.inputs) if (input !== "content") inputs[name] = input;
    return {
      objective: this.objective,
      inputDim: this.inputDim,
      hidden: [...this.hidden],
      heads: this.getWeights(),
      ...(Object.keys(inputs).length ? { contextDim: this.contextDim, inputs } : {}),
    };
  }

  /** Frees every head's tfjs variables; the model is unusable afterwards. */
  dispose(): void {
    for (const h of this.heads.values()) h.dispose();
  }
}

/**
 * Predictions of one head for every row of a source, read in chunks of {@link SCAN_CHUNK_ROWS}
 * rows: σ(logit) by default, the logits with `logits: true`. Checks the source's dimension
 * against the model's first (a DataError naming `name`, e.g. "test").
 */
export function predictRows(model: RewardModel, src: RowSource, head: HeadName = "reward", options: { logits?: boolean; name?: string } = {}): Float32Array {
  if (src.dim !== model.inputDim) {
    throw new DataError(
      `feature dimension ${src.dim} does not match the model's ${model.inputDim}; encode the ${options.name ?? "scored"} rows with the encoder the model was trained on`,
      { file: options.name ?? "input", field: "features" },
    );
  }
  const out = new Float32Array(src.n);
  const c = src.activity?.dim ?? 0;
  for (let start = 0; start < src.n; start += SCAN_CHUNK_ROWS) {
    const end = Math.min(src.n, start + SCAN_CHUNK_ROWS);
    const x = readRange(src, start, end);
    const ctx = src.activity ? src.activity.features.subarray(start * c, end * c) : undefined;
    const o = { head, rows: end - start, ...(ctx ? { activity: ctx } : {}) };
    out.set(options.logits ? model.predictLogits(x, o) : model.predict(x, o), start);
  }
  return out;
}
