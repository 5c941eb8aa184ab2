/**
 * Canonical JSON: one string per value whatever the order of its object keys. It keys the
 * embedding cache (encoder id + config) and, in the trainer, the config hash of a run.
 */

/** JSON with object keys sorted at every level, so equal configs give equal strings. */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== "object") return JSON.stringify(v) ?? "null";
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(",")}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
    .join(",")}}`;
}
