/**
 * The one registry style of the toolkit (objectives, MLP kernels, backends): an instance with
 * register, unregister and resolve, plus a default instance per kind in the module that owns the
 * kind. Modelled on onnxruntime-web's js/common backend registry and tfjs-core's kernel registry
 * (which can unregister, so tests and plug-ins can put things back). No tfjs, no I/O.
 */
import { ConfigError } from "./errors.js";

/** Named entries of one kind. `what` names the kind in errors ("objective", "MLP kernel", ...). */
export class Registry<T> {
  readonly #entries = new Map<string, T>();
  readonly #check: ((name: string, entry: T) => void) | undefined;

  /**
   * @param what the kind's name in errors
   * @param options.check validates an entry before it is added (throws to refuse it, e.g. a
   *   ConfigError saying which contract it breaks); runs after the duplicate-name check
   */
  constructor(
    readonly what: string,
    options: { check?: (name: string, entry: T) => void } = {},
  ) {
    this.#check = options.check;
  }

  /**
   * Adds `entry` under `name`. A name may be registered once: registering it again is a
   * ConfigError unless `options.replace` is set (then the old entry is returned).
   */
  register(name: string, entry: T, options: { replace?: boolean } = {}): T | undefined {
    if (typeof name !== "string" || name.length === 0) throw new ConfigError(`a ${this.what} needs a non-empty name`);
    const previous = this.#entries.get(name);
    if (previous !== undefined && !options.replace) throw new ConfigError(`${this.what} "${name}" is already registered`);
    this.#check?.(name, entry);
    this.#entries.set(name, entry);
    return previous;
  }

  /** Removes `name`; returns the entry it held, or undefined when nothing was registered under it. */
  unregister(name: string): T | undefined {
    const entry = this.#entries.get(name);
    this.#entries.delete(name);
    return entry;
  }

  /** The entry under `name`; a ConfigError listing the registered names when there is none. */
  resolve(name: string): T {
    const entry = this.#entries.get(name);
    if (entry === undefined) {
      const known = this.names();
      throw new ConfigError(`unknown ${this.what} "${name}": ${known.length ? `choose one of ${known.join(", ")}` : `no ${this.what} is registered`}`);
    }
    return entry;
  }

  /** Whether `name` is registered. */
  has(name: string): boolean {
    return this.#entries.has(name);
  }

  /** Registered names, in registration order. */
  names(): string[] {
    return [...this.#entries.keys()];
  }
}
