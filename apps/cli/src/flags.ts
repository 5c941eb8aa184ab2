/**
 * The command line's flags: strict argv parsing with errors that say what to do, number and list
 * values, and the data flags (and their help) that `implicitrm train` and `implicitrm bench` share.
 */
import { parseArgs } from "node:util";
import { ConfigError } from "@implicitrm/core";
import type { DataSettings } from "@implicitrm/trainer";

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
} as const;

/** Help text of {@link DATA_FLAGS}. */
export const DATA_HELP = `Data options:
  --encoder <spec>       hashing[:dim] (default, no download) | static:<vectors file> | transformer:<model dir or id>
  --embedding-cache <d>  reuse encoded vectors across runs from this directory
  --rating-field <name>  which rating to read (e.g. uf_score) when a dataset has several
  --direction <d>        higher-better | lower-better (generic files; adapters declare their own)
  --threshold <x>        r* = 1 when the rescaled grade ℓ' ∈ [1, 5] exceeds x (default: median level)
  --prompt-field <f>  --response-field <f>   columns of a generic JSONL/CSV/Parquet file
  --on-bad-row <p>       fail (default) | skip (skipped rows are counted by cause)
  --alpha <x>            simulator bias strength α (default 0.5; smaller = stronger bias)
  --obs-rate <x>         simulator target observation rate (default 0.5)
  --presentation-share <w>  share of presentation bias in the simulated propensity, in [0, 1] (default 0:
                         the paper's protocol, the grade alone drives the action; 1: response length,
                         display position and user activity alone drive it)
  --presentation-mix <m> geometric (default: π0 = p_pres^w · α^((5−ℓ')(1−w))) | linear (w·p_pres + (1−w)·α^(5−ℓ'))
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
  };
  for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
  return out as Partial<DataSettings>;
}
