/**
 * One entry for rated data held in memory: pick the adapter (explicit, generic fields, or detected
 * from the first record) and run it over the records of one or more inputs. Browser-safe; the file and
 * Hugging Face loaders (node/io.ts, node/hf.ts) call it.
 */
import { ConfigError } from "@implicitrm/core/errors";
import type { AdapterInternals, CommonAdapterOptions } from "./adapters/common.js";
import { adaptGeneric } from "./adapters/generic.js";
import { adaptHelpSteer, HELPSTEER_ATTRIBUTES } from "./adapters/helpsteer.js";
import { adaptHhRlhf } from "./adapters/hh.js";
import { adaptNormalized, KNOWN_NORMALIZED_RATINGS } from "./adapters/normalized.js";
import { adaptPkuSafeRlhf, PKU_RATINGS } from "./adapters/pku.js";
import { adaptUltraFeedback, adaptUltraFeedbackBinarized, ULTRAFEEDBACK_RATINGS } from "./adapters/ultrafeedback.js";
import { BadRows } from "./bad-rows.js";
import { detectFormat } from "./detect.js";
import { type FileFormat, type SourceRecord, readRecordsInto } from "./readers/records.js";
import type { AdapterName, RatedDataset, RatingDirection } from "./types.js";

/** Options of {@link parseRatedDataset} and `loadRatedDataset`: the union of every adapter's options. */
export interface RatedLoadOptions extends CommonAdapterOptions {
  /** The adapter to use; wins over detection. Default: generic when a generic field option is given, else detected. */
  adapter?: AdapterName;
  /** File format; default from the extension, else sniffed from the content. */
  format?: FileFormat;
  /** The rating to read, in the adapter's vocabulary (see RATED_ADAPTERS[adapter].ratingFields). */
  ratingField?: string;
  /** Required where the adapter declares none (generic, unknown normalised keys, HelpSteer complexity/verbosity). */
  direction?: RatingDirection;
  /** Declared rating range for the generic reader and unknown normalised keys. */
  scale?: { min: number; max: number };
  /** Generic reader fields (giving any of them selects the generic reader when `adapter` is not set). */
  promptField?: string;
  responseField?: string;
  idField?: string;
  groupField?: string;
}

/** One input of {@link parseRatedDataset}: content plus the file name used for messages and the format guess. */
export interface RatedInput {
  file: string;
  data: string | Uint8Array | ArrayBuffer;
}

/** What each adapter reads: its rating fields (first is the default) and their declared scales. */
export interface AdapterInfo {
  description: string;
  /** Accepted `ratingField` values, the first being the default; `"any"` for generic/normalised. */
  ratingFields: readonly string[] | "any";
}

/** The adapters of {@link parseRatedDataset}/`loadRatedDataset`, for CLI help and docs. */
export const RATED_ADAPTERS: Readonly<Record<AdapterName, AdapterInfo>> = {
  normalized: {
    description: `normalised JSONL {id, prompt, response, ratings, meta.prompt_id}; declared: ${Object.entries(KNOWN_NORMALIZED_RATINGS)
      .map(([k, s]) => `${k} ${s.min}–${s.max} ${s.direction}`)
      .join(", ")}; other keys need direction`,
    ratingFields: "any",
  },
  helpsteer: {
    description: "nvidia/HelpSteer: attributes 0–4 (helpfulness, correctness, coherence higher-better; complexity, verbosity need direction)",
    ratingFields: HELPSTEER_ATTRIBUTES,
  },
  helpsteer2: { description: "nvidia/HelpSteer2: as helpsteer", ratingFields: HELPSTEER_ATTRIBUTES },
  ultrafeedback: {
    description: "openbmb/UltraFeedback: 4 completions per instruction; overall_score 1–10, fine-grained_score and aspects 1–5, higher-better",
    ratingFields: ULTRAFEEDBACK_RATINGS,
  },
  "ultrafeedback-binarized": {
    description: "ultrafeedback_binarized: chosen/rejected with score_chosen/score_rejected 1–10, higher-better",
    ratingFields: ["score"],
  },
  "pku-saferlhf": {
    description: "PKU-SafeRLHF: severity_level 0–3 lower-better (default) or is_safe 0/1 higher-better, two responses per record",
    ratingFields: PKU_RATINGS,
  },
  "hh-rlhf": {
    description: "Anthropic/hh-rlhf: chosen/rejected transcripts → rating 1/0 with a shared promptId per pair",
    ratingFields: ["preferred"],
  },
  generic: {
    description: "any JSONL/JSON/CSV/TSV/Parquet table: promptField, responseField, ratingField, direction (scale, idField, groupField optional)",
    ratingFields: "any",
  },
};

const GENERIC_ONLY = ["promptField", "responseField", "idField", "groupField"] as const;

/**
 * Parses one or more inputs (text or bytes, gzip allowed: JSONL, JSON array, CSV/TSV, Parquet) into a
 * RatedDataset. The adapter is `opts.adapter` when given; else `generic` when any of promptField,
 * responseField, idField, groupField is given; else detected from the first record
 * ({@link detectFormat}). ConfigError when the layout is not recognised (naming the fields seen) or is
 * an implicit-feedback log, and when they hold no record at all (empty, or
 * every row skipped) and no adapter is given (naming the file(s)). Bad rows from reading and adapting share one
 * `onBadRow` policy and one `skipped` count.
 */
export async function parseRatedDataset(
  input: string | Uint8Array | ArrayBuffer | readonly RatedInput[],
  opts: RatedLoadOptions = {},
): Promise<RatedDataset> {
  const inputs: readonly RatedInput[] =
    typeof input === "string" || input instanceof Uint8Array || input instanceof ArrayBuffer
      ? [{ file: opts.source ?? "<input>", data: input }]
      : input;
  const bad = new BadRows(opts.onBadRow);
  const records: SourceRecord[] = [];
  for (const inp of inputs) {
    const got = await readRecordsInto(inp.data, inp.file, opts.format, bad);
    for (const r of got.records) records.push(r);
  }
  if (records.length === 0 && opts.adapter === undefined && !GENERIC_ONLY.some((k) => opts[k] !== undefined)) {
    // name the input(s) and say why there is nothing to detect, rather than only asking for an adapter
    const files = inputs.map((i) => i.file);
    const names = files.length <= 3 ? files.join(", ") : `${files[0]} (+${files.length - 1} files)`;
    const skipped = Object.values(bad.skipped).reduce((a, b) => a + (b ?? 0), 0);
    throw new ConfigError(
      skipped > 0
        ? `${names}: every record was skipped as malformed (${skipped}), so none is left to read or to detect the layout from; fix the rows or check the file`
        : `${names}: the ${files.length === 1 ? "file is" : "files are"} empty (no records), so there is nothing to read or to detect the layout from; check that the right file was given`,
    );
  }
  return adaptRecords(records, opts, { bad });
}

/**
 * Runs the chosen adapter over records already read (see {@link parseRatedDataset} for the choice).
 * Exported for callers that build records themselves (`toSourceRecords`).
 */
export function adaptRecords(
  records: readonly SourceRecord[],
  opts: RatedLoadOptions = {},
  internals?: AdapterInternals,
): RatedDataset {
  const adapter = chooseAdapter(records, opts);
  if (adapter !== "generic") {
    const wrong = GENERIC_ONLY.filter((k) => opts[k] !== undefined);
    if (wrong.length > 0) {
      throw new ConfigError(`${wrong.join(", ")} apply to the generic reader only (adapter is ${adapter}); remove them or use adapter 'generic'`);
    }
  }
  switch (adapter) {
    case "normalized":
      return adaptNormalized(records, opts, internals);
    case "helpsteer":
    case "helpsteer2":
      return adaptHelpSteer(records, { ...opts, variant: adapter }, internals);
    case "ultrafeedback":
      return adaptUltraFeedback(records, opts, internals);
    case "ultrafeedback-binarized":
      return adaptUltraFeedbackBinarized(records, opts, internals);
    case "pku-saferlhf":
      return adaptPkuSafeRlhf(records, opts, internals);
    case "hh-rlhf":
      return adaptHhRlhf(records, opts, internals);
    case "generic":
      return adaptGeneric(records, opts, internals);
    default:
      throw new ConfigError(`unknown adapter ${JSON.stringify(adapter)}; use one of ${Object.keys(RATED_ADAPTERS).join(", ")}`);
  }
}

function chooseAdapter(records: readonly SourceRecord[], opts: RatedLoadOptions): AdapterName {
  if (opts.adapter !== undefined) {
    if (!Object.hasOwn(RATED_ADAPTERS, opts.adapter)) {
      throw new ConfigError(`unknown adapter ${JSON.stringify(opts.adapter)}; use one of ${Object.keys(RATED_ADAPTERS).join(", ")}`);
    }
    return opts.adapter;
  }
  if (GENERIC_ONLY.some((k) => opts[k] !== undefined)) return "generic";
  const first = records[0];
  if (first === undefined) {
    throw new ConfigError("the input holds no records, so its layout cannot be detected; pass adapter (--adapter)");
  }
  const found = detectFormat(first.value);
  if (found === "implicit-log") {
    throw new ConfigError(
      `${first.file} is an implicit-feedback log (prompt, response, actions), not rated data: load it with loadImplicitLog / parseImplicitLog`,
    );
  }
  if (found === undefined) {
    const fields = Object.keys(first.value).slice(0, 30).join(", ");
    throw new ConfigError(
      `${first.file}: cannot recognise the layout from the fields (${fields}); pass adapter (${Object.keys(RATED_ADAPTERS).join(", ")}) or the generic fields promptField, responseField, ratingField and direction`,
    );
  }
  return found;
}

/** Hugging Face datasets with a known adapter (and default split), for loading by name. Keys are lower-case. */
export const HF_DATASET_ADAPTERS: Readonly<Record<string, { adapter: AdapterName; split?: string }>> = {
  "nvidia/helpsteer": { adapter: "helpsteer" },
  "nvidia/helpsteer2": { adapter: "helpsteer2" },
  "openbmb/ultrafeedback": { adapter: "ultrafeedback" },
  "huggingfaceh4/ultrafeedback_binarized": { adapter: "ultrafeedback-binarized", split: "train_prefs" },
  "trl-lib/ultrafeedback_binarized": { adapter: "ultrafeedback-binarized" },
  "pku-alignment/pku-saferlhf": { adapter: "pku-saferlhf" },
  "anthropic/hh-rlhf": { adapter: "hh-rlhf" },
};
