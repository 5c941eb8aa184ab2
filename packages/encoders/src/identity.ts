/**
 * An encoder's identity as model records and feature stores keep it (spec, id, dim, config), the
 * full description a model record holds, and the check that an encoder matches a record. Pure
 * TypeScript, browser-safe (`@implicitrm/encoders/identity`).
 */
import { ConfigError } from "@implicitrm/core/errors";
import type { EncoderRecord } from "@implicitrm/core/types";
import { canonicalJson } from "./canonical-json.js";
import type { Encoder } from "./encoder.js";

const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

/**
 * What identifies an encoder's vectors, as a model directory's record.json and a feature store's
 * header hold it: the spec it was built from (when known), its id, dim and config.
 */
export interface EncoderIdentity {
  /** The spec string {@link createEncoder} takes (`hashing:1024`, `transformer:<dir>`, ...), when known. */
  spec?: string;
  id: string;
  dim: number;
  config?: Readonly<Record<string, unknown>>;
}

/** The full description of an encoder that a model record keeps ({@link describeEncoder}): core's EncoderRecord. */
export type EncoderDescription = EncoderRecord;

/**
 * The spec that rebuilds an encoder of this identity: `spec` when recorded, else derived from the
 * config (hashing: `hashing:<dim>`; a transformer: its directory or hub id); undefined when it
 * cannot be known (static vectors need their file's path).
 */
export function encoderSpecOf(e: EncoderIdentity): string | undefined {
  if (e.spec) return e.spec;
  const c = (e.config ?? {}) as Record<string, unknown>;
  if (c.algorithm === "fnv1a-fmix32-signed/v1") return `hashing:${e.dim}`;
  if (c.encoder === "transformers.js/v1") {
    const m = (c.model ?? {}) as Record<string, unknown>;
    const where = str(m.directory) ?? str(m.hub);
    return where ? `transformer:${where}` : undefined;
  }
  return undefined;
}

/** The spec of features that no encoder of this package made (synthetic data, a features file): such a model scores feature vectors. */
export const PRECOMPUTED_SPEC = "precomputed";

/**
 * The full description of an encoder for a model record, from its identity: the spec (given, else
 * {@link encoderSpecOf}; `hashing` becomes `hashing:<dim>`), id, dim, config, the pair template
 * and, for transformer encoders, the file hash or hub revision, pooling and maximum length.
 * Undefined when no spec can be known.
 */
export function encoderRecordOf(e: EncoderIdentity, spec = encoderSpecOf(e)): EncoderDescription | undefined {
  if (!spec) return undefined;
  const config = { ...(e.config ?? {}) } as Record<string, unknown>;
  const model = (config.model ?? {}) as Record<string, unknown>;
  return {
    spec: spec === "hashing" ? `hashing:${e.dim}` : spec,
    id: e.id,
    dim: e.dim,
    config,
    pairTemplate: spec === PRECOMPUTED_SPEC ? "none" : config.template === "chat" ? "chat" : "plain",
    ...(str(model.fingerprint) ? { files: { model: model.fingerprint as string } } : {}),
    ...(str(model.revision) ? { revision: model.revision as string } : {}),
    ...(str(config.pooling) ? { pooling: config.pooling as string } : {}),
    ...(num(config.maxLength) !== undefined ? { maxLength: config.maxLength as number } : {}),
  };
}

/** {@link encoderRecordOf} of an encoder built from `spec` (what a training run records). */
export function describeEncoder(encoder: Encoder, spec: string): EncoderDescription {
  return encoderRecordOf({ id: encoder.id, dim: encoder.dim, ...(encoder.config ? { config: encoder.config } : {}) }, spec)!;
}

/**
 * The record of features that came with the data (synthetic rows, a features file, a store of
 * features): spec `precomputed`, id `precomputed-<dim>`, the data spec in its config. Any encoder of
 * that dim passes {@link checkEncoderMatches} against it: the record cannot know which made them.
 */
export function precomputedEncoderRecord(dim: number, source: string): EncoderDescription {
  return { spec: PRECOMPUTED_SPEC, id: `precomputed-${dim}`, dim, config: { source }, pairTemplate: "none" };
}

/** The first difference between two JSON values, as a path and both values; undefined when equal. */
function firstDifference(a: unknown, b: unknown, path: string): { path: string; a: unknown; b: unknown } | undefined {
  if (canonicalJson(a) === canonicalJson(b)) return undefined;
  if (a && b && typeof a === "object" && typeof b === "object" && !Array.isArray(a) && !Array.isArray(b)) {
    const ao = a as Record<string, unknown>;
    const bo = b as Record<string, unknown>;
    for (const k of [...new Set([...Object.keys(ao), ...Object.keys(bo)])].sort()) {
      const d = firstDifference(ao[k], bo[k], path ? `${path}.${k}` : k);
      if (d) return d;
    }
  }
  return { path, a, b };
}

/**
 * Checks that `encoder` makes the vectors `expected` describes: the same dim, id and config.
 * Throws a ConfigError saying which field differs, e.g. `encoder dim 512 differs from the model's
 * 1024` or `encoder config.seed 1 differs from the model's 0`; `what` names the source of
 * `expected` in the message (default "the model's").
 */
export function checkEncoderMatches(encoder: Encoder, expected: EncoderIdentity, what = "the model's"): void {
  const show = (v: unknown) => (v === undefined ? "(absent)" : typeof v === "string" ? v : JSON.stringify(v));
  if (encoder.dim !== expected.dim) throw new ConfigError(`encoder dim ${encoder.dim} differs from ${what} ${expected.dim}`);
  if (expected.spec === PRECOMPUTED_SPEC) return;
  if (encoder.id !== expected.id) throw new ConfigError(`encoder id ${encoder.id} differs from ${what} ${expected.id}`);
  const d = firstDifference(encoder.config ?? {}, expected.config ?? {}, "");
  if (d) throw new ConfigError(`encoder config${d.path ? `.${d.path}` : ""} ${show(d.a)} differs from ${what} ${show(d.b)}`);
}
