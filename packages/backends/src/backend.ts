/**
 * What a compute backend is, as the registry sees it (onnxruntime's `backend.ts` beside its
 * `backend-impl.ts`): its name, its lazy loader and what the loader may return, and what resolution
 * reports. Types only; the registry that implements them is `registry.ts`.
 */

/**
 * Name of a compute backend. `'cpu'`, `'wasm'`, `'webgpu'`, `'tensorflow'` and `'onnxruntime'` are
 * registered by this package's entry point; any other string is accepted so that further backends
 * can be registered by name.
 */
export type BackendName = "cpu" | "wasm" | "webgpu" | "tensorflow" | "onnxruntime" | (string & {});

/**
 * What a loader may return besides registering a tfjs backend: which tfjs backend it runs on (when
 * that is not its own name, e.g. `'onnxruntime'` runs tfjs on `'wasm'` and replaces the heads'
 * kernel) and what to do each time it becomes, or stops being, the active backend.
 */
export interface BackendActivation {
  /** The tfjs backend to make active (default: the registered name). */
  tfjsBackend?: string;
  /** Called every time this backend becomes the active one (after tfjs switched). */
  activate?: () => void;
  /** Called when another backend becomes active after this one. */
  deactivate?: () => void;
}

/**
 * Loads a backend: imports its tfjs backend package (which registers a tfjs backend under the same
 * name, or the one named by the returned {@link BackendActivation}) and applies any settings it
 * needs before tfjs instantiates it. Runs at most once per registration; a rejection marks the
 * backend as failed for the rest of the process. Throw a `MissingDependencyError` (from
 * `@implicitrm/core/errors`, `installed: false`) when an optional package is simply not installed:
 * `'auto'` then passes over it without a notice.
 */
// biome-ignore lint/suspicious/noConfusingVoidType: a loader that registers a plain tfjs backend returns nothing (async () => {}).
export type BackendLoader = () => Promise<void | BackendActivation>;

/** What {@link resolveBackend} settled on. */
export interface ResolvedBackend {
  /** The backend that is now active in tfjs-core (`tf.getBackend()` returns the same name). */
  name: BackendName;
  /**
   * One line saying which preferred candidates failed and why, and which backend is used instead;
   * absent when the first candidate started.
   */
  notice?: string;
}

/** Why one candidate backend could not be used. */
export interface BackendFailure {
  /** The candidate's name as it was asked for. */
  name: string;
  /** One-line reason (whitespace collapsed). */
  reason: string;
  /** The original error, when there was one. */
  cause?: unknown;
  /** True when the backend's optional package is not installed (not a failure to start). */
  missing?: boolean;
}

/** Lifecycle of a registered backend, as reported by {@link BackendRegistry.list}. */
export type BackendState = "registered" | "initializing" | "ready" | "failed";

/** One row of {@link BackendRegistry.list}. */
export interface BackendInfo {
  /** Registered name. */
  name: BackendName;
  /** Priority: higher is tried first by `'auto'`; below 0 is never tried by `'auto'`. */
  priority: number;
  /** The tfjs backend it runs on, once loaded (the same as `name` unless the loader said otherwise). */
  tfjsBackend?: string;
  /** `'registered'` (never tried), `'initializing'`, `'ready'` or `'failed'`. */
  state: BackendState;
  /** Why it failed, when `state` is `'failed'`. */
  reason?: string;
}
