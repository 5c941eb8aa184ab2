/**
 * core's one settings object (as transformers.js and onnxruntime have theirs): process-wide
 * choices that would otherwise be hidden module globals. No tfjs, no I/O.
 */

/** The fields of {@link env}. */
export interface CoreEnv {
  /**
   * The MLP kernel every MlpHead runs its forward and backward pass through: a name in the
   * `mlpKernels` registry of `@implicitrm/core/kernel` (default "tfjs", tfjs ops on the active
   * backend). Compute backends set it when they start (onnxruntime: "onnxruntime") and put it
   * back when another backend starts.
   * @internal
   */
  mlpKernel: string;
}

/** Settings of `@implicitrm/core` for this process. */
export const env: CoreEnv = { mlpKernel: "tfjs" };
