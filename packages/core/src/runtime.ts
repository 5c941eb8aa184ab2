/**
 * What runtime this is and how optional packages are loaded: the one copy of each helper, used by
 * backends and encoders alike. No tfjs, no Node built-in at module level (browser-safe).
 */
import { MissingDependencyError } from "./errors.js";

/** True when running under Node (or a runtime that presents itself as Node). */
export function isNode(): boolean {
  const proc = (globalThis as { process?: { versions?: { node?: unknown } } }).process;
  return typeof proc?.versions?.node === "string";
}

/**
 * Imports a module through a variable, so that browser bundlers leave it alone (Node built-ins,
 * Node-only optional packages). Only call it where that module can exist.
 */
export async function dynamicImport<T>(specifier: string): Promise<T> {
  return (await import(/* @vite-ignore */ /* webpackIgnore: true */ specifier)) as T;
}

/**
 * True when a failed `import()` failed because `pkg` itself is not installed; a missing dependency
 * *of* the package is a broken install, not a missing package.
 */
export function isModuleNotFound(err: unknown, pkg: string): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  const message = err instanceof Error ? err.message : String(err);
  if (code !== "ERR_MODULE_NOT_FOUND" && code !== "MODULE_NOT_FOUND" && !/Cannot find (module|package)/.test(message)) return false;
  const named = [`'${pkg}'`, `"${pkg}"`, `'${pkg}/`, `"${pkg}/`].some((q) => message.includes(q));
  return named || !message.includes("imported from");
}

/** What an optional package is for, named in the error when it is missing. */
export interface OptionalPackage {
  /** The npm package (the import specifier's package part). */
  name: string;
  /** The version range to install. */
  version: string;
  /** What needs it, e.g. "the transformer encoder" or "backend onnxruntime". */
  feature: string;
  /** Appended to the install hint (e.g. what the package's install downloads). */
  note?: string;
}

/**
 * The error for a failed dynamic import of an optional package: a {@link MissingDependencyError}
 * naming the install command when the package is not installed, else a MissingDependencyError that
 * says the package is installed but failed to load (a broken install, a native library missing),
 * with the cause kept.
 */
export function optionalImportError(pkg: OptionalPackage, err: unknown): MissingDependencyError {
  if (isModuleNotFound(err, pkg.name)) {
    return new MissingDependencyError(
      pkg.name,
      `${pkg.feature} needs the optional package ${pkg.name} (${pkg.version}), which is not installed: ` +
        `run \`npm install ${pkg.name}@${pkg.version}\`${pkg.note ?? ""}`,
      { cause: err, installed: false },
    );
  }
  const message = err instanceof Error ? err.message : String(err);
  return new MissingDependencyError(pkg.name, `${pkg.feature}: ${pkg.name} is installed but failed to load: ${message}`, {
    cause: err,
    installed: true,
  });
}

/** Imports `specifier` (an optional package, or a file of one) on first use; see {@link optionalImportError}. */
export async function importOptional<T>(specifier: string, pkg: OptionalPackage): Promise<T> {
  try {
    return await dynamicImport<T>(specifier);
  } catch (e) {
    throw optionalImportError(pkg, e);
  }
}
