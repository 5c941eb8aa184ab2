/**
 * The command line's flags: strict argv parsing with errors that say what to do, number and list
 * values, and the data flags (and their help) that `implicitrm train` and `implicitrm bench` share.
 */
import { parseArgs } from "node:util";
import { ConfigError } from "@implicitrm/core";
import { DEFAULT_DATA_SETTINGS, DEFAULT_TRAINER_CONFIG, type DataSettings } from "@implicitrm/trainer";

/** The flags a command takes, as `node:util` parseArgs options. */
export type FlagSpec = Record<string, { type: "string" | "boolean"; short?: string; multiple?: boolean }>;

/** The values parsed for a {@link FlagSpec}. */
export type FlagValues<T extends FlagSpec> = { [K in keyof T]?: T[K]["type"] extends "boolean" ? boolean : string };

/** Parses argv strictly: an unknown flag or a missing value is a ConfigError naming the command. */
export function parseFlags<T extends FlagSpec>(command: string, argv: string[], options: T): FlagValues<T> {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values as FlagValues<T>;
  } catch (e) {
    throw new ConfigError(`implicitrm ${command}: ${(e as Error).message.replace(/\. To specify.*$/s, "")}; see \`implicitrm ${command} --help\``);
  }
}

/** Parses a numeric flag, naming the flag when the value is not a number. */
export function numberFlag(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n)) throw new ConfigError(`--${name} must be a number, got "${value}"`);
  return n;
}

/** Parses a comma-separated list flag ("a,b,c"). */
export function listFlag(value: string | undefined): string[] | undefined {
  return value === undefined ? undefined : value.split(",").map((s) => s.trim()).filter((s) => s.length > 0);
}

/**
 * Parses `--seeds`: a count n (the seeds 1..n, as before) or a comma-separated list of integer
 * seeds ("1,7,11", run in that order). A list with one entry ("7,") is that one seed; a repeated
 * seed, a non-integer or a count below 1 is a ConfigError naming the flag.
 */
export function seedsFlag(value: string | undefined, fallback: number): number[] {
  if (value === undefined) return Array.from({ length: fallback }, (_, i) => i + 1);
  if (!value.includes(",")) {
    const n = numberFlag("seeds", value)!;
    if (!Number.isInteger(n) || n < 1) throw new ConfigError(`--seeds must be a positive integer n (seeds 1..n) or a list like 1,7,11, got "${value}"`);
    return Array.from({ length: n }, (_, i) => i + 1);
  }
  const seeds = listFlag(value)!.map((s) => {
    const n = Number(s);
    if (!/^-?\d+$/.test(s) || !Number.isSafeInteger(n)) throw new ConfigError(`--seeds: every seed in a list must be an integer, got "${s}" in "${value}"`);
    return n;
  });
  if (seeds.length === 0) throw new ConfigError(`--seeds: the list "${value}" names no seed`);
  const dup = seeds.find((s, i) => seeds.indexOf(s) !== i);
  if (dup !== undefined) throw new ConfigError(`--seeds: seed ${dup} is listed twice in "${value}"`);
  return seeds;
}

/**
 * A default value as help texts print it, from the code's own defaults (so help cannot drift from
 * them): numbers below 1e-3 in exponent form (5e-4, 1e-6), others as JavaScript writes them; arrays comma-joined;
 * null as "none".
 */
export function showDefault(value: unknown): string {
  if (value === null || value === undefined) return "none";
  if (Array.isArray(value)) return value.map(showDefault).join(",");
  if (typeof value === "number") return value !== 0 && Math.abs(value) < 1e-3 ? value.toExponential() : String(value);
  return String(value);
}

const D = DEFAULT_TRAINER_CONFIG;

/** Help lines of the training flags `implicitrm train` and `implicitrm bench` share, with their defaults. */
export const TRAINING_HELP = `  --epochs <n>           maximum epochs (default ${showDefault(D.epochs)})
  --patience <n>         evaluations without improvement before stopping (default ${showDefault(D.patience)})
  --lr <x>               Adam learning rate (default ${showDefault(D.lr)})
  --batch-size <n>       rows per minibatch (default ${showDefault(D.batchSize)})
  --weight-decay <x>     coupled L2 on every head (default ${showDefault(D.weightDecay)})
  --hidden <a,b>         hidden layer widths (default ${showDefault(D.hidden)})
`;

/** The training flags `implicitrm train` and `implicitrm bench` share ({@link TRAINING_HELP} plus --sampling and --k). */
export const TRAINING_FLAGS = {
  epochs: { type: "string" },
  patience: { type: "string" },
  lr: { type: "string" },
  "batch-size": { type: "string" },
  "weight-decay": { type: "string" },
  hidden: { type: "string" },
  sampling: { type: "string" },
  k: { type: "string" },
} as const;

/** The data flags shared by `implicitrm train` and `implicitrm bench`. */
export const DATA_FLAGS = {
  encoder: { type: "string" },
  "embedding-cache": { type: "string" },
  "rating-field": { type: "string" },
  direction: { type: "string" },
  threshold: { type: "string" },
  "prompt-field": { type: "string" },
  "response-field": { type: "string" },
  "on-bad-row": { type: "string" },
  alpha: { type: "string" },
  "obs-rate": { type: "string" },
  "presentation-share": { type: "string" },
  "presentation-mix": { type: "string" },
  "thumbs-down": { type: "string" },
} as const;

/** Help text of {@link DATA_FLAGS}. */
export const DATA_HELP = `Data options:
  --encoder <spec>       hashing[:dim] (default ${showDefault(DEFAULT_DATA_SETTINGS.encoder)}, no download) | static:<vectors file> | transformer:<model dir or id>
  --embedding-cache <d>  reuse encoded vectors across runs from this directory
  --rating-field <name>  which rating to read (e.g. uf_score) when a dataset has several
  --direction <d>        higher-better | lower-better (generic files; adapters declare their own)
  --threshold <x>        r* = 1 when the rescaled grade ℓ' ∈ [1, 5] exceeds x (default: median level)
  --prompt-field <f>  --response-field <f>   columns of a generic JSONL/CSV/Parquet file
  --on-bad-row <p>       fail | skip (default ${showDefault(DEFAULT_DATA_SETTINGS.onBadRow)}; skipped rows are counted by cause)
  --alpha <x>            simulator bias strength α (default ${showDefault(DEFAULT_DATA_SETTINGS.alpha)}; smaller = stronger bias)
  --obs-rate <x>         simulator target observation rate (default ${showDefault(DEFAULT_DATA_SETTINGS.observationRate)})
  --presentation-share <w>  share of presentation bias in the simulated propensity, in [0, 1] (default ${showDefault(DEFAULT_DATA_SETTINGS.presentationShare)}:
                         the paper's protocol, the grade alone drives the action; 1: response length,
                         display position and user activity alone drive it)
  --presentation-mix <m> geometric | linear (default ${showDefault(DEFAULT_DATA_SETTINGS.presentationMix)}); geometric: π0 = p_pres^w · α^((5−ℓ')(1−w)); linear: w·p_pres + (1−w)·α^(5−ℓ')
  --thumbs-down <p>      simulator: probability that a user who acted on a bad response (a = 1, r* = 0)
                         leaves a thumbs-down, an explicit negative (default ${showDefault(DEFAULT_DATA_SETTINGS.thumbsDownRate)}: none);
                         ImplicitRM reads those rows as known NA (φ_NA = 1), the baselines as r = 0
`;

type DataFlagValues = { [K in keyof typeof DATA_FLAGS]?: string };

/** The DataSettings given on the command line (unset flags are left out). */
export function dataSettingsFromFlags(f: DataFlagValues): Partial<DataSettings> {
  const out: Record<string, unknown> = {
    encoder: f.encoder,
    embeddingCache: f["embedding-cache"],
    ratingField: f["rating-field"],
    direction: f.direction as DataSettings["direction"] | undefined,
    threshold: numberFlag("threshold", f.threshold),
    promptField: f["prompt-field"],
    responseField: f["response-field"],
    onBadRow: f["on-bad-row"],
    alpha: numberFlag("alpha", f.alpha),
    observationRate: numberFlag("obs-rate", f["obs-rate"]),
    presentationShare: numberFlag("presentation-share", f["presentation-share"]),
    presentationMix: f["presentation-mix"],
    thumbsDownRate: numberFlag("thumbs-down", f["thumbs-down"]),
  };
  for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
  return out as Partial<DataSettings>;
}
