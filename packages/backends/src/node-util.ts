/** Small environment helpers shared by the loaders. */
import { BackendMissingError } from "./registry.js";

/** True when running under Node (or a runtime that presents itself as Node). */
export function isNode(): boolean {
  const proc = (globalThis as { process?: { versions?: { node?: unknown } } }).process;
  return typeof proc?.versions?.node === "string";
}

/**
 * Imports a Node built-in through a variable, so that browser bundlers leave it alone. Only call
 * it under Node.
 */
export async function nodeImport<T>(specifier: string): Promise<T> {
  return (await import(/* @vite-ignore */ /* webpackIgnore: true */ specifier)) as T;
}

/** True when a failed `import()` failed because the package itself is not installed. */
export function isNotFound(err: unknown, pkg: string): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  const message = err instanceof Error ? err.message : String(err);
  if (code !== "ERR_MODULE_NOT_FOUND" && code !== "MODULE_NOT_FOUND" && !/Cannot find (module|package)/.test(message)) return false;
  // A missing dependency *of* the package is a broken install, not a missing package.
  return message.includes(`'${pkg}'`) || message.includes(`"${pkg}"`) || message.includes(`${pkg}/`) || !message.includes("imported from");
}

/**
 * Re-throws a failed dynamic import of `pkg`: a {@link BackendMissingError} naming the install
 * command (plus `installNote`) when the package is not installed, else a plain Error with the cause.
 */
export function importFailure(pkg: string, version: string, err: unknown, installNote = ""): Error {
  if (isNotFound(err, pkg)) {
    return new BackendMissingError(pkg, `package ${pkg} is not installed; install it with \`npm i ${pkg}@${version}\`${installNote}`, { cause: err });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new Error(`importing ${pkg} failed: ${message}`, { cause: err });
}

/** The module's named exports, whether Node's CommonJS interop put them on `default` or not. */
export function interop<T extends object>(mod: T, key: string): T {
  if (key in mod) return mod;
  const d = (mod as { default?: unknown }).default;
  return (typeof d === "object" && d !== null && key in d ? d : mod) as T;
}
