/**
 * A replaceable kernel for the MLP heads' forward and backward pass. By default an MlpHead runs its
 * layers as tfjs ops on the active backend. A compute backend may install a kernel that runs the
 * whole head at once (for example through onnxruntime, with the CPU's widest vectors); it must
 * compute the same function, logits = MLP(x), and give the same gradients to every kernel and bias.
 * Input rows are data: an installed kernel may give them a zero gradient.
 */
import type * as tf from "@tensorflow/tfjs-core";

/**
 * Logits [n] of an MLP for rows x [n, D]: hᵢ = leakyRelu(hᵢ₋₁·Wᵢ + bᵢ, slope) for the hidden
 * layers, then h·W + b for the last (width 1). `kernels[i]` is [fanIn, fanOut], `biases[i]` [fanOut].
 * Must be differentiable in tfjs (a `tf.customGrad`) with respect to every kernel and bias.
 */
export type MlpKernel = (x: tf.Tensor2D, kernels: readonly tf.Tensor2D[], biases: readonly tf.Tensor1D[], slope: number) => tf.Tensor1D;

let installed: { name: string; kernel: MlpKernel } | undefined;

/**
 * Installs `kernel` (under a `name` for reports) for every MlpHead's forward and backward pass in
 * this process, or restores the default tfjs layers when `kernel` is undefined. Returns the kernel
 * that was installed before, so a caller can put it back.
 */
export function setMlpKernel(name: string, kernel: MlpKernel): { name: string; kernel: MlpKernel } | undefined;
export function setMlpKernel(name: undefined): { name: string; kernel: MlpKernel } | undefined;
export function setMlpKernel(name: string | undefined, kernel?: MlpKernel): { name: string; kernel: MlpKernel } | undefined {
  const previous = installed;
  installed = name === undefined || kernel === undefined ? undefined : { name, kernel };
  return previous;
}

/** The installed MLP kernel and its name, or undefined when heads use the default tfjs layers. */
export function getMlpKernel(): { name: string; kernel: MlpKernel } | undefined {
  return installed;
}
