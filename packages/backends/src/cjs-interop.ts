/**
 * CommonJS interop for dynamically imported backend packages: under Node, `import()` of a CommonJS
 * package may put its named exports only on `default`.
 */

/** The module's named exports, whether Node's CommonJS interop put them on `default` or not. */
export function interop<T extends object>(mod: T, key: string): T {
  if (key in mod) return mod;
  const d = (mod as { default?: unknown }).default;
  return (typeof d === "object" && d !== null && key in d ? d : mod) as T;
}
