/**
 * @internal `@implicitrm/core/kernel`: what compute backends need to run core's MLP heads their
 * own way and to test that they compute the same function: the kernel registry, the default tfjs
 * kernel, the heads and their leaky-ReLU slope, and `env` (whose `mlpKernel` picks the kernel).
 * Not a user API: it may change with any release of core and backends (one fixed version group).
 * @packageDocumentation
 */
// Registers tfjs's gradient functions, as the main entry does: these names came from there and
// are used to compute gradients.
import "./register-gradients.js";

export { env, type CoreEnv } from "./env.js";
export { ConstantHead, LEAKY_RELU_SLOPE, MlpHead, type Head } from "./heads.js";
export { activeMlpKernel, mlpKernels, tfjsMlpKernel, type MlpKernel } from "./mlp-kernel.js";
