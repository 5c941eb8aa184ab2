/**
 * Building an encoder: from a short spec string (what `--encoder` takes), or from the description
 * a model directory records (spec, id, dim, config), rebuilt with the recorded options and checked
 * against that description, so a scorer encodes text exactly as the training run did.
 */
import { ConfigError } from "@implicitrm/core/errors";
import type { Encoder } from "./encoder.js";
import { type EncoderIdentity, PRECOMPUTED_SPEC, checkEncoderMatches, encoderSpecOf } from "./identity.js";
import { HashingEncoder, type HashingEncoderOptions } from "./hashing.js";
import { StaticEncoder, type StaticEncoderOptions } from "./static.js";
import type { Pooling, TransformerEncoderOptions } from "./transformer/options.js";
import { TransformerEncoder } from "./transformer/transformer-encoder.js";

/** Options per encoder kind for {@link createEncoder}. */
export interface CreateEncoderOptions {
  hashing?: HashingEncoderOptions;
  static?: StaticEncoderOptions;
  transformer?: Omit<TransformerEncoderOptions, "model">;
}

/**
 * Builds an encoder from a spec string, the form a command line takes:
 * `hashing` or `hashing:<dim>` (default dim 1024), `static:<word-vector file>` (.txt, .gz or .zip),
 * `transformer:<model directory or hub id>`. Kind-specific options come from `opts`. Rejects with a
 * ConfigError naming the accepted forms for anything else.
 */
export async function createEncoder(spec: string, opts: CreateEncoderOptions = {}): Promise<Encoder> {
  const i = spec.indexOf(":");
  const kind = i < 0 ? spec : spec.slice(0, i);
  const arg = i < 0 ? "" : spec.slice(i + 1);
  switch (kind) {
    case "hashing": {
      if (arg !== "" && !/^\d+$/.test(arg)) throw new ConfigError(`encoder spec ${JSON.stringify(spec)}: hashing:<dim> needs an integer dim`);
      return new HashingEncoder({ ...opts.hashing, ...(arg ? { dim: Number(arg) } : {}) });
    }
    case "static":
      if (!arg) throw new ConfigError(`encoder spec ${JSON.stringify(spec)}: use static:<path to a word-vector file>`);
      return StaticEncoder.fromFile(arg, opts.static);
    case PRECOMPUTED_SPEC:
      throw new ConfigError(
        "the model was trained on precomputed features (synthetic data or a features file), not on text an encoder of this package made: score feature vectors (scoreFeatures), or pass the encoder that made them",
      );
    case "transformer":
      if (!arg) throw new ConfigError(`encoder spec ${JSON.stringify(spec)}: use transformer:<model directory or hub id>`);
      return TransformerEncoder.load({ ...opts.transformer, model: arg });
    default:
      throw new ConfigError(
        `unknown encoder ${JSON.stringify(spec)}: use hashing[:<dim>], static:<word-vector file> or transformer:<model directory or hub id>`,
      );
  }
}


const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

/**
 * The {@link createEncoder} options that reproduce a recorded config (hashing n-grams, weights,
 * seed...; static lower-casing; a transformer's pooling, normalisation, maximum length, template,
 * dtype, revision). Unknown configs give no options.
 */
export function encoderOptionsFromConfig(config: Readonly<Record<string, unknown>> | undefined): CreateEncoderOptions {
  const c = (config ?? {}) as Record<string, unknown>;
  if (c.algorithm === "fnv1a-fmix32-signed/v1") {
    const h: HashingEncoderOptions = {};
    if (c.wordNgrams !== undefined) h.wordNgrams = c.wordNgrams as [number, number] | null;
    if (c.charNgrams !== undefined) h.charNgrams = c.charNgrams as [number, number] | null;
    if (c.weights !== undefined) h.weights = c.weights as { words?: number; chars?: number };
    if (typeof c.sublinearTf === "boolean") h.sublinearTf = c.sublinearTf;
    if (typeof c.lowercase === "boolean") h.lowercase = c.lowercase;
    if (num(c.seed) !== undefined) h.seed = c.seed as number;
    return { hashing: h };
  }
  if (c.algorithm === "mean-word-vectors/v1") {
    const s: StaticEncoderOptions = {};
    if (typeof c.lowercase === "boolean") s.lowercase = c.lowercase;
    if (typeof c.normalize === "boolean") s.normalize = c.normalize;
    return { static: s };
  }
  if (c.encoder === "transformers.js/v1") {
    const t: Omit<TransformerEncoderOptions, "model"> = {};
    const m = (c.model ?? {}) as Record<string, unknown>;
    if (str(m.revision)) t.revision = m.revision as string;
    if (str(c.pooling)) t.pooling = c.pooling as Pooling;
    if (typeof c.normalize === "boolean") t.normalize = c.normalize;
    if (num(c.maxLength) !== undefined) t.maxLength = c.maxLength as number;
    if (c.truncation === "left" || c.truncation === "right") t.truncation = c.truncation;
    if (c.template === "chat" || c.template === "plain") t.template = c.template;
    if (str(c.dtype)) t.dtype = c.dtype as TransformerEncoderOptions["dtype"];
    if (str(c.modelFileName)) t.modelFileName = c.modelFileName as string;
    return { transformer: t };
  }
  return {};
}

/**
 * Rebuilds the encoder a record describes: {@link createEncoder} on its spec (or the spec derived
 * from its config, {@link encoderSpecOf}) with the options its config records
 * ({@link encoderOptionsFromConfig}; `opts` given here win, e.g. a transformer's `localModelPath`),
 * then {@link checkEncoderMatches}. Rejects with a ConfigError when no spec can be known or the
 * built encoder differs from the record.
 */
export async function createEncoderFromRecord(expected: EncoderIdentity, opts: CreateEncoderOptions = {}): Promise<Encoder> {
  const spec = encoderSpecOf(expected);
  if (!spec) {
    throw new ConfigError(`cannot rebuild encoder ${expected.id}: the record has no spec (static vectors need their file); build the encoder yourself and pass it in`);
  }
  const fromConfig = encoderOptionsFromConfig(expected.config);
  const merged: CreateEncoderOptions = {
    ...(fromConfig.hashing || opts.hashing ? { hashing: { ...fromConfig.hashing, ...opts.hashing } } : {}),
    ...(fromConfig.static || opts.static ? { static: { ...fromConfig.static, ...opts.static } } : {}),
    ...(fromConfig.transformer || opts.transformer ? { transformer: { ...fromConfig.transformer, ...opts.transformer } } : {}),
  };
  const encoder = await createEncoder(spec, merged);
  try {
    checkEncoderMatches(encoder, expected);
  } catch (e) {
    await encoder.dispose?.();
    throw e;
  }
  return encoder;
}
