/** Lazy loading of optional peer dependencies, with an error that names the package to install. */
import { ConfigError } from "@implicitrm/core/errors";

/** Whether `e` is Node's "cannot find package/module" error for `specifier` (not an error inside it). */
export function isModuleNotFound(e: unknown, specifier: string): boolean {
  const err = e as { code?: string; message?: string } | null;
  if (!err || (err.code !== "ERR_MODULE_NOT_FOUND" && err.code !== "MODULE_NOT_FOUND")) return false;
  return typeof err.message === "string" && err.message.includes(`'${specifier}'`);
}

/**
 * Imports `specifier` (an optional peer dependency) on first use. When it is not installed, rejects
 * with a ConfigError saying which package `feature` needs and how to install it; any other failure
 * (a broken install, a native library that does not load) is rethrown with the package named.
 */
export async function importOptional<T>(specifier: string, feature: string, version: string): Promise<T> {
  try {
    return (await import(specifier)) as T;
  } catch (e) {
    if (isModuleNotFound(e, specifier)) {
      throw new ConfigError(
        `${feature} needs the optional peer dependency ${specifier} (${version}), which is not installed: ` +
          `run \`npm install ${specifier}\` (or \`pnpm add ${specifier}\`) next to @implicitrm/encoders`,
        { cause: e },
      );
    }
    throw new ConfigError(`${feature}: ${specifier} is installed but failed to load: ${(e as Error).message}`, { cause: e });
  }
}
