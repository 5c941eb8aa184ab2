/**
 * Replaceable kernels for the MLP heads' forward and backward pass, in one registry (`mlpKernels`);
 * `env.mlpKernel` names the one heads use. By default ("tfjs") an MlpHead runs its layers as tfjs
 * ops on the active backend. A compute backend may register a kernel that runs the whole head at
 * once (for example through onnxruntime, with the CPU's widest vectors); it must compute the same
 * function, logits = MLP(x), and give the same gradients to every kernel and bias. Input rows are
 * data: no kernel gives them a gradient (they are not an input of its custom gradient).
 */
import * as tf from "@tensorflow/tfjs-core";
import { env } from "./env.js";
import { Registry } from "./registry.js";

/**
 * Logits [n] of an MLP for rows x [n, D]: hᵢ = leakyRelu(hᵢ₋₁·Wᵢ + bᵢ, slope) for the hidden
 * layers, then h·W + b for the last (width 1). `kernels[i]` is [fanIn, fanOut], `biases[i]` [fanOut].
 * Must be differentiable in tfjs (a `tf.customGrad`) with respect to every kernel and bias; x is
 * data and gets no gradient.
 */
export type MlpKernel = (x: tf.Tensor2D, kernels: readonly tf.Tensor2D[], biases: readonly tf.Tensor1D[], slope: number) => tf.Tensor1D;

/**
 * The default kernel: the whole MLP as one `tf.customGrad` on the active tfjs backend. Forward:
 * hᵢ = leakyRelu(hᵢ₋₁·Wᵢ + bᵢ), as separate layers would compute it (the same values). Backward,
 * by hand: ∂Wᵢ = hᵢ₋₁ᵀ·δᵢ and ∂bᵢ = Σ_rows δᵢ, δᵢ₋₁ = (δᵢ·Wᵢᵀ) ⊙ (hᵢ₋₁ > 0 ? 1 : slope), with
 * explicit transposes (tfjs-wasm's matMul with a transpose flag is 5–10× slower than a transpose
 * followed by a plain matMul: 6.9 ms vs 0.6 ms on a 512×32×256 layer), and no ∂x: the input rows
 * are data, which saves the largest matMul of the backward pass (n×D×hidden₁).
 */
export const tfjsMlpKernel: MlpKernel = (x, kernels, biases, slope) => {
  const L = kernels.length;
  const op = tf.customGrad(((...args: unknown[]) => {
    const save = args[args.length - 1] as (t: tf.Tensor[]) => void;
    const ws = args.slice(0, L) as tf.Tensor2D[];
    const bs = args.slice(L, 2 * L) as tf.Tensor1D[];
    const acts: tf.Tensor2D[] = [];
    let h: tf.Tensor2D = x;
    for (let l = 0; l < L; l++) {
      const z = tf.add(tf.matMul(h, ws[l] as tf.Tensor2D), bs[l] as tf.Tensor1D) as tf.Tensor2D;
      h = l < L - 1 ? tf.leakyRelu(z, slope) : z;
      if (l < L - 1) acts.push(h);
    }
    save([x, ...acts, ...ws]);
    return {
      value: tf.reshape(h, [-1]),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const inputs = saved.slice(0, L) as tf.Tensor2D[]; // x, h₁ … h_{L−1}: each layer's input
        const weights = saved.slice(L) as tf.Tensor2D[];
        const gw: tf.Tensor[] = new Array(L);
        const gb: tf.Tensor[] = new Array(L);
        let d = tf.reshape(dy, [-1, 1]) as tf.Tensor2D;
        for (let l = L - 1; l >= 0; l--) {
          const input = inputs[l] as tf.Tensor2D;
          gw[l] = tf.matMul(tf.transpose(input), d);
          gb[l] = tf.sum(d, 0);
          if (l > 0) {
            const da = tf.matMul(d, tf.transpose(weights[l] as tf.Tensor2D));
            d = tf.where(tf.greater(input, 0), da, tf.mul(da, slope)) as tf.Tensor2D;
          }
        }
        return [...gw, ...gb];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(...kernels, ...biases) as tf.Tensor1D;
};

/**
 * The MLP kernels heads can run through, by name; "tfjs" ({@link tfjsMlpKernel}) is always there.
 * A backend registers its own (`register(name, kernel, { replace: true })`) and sets
 * `env.mlpKernel` to its name.
 * @internal
 */
export const mlpKernels: Registry<MlpKernel> = new Registry<MlpKernel>("MLP kernel");
mlpKernels.register("tfjs", tfjsMlpKernel);

/** The kernel `env.mlpKernel` names (a ConfigError listing the registered ones when it names none). */
export function activeMlpKernel(): MlpKernel {
  return mlpKernels.resolve(env.mlpKernel);
}
