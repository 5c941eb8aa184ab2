/**
 * MLP heads: D → hidden… → 1 with leaky ReLU (slope 0.01), as in the authors' harness. Weights are
 * initialised from the seeded Rng with PyTorch's nn.Linear default (U(−1/√fanIn, 1/√fanIn) for
 * weights and biases), so runs are reproducible and comparable with a PyTorch reference.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { HeadKind } from "./objectives/types.js";
import { activeMlpKernel } from "./mlp-kernel.js";
import { Rng } from "./random.js";
import { ConfigError } from "./errors.js";

/**
 * Most weights one MLP head may have: 2^28 (268,435,456 float32 values, 1 GiB). Training holds about
 * four copies of each (weights, gradient, Adam's two moments), so this caps a head near 4 GiB; a
 * larger request (e.g. `--encoder hashing:16777216` under 256 hidden units: 4.3 G weights, 16 GiB) is a
 * ConfigError up front, saying how much memory it needs, instead of a RangeError from an allocation.
 */
export const MAX_HEAD_WEIGHTS = 2 ** 28;

/** The number of weights (kernels and biases) of an MLP head D → hidden… → 1. */
export function mlpWeightCount(inputDim: number, hidden: readonly number[]): number {
  const sizes = [inputDim, ...hidden, 1];
  let n = 0;
  for (let l = 0; l + 1 < sizes.length; l++) n += sizes[l]! * sizes[l + 1]! + sizes[l + 1]!;
  return n;
}

const GIB = 2 ** 30;

/** Slope of the heads' leaky ReLU for negative inputs (the authors' harness; every MLP kernel uses it). */
export const LEAKY_RELU_SLOPE = 0.01;

/** Serialisable weights of one head: per layer, the kernel (fanIn × fanOut, row-major) and bias. */
export interface HeadWeights {
  inputDim: number;
  hidden: number[];
  layers: Array<{ kernel: Float32Array; bias: Float32Array }>;
  /** 'constant' for a {@link ConstantHead} (its layers are then an equivalent all-zero-kernel MLP); absent for an MLP. */
  kind?: "constant";
}

/** What the training loop and the model need of a head, whatever its architecture. */
export interface Head {
  readonly kind: HeadKind;
  readonly variables: tf.Variable[];
  /** Logits for a batch x of shape [n, D], as a Tensor1D of length n. */
  apply(x: tf.Tensor2D): tf.Tensor1D;
  getWeights(): HeadWeights;
  setWeights(w: HeadWeights): void;
  dispose(): void;
}

/** An MLP head D → hidden… → 1 with leaky ReLU, seeded like PyTorch's nn.Linear, run through the MLP kernel `env.mlpKernel` names. */
export class MlpHead implements Head {
  readonly kind = "mlp" as const;
  readonly inputDim: number;
  readonly hidden: readonly number[];
  private readonly kernels: tf.Variable[] = [];
  private readonly biases: tf.Variable[] = [];

  /**
   * @param inputDim feature dimension D
   * @param hidden hidden layer widths (default [256, 64]); [] makes a linear head
   * @param seed initialisation seed
   * @param name prefix of the variable names (tfjs variable names are global, so make it unique)
   */
  constructor(inputDim: number, hidden: readonly number[], seed: number, name: string) {
    if (!Number.isInteger(inputDim) || inputDim < 1) throw new RangeError(`MlpHead: inputDim must be a positive integer, got ${inputDim}`);
    for (const h of hidden) {
      if (!Number.isInteger(h) || h < 1) throw new RangeError(`MlpHead: hidden sizes must be positive integers, got [${hidden.join(", ")}]`);
    }
    const weights = mlpWeightCount(inputDim, hidden);
    if (weights > MAX_HEAD_WEIGHTS) {
      throw new ConfigError(
        `a head of ${inputDim} inputs and hidden [${hidden.join(", ")}] has ${weights.toLocaleString("en")} weights: ${((weights * 4) / GIB).toFixed(1)} GiB as float32 and about ${((weights * 16) / GIB).toFixed(0)} GiB while training (weights, gradient, Adam moments), more than the limit of ${MAX_HEAD_WEIGHTS.toLocaleString("en")} weights (${(MAX_HEAD_WEIGHTS * 4) / GIB} GiB); use a smaller feature dimension (e.g. --encoder hashing:65536) or smaller --hidden widths`,
      );
    }
    this.inputDim = inputDim;
    this.hidden = [...hidden];
    const rng = new Rng(seed);
    const sizes = [inputDim, ...hidden, 1];
    for (let l = 0; l + 1 < sizes.length; l++) {
      const fanIn = sizes[l]!;
      const fanOut = sizes[l + 1]!;
      const bound = 1 / Math.sqrt(fanIn);
      const kernel = new Float32Array(fanIn * fanOut);
      for (let i = 0; i < kernel.length; i++) kernel[i] = rng.uniform(-bound, bound);
      const bias = new Float32Array(fanOut);
      for (let i = 0; i < fanOut; i++) bias[i] = rng.uniform(-bound, bound);
      // tidy frees the initial-value tensors; the variables keep their own reference to the data.
      this.kernels.push(tf.tidy(() => tf.variable(tf.tensor2d(kernel, [fanIn, fanOut]), true, `${name}/kernel${l}`)));
      this.biases.push(tf.tidy(() => tf.variable(tf.tensor1d(bias), true, `${name}/bias${l}`)));
    }
  }

  /** Trainable variables, kernels and biases interleaved by layer. */
  get variables(): tf.Variable[] {
    return this.kernels.flatMap((k, i) => [k, this.biases[i]!]);
  }

  /**
   * Logits for a batch x of shape [n, D], as a Tensor1D of length n, through the MLP kernel
   * `env.mlpKernel` names (default "tfjs"). x gets no gradient.
   */
  apply(x: tf.Tensor2D): tf.Tensor1D {
    const kernel = activeMlpKernel();
    return tf.tidy(() => kernel(x, this.kernels as tf.Tensor[] as tf.Tensor2D[], this.biases as tf.Tensor[] as tf.Tensor1D[], LEAKY_RELU_SLOPE));
  }

  /** Copies the current weights out (for checkpoints and best-epoch snapshots). */
  getWeights(): HeadWeights {
    return {
      inputDim: this.inputDim,
      hidden: [...this.hidden],
      layers: this.kernels.map((k, i) => ({
        kernel: new Float32Array(k.dataSync()),
        bias: new Float32Array(this.biases[i]!.dataSync()),
      })),
    };
  }

  /** Overwrites the weights; shapes must match this head's. */
  setWeights(w: HeadWeights): void {
    if (w.layers.length !== this.kernels.length) {
      throw new RangeError(`MlpHead.setWeights: expected ${this.kernels.length} layers, got ${w.layers.length}`);
    }
    w.layers.forEach((layer, i) => {
      const k = this.kernels[i]!;
      const b = this.biases[i]!;
      if (layer.kernel.length !== k.size || layer.bias.length !== b.size) {
        throw new RangeError(`MlpHead.setWeights: layer ${i} has ${layer.kernel.length}+${layer.bias.length} values, expected ${k.size}+${b.size}`);
      }
      tf.tidy(() => {
        k.assign(tf.tensor2d(layer.kernel, k.shape as [number, number]));
        b.assign(tf.tensor1d(layer.bias));
      });
    });
  }

  /** Frees the variables. */
  dispose(): void {
    for (const v of this.variables) v.dispose();
  }
}

/**
 * A head with one learnable scalar logit c, the same for every row (the global activity of the
 * recrec-i ablation). Initialised at `init` (default 0, probability 0.5). Its weights are exported as
 * an MLP of the given shape whose kernels and biases are all zero except the last bias, c, so that
 * any reader of MLP weights (checkpoints) reproduces the same logits; `kind: 'constant'` marks them.
 */
export class ConstantHead implements Head {
  readonly kind = "constant" as const;
  readonly inputDim: number;
  readonly hidden: readonly number[];
  private readonly logit: tf.Variable;

  /**
   * @param inputDim feature dimension D (checked against the batches)
   * @param hidden the model's hidden widths, used only for the exported MLP-shaped weights
   * @param name prefix of the variable name (tfjs variable names are global, so make it unique)
   * @param init initial logit (default 0)
   */
  constructor(inputDim: number, hidden: readonly number[], name: string, init = 0) {
    if (!Number.isInteger(inputDim) || inputDim < 1) throw new RangeError(`ConstantHead: inputDim must be a positive integer, got ${inputDim}`);
    this.inputDim = inputDim;
    this.hidden = [...hidden];
    this.logit = tf.tidy(() => tf.variable(tf.tensor1d([init]), true, `${name}/logit`));
  }

  get variables(): tf.Variable[] {
    return [this.logit];
  }

  /** c repeated once per row of x. */
  apply(x: tf.Tensor2D): tf.Tensor1D {
    return tf.tidy(() => tf.add(tf.zeros([x.shape[0]]), this.logit) as tf.Tensor1D);
  }

  getWeights(): HeadWeights {
    const sizes = [this.inputDim, ...this.hidden, 1];
    const layers = sizes.slice(1).map((fanOut, l) => ({ kernel: new Float32Array(sizes[l]! * fanOut), bias: new Float32Array(fanOut) }));
    layers[layers.length - 1]!.bias[0] = this.logit.dataSync()[0]!;
    return { inputDim: this.inputDim, hidden: [...this.hidden], layers, kind: "constant" };
  }

  /** Reads c from the last layer's bias (the form `getWeights` writes). */
  setWeights(w: HeadWeights): void {
    const last = w.layers[w.layers.length - 1];
    if (last?.bias.length !== 1) throw new RangeError("ConstantHead.setWeights: the last layer must have one bias, the logit");
    tf.tidy(() => this.logit.assign(tf.tensor1d([last.bias[0]!])));
  }

  dispose(): void {
    this.logit.dispose();
  }
}
