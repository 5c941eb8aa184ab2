/**
 * A small compute-backend registry, modelled on onnxruntime-web's `js/common` backend registry
 * (`registerBackend(name, backend, priority)`, `resolveBackend(hints)` with init-once, fall-through
 * and one aggregated error) and on tfjs's priority registry.
 *
 * A backend is registered as a name, a lazy `loader` (typically a dynamic `import()` of the tfjs
 * backend package, which registers itself with tfjs-core) and a priority. Resolution walks the
 * candidates in order, initialises each at most once (the promise is cached, failures included),
 * makes the first one that starts the active tfjs backend and reports why the others did not.
 *
 * The toolkit's one registry style (an instance with register, unregister and resolve, plus a
 * default instance): the entries are held in core's `Registry`; what is backend-specific here is
 * the priority order, the lifecycle states and init-once.
 */
import { ImplicitRMError, MissingDependencyError } from "@implicitrm/core/errors";
import { Registry } from "@implicitrm/core/registry";
import * as tf from "@tensorflow/tfjs-core";
import type { BackendActivation, BackendFailure, BackendInfo, BackendLoader, BackendName, BackendState, ResolvedBackend } from "./backend.js";

/**
 * A backend could not be registered or resolved. `failures` lists every candidate that was tried
 * and why it failed (one entry per candidate, in the order tried); the message repeats them, names
 * the known backends and says what to do.
 */
export class BackendError extends ImplicitRMError {
  /** Every candidate that failed, in the order tried (empty for registration errors). */
  readonly failures: readonly BackendFailure[];
  /**
   * @param message full human-readable message
   * @param failures the candidates that failed, in the order tried
   * @param options `cause`: the underlying error(s)
   */
  constructor(message: string, failures: readonly BackendFailure[] = [], options?: { cause?: unknown }) {
    super("E_BACKEND", message, options);
    this.failures = failures;
  }
}

interface Entry {
  name: string;
  loader: BackendLoader;
  priority: number;
  /** Registration order, the tie-break among equal priorities. */
  order: number;
  /** The cached initialisation (loader + tfjs instantiation); settles once. */
  init?: Promise<void>;
  /** What the loader returned. */
  activation?: BackendActivation;
  state: BackendState;
  failure?: BackendFailure;
}

/**
 * A registry of compute backends. Most code uses the process-wide instance through the module-level
 * {@link registerBackend}, {@link resolveBackend} and {@link listBackends}; a separate
 * instance is useful in tests. Note that tfjs-core's own backend state is global either way.
 */
export class BackendRegistry {
  private readonly entries = new Registry<Entry>("backend");
  private registrations = 0;
  /** The entry this registry last activated. */
  private active: Entry | undefined;

  /**
   * Registers `loader` under `name` with `priority` (higher is tried first by `'auto'`; a negative
   * priority keeps the backend out of `'auto'` but it can still be asked for by name). As in
   * onnxruntime-web: registering a name again with a lower priority is ignored, with a higher
   * priority replaces the earlier registration (and its cached state), and with the same priority
   * but a different loader is an error.
   *
   * @throws BackendError when the name is empty, the priority is not a finite number, or the same
   *   name and priority are registered with a different loader.
   */
  register(name: BackendName, loader: BackendLoader, priority: number): void {
    if (typeof name !== "string" || name.trim() === "" || name === "auto") {
      throw new BackendError(
        `registerBackend: invalid backend name ${JSON.stringify(name)}; use a non-empty name other than 'auto'.`,
      );
    }
    if (typeof loader !== "function") {
      throw new BackendError(`registerBackend('${name}'): the loader must be a function returning a promise.`);
    }
    if (typeof priority !== "number" || !Number.isFinite(priority)) {
      throw new BackendError(`registerBackend('${name}'): priority must be a finite number, got ${String(priority)}.`);
    }
    const existing = this.entries.has(name) ? this.entries.resolve(name) : undefined;
    if (existing !== undefined) {
      if (existing.priority > priority) return;
      if (existing.priority === priority) {
        if (existing.loader === loader) return;
        throw new BackendError(
          `registerBackend('${name}'): a different loader is already registered with priority ${priority}; ` +
            "register with a higher priority to replace it.",
        );
      }
    }
    this.entries.register(name, { name, loader, priority, order: this.registrations++, state: "registered" }, { replace: true });
  }

  /**
   * Removes the backend registered under `name`, with its cached initialisation: a later
   * {@link register} of the name starts afresh, and {@link resolve} no longer knows it. tfjs's own
   * state is left alone: when it is the active backend it stays active (and {@link activeName}
   * keeps naming it) until the next successful {@link resolve} switches away and calls its
   * `deactivate` hook.
   *
   * @returns the removed backend's row as {@link list} gave it, or undefined when none was
   *   registered under `name`.
   */
  unregister(name: BackendName): BackendInfo | undefined {
    const entry = this.entries.unregister(name);
    return entry === undefined ? undefined : info(entry);
  }

  /**
   * Names of the registered backends, highest priority first (ties in registration order),
   * including those with a negative priority.
   */
  names(): BackendName[] {
    return this.sorted().map((e) => e.name);
  }

  /** The backend the last successful {@link resolve} made active, if any. */
  get activeName(): BackendName | undefined {
    return this.active?.name;
  }

  /** Every registered backend with its priority and state, highest priority first. */
  list(): BackendInfo[] {
    return this.sorted().map(info);
  }

  /**
   * Makes the first candidate that starts the active tfjs backend and returns its name, with a
   * one-line `notice` when earlier candidates failed. `hints` is one name, an ordered list of names,
   * or `'auto'` (every backend with priority ≥ 0, highest first; `'auto'` inside a list expands in
   * place). Each backend is initialised at most once: its loader runs, then the tfjs backend it
   * registered is instantiated; both outcomes are cached, so a backend that failed once is not
   * retried. For the chosen backend it then calls `tf.setBackend(name)` and `await tf.ready()`.
   *
   * @throws BackendError listing every candidate and why it failed (unknown names included, with
   *   the known names) when none starts.
   */
  async resolve(hints: BackendName | readonly BackendName[] | "auto"): Promise<ResolvedBackend> {
    const candidates = this.candidates(hints);
    const failures: BackendFailure[] = [];
    for (const name of candidates) {
      const entry = this.entries.has(name) ? this.entries.resolve(name) : undefined;
      if (entry === undefined) {
        failures.push({ name, reason: `unknown backend (known: ${this.knownList()})` });
        continue;
      }
      try {
        await this.initialise(entry);
        await activate(entry.activation?.tfjsBackend ?? name);
      } catch (err) {
        failures.push(entry.failure ?? { name, reason: describeError(err), cause: err });
        continue;
      }
      if (this.active !== entry) {
        this.active?.activation?.deactivate?.();
        this.active = entry;
      }
      entry.activation?.activate?.();
      const resolved: ResolvedBackend = { name };
      // Under 'auto', a backend whose optional package is not installed is passed over silently.
      const worthSaying = hints === "auto" ? failures.filter((f) => !f.missing) : failures;
      if (worthSaying.length > 0) resolved.notice = formatNotice(worthSaying, name);
      return resolved;
    }
    throw aggregate(hints, candidates, failures, this.knownList());
  }

  private candidates(hints: BackendName | readonly BackendName[] | "auto"): string[] {
    const auto = () =>
      this.sorted()
        .filter((e) => e.priority >= 0)
        .map((e) => e.name);
    const list: readonly unknown[] = hints === "auto" ? auto() : Array.isArray(hints) ? hints : [hints];
    const out: string[] = [];
    for (const hint of list) {
      if (typeof hint !== "string" || hint === "") {
        throw new BackendError(
          `resolveBackend: backend names must be non-empty strings, got ${JSON.stringify(hint)}; ` +
            `known backends: ${this.knownList()}.`,
        );
      }
      for (const name of hint === "auto" ? auto() : [hint]) if (!out.includes(name)) out.push(name);
    }
    if (out.length === 0) {
      throw new BackendError(
        `resolveBackend: no candidate backends to try (${hints === "auto" ? "none registered with priority >= 0" : "empty list"}); ` +
          `known backends: ${this.knownList()}.`,
      );
    }
    return out;
  }

  private initialise(entry: Entry): Promise<void> {
    if (entry.init === undefined) {
      entry.state = "initializing";
      entry.init = Promise.resolve()
        .then(() => entry.loader())
        .then((activation) => {
          if (activation) entry.activation = activation;
          return instantiate(activation?.tfjsBackend ?? entry.name);
        })
        .then(
          () => {
            entry.state = "ready";
          },
          (err: unknown) => {
            entry.state = "failed";
            entry.failure = { name: entry.name, reason: describeError(err), cause: err };
            // Not installed (or impossible in this runtime) rather than failed to start.
            if (err instanceof MissingDependencyError && !err.installed) entry.failure.missing = true;
            throw err;
          },
        );
    }
    return entry.init;
  }

  private sorted(): Entry[] {
    return this.entries
      .names()
      .map((n) => this.entries.resolve(n))
      .sort((a, b) => b.priority - a.priority || a.order - b.order);
  }

  private knownList(): string {
    const names = this.names();
    return names.length > 0 ? names.join(", ") : "none registered";
  }
}

/** One row of {@link BackendRegistry.list}. */
function info(e: Entry): BackendInfo {
  const row: BackendInfo = { name: e.name, priority: e.priority, state: e.state };
  if (e.activation?.tfjsBackend !== undefined) row.tfjsBackend = e.activation.tfjsBackend;
  if (e.failure !== undefined) row.reason = e.failure.reason;
  return row;
}

/**
 * Instantiates the tfjs backend `name` through its registered factory, so that a failure surfaces
 * as an error with its real reason (tfjs's own `setBackend` only logs a warning and returns false),
 * then hands the instance back to tfjs under the same name and priority. Does nothing when tfjs
 * already holds an instance.
 */
async function instantiate(name: string): Promise<void> {
  const engine = tf.engine();
  if (engine.registry[name] !== undefined) return;
  const registration = engine.registryFactory[name];
  if (registration === undefined) {
    throw new Error(`its loader finished but no tfjs backend named '${name}' was registered with tfjs-core`);
  }
  const instance = await registration.factory();
  if (engine.registry[name] !== undefined) {
    // tfjs initialised it meanwhile (e.g. a concurrent tf.ready()); keep tfjs's instance.
    if (instance !== engine.registry[name]) instance.dispose();
    return;
  }
  tf.removeBackend(name);
  tf.registerBackend(name, () => instance, registration.priority);
}

/** Makes `name` the active tfjs backend and waits until it is ready. */
async function activate(name: string): Promise<void> {
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`tf.setBackend('${name}') returned false (tfjs could not initialise it)`);
  await tf.ready();
  const active = tf.getBackend();
  if (active !== name) throw new Error(`tf.setBackend('${name}') succeeded but the active backend is '${active}'`);
}

/** One-line reason for an error, whatever was thrown. */
function describeError(err: unknown): string {
  let text: string;
  if (err instanceof Error) text = err.message || err.name;
  else if (typeof err === "object" && err !== null && typeof (err as { message?: unknown }).message === "string") {
    text = (err as { message: string }).message;
  } else text = String(err);
  text = text.replace(/\s+/g, " ").trim();
  return text === "" ? "failed without a message" : text;
}

function formatNotice(failures: readonly BackendFailure[], chosen: string): string {
  const parts = failures.map((f) => `${f.name} (${f.reason})`).join("; ");
  const verb = failures.length === 1 ? "backend" : "backends";
  return `ImplicitRM: ${verb} ${parts} could not start; using ${chosen} instead.`;
}

function aggregate(
  hints: BackendName | readonly BackendName[] | "auto",
  candidates: readonly string[],
  failures: readonly BackendFailure[],
  known: string,
): BackendError {
  const asked =
    hints === "auto" ? "'auto'" : Array.isArray(hints) ? `[${hints.map((h) => `'${h}'`).join(", ")}]` : `'${hints}'`;
  const lines = failures.map((f) => `  - ${f.name}: ${f.reason}`);
  const message =
    `No compute backend could be started for ${asked} (tried ${candidates.join(", ")}):\n${lines.join("\n")}\n` +
    `Known backends: ${known}. Install or fix the backend named above, or ask for another one ` +
    "(e.g. 'cpu', which needs no native code).";
  const causes = failures.filter((f) => f.cause !== undefined).map((f) => f.cause);
  const cause = causes.length === 1 ? causes[0] : causes.length > 1 ? new AggregateError(causes) : undefined;
  return new BackendError(message, failures, cause === undefined ? undefined : { cause });
}

/** The process-wide registry that the module-level functions and `initBackend` use. */
export const defaultRegistry: BackendRegistry = new BackendRegistry();

/**
 * Registers a backend in the process-wide registry: `name`, a lazy `loader` and a `priority`
 * (higher is tried first by `'auto'`; negative keeps it out of `'auto'`). See
 * {@link BackendRegistry.register} for re-registration rules.
 *
 * @throws BackendError on an invalid name/priority or a conflicting registration.
 */
export function registerBackend(name: BackendName, loader: BackendLoader, priority: number): void {
  defaultRegistry.register(name, loader, priority);
}

/**
 * Removes a backend from the process-wide registry (see {@link BackendRegistry.unregister}).
 *
 * @returns the removed backend's row, or undefined when none was registered under `name`.
 */
export function unregisterBackend(name: BackendName): BackendInfo | undefined {
  return defaultRegistry.unregister(name);
}

/**
 * Resolves `hints` (a name, an ordered list of names, or `'auto'`) against the process-wide
 * registry: initialises candidates once each, falls through on failure, activates the first that
 * starts with `tf.setBackend` + `tf.ready()` and returns `{name, notice?}`. See
 * {@link BackendRegistry.resolve}.
 *
 * @throws BackendError listing why every candidate failed.
 */
export function resolveBackend(hints: BackendName | readonly BackendName[] | "auto"): Promise<ResolvedBackend> {
  return defaultRegistry.resolve(hints);
}

/**
 * The backend that {@link resolveBackend} (or `initBackend`) last made active, by its registered
 * name (`'onnxruntime'` even though tfjs reports `'wasm'`); undefined before the first.
 */
export function activeBackend(): BackendName | undefined {
  return defaultRegistry.activeName;
}

/**
 * The backends in the process-wide registry (`'wasm'` and `'cpu'` once the package entry point is
 * imported, plus any registered later), highest priority first, each with its priority and state:
 * `'registered'` (not tried yet), `'initializing'`, `'ready'`, or `'failed'` with the reason.
 */
export function listBackends(): BackendInfo[] {
  return defaultRegistry.list();
}
