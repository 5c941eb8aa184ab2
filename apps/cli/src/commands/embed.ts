/**
 * `implicitrm embed`: encode a dataset once into a binary feature store that `implicitrm train`
 * and `implicitrm bench` read in blocks (`--data <store>`), so large sets need not be re-encoded
 * per run nor fit in memory when training (the work is the trainer's `writeStore`).
 */
import { ConfigError } from "@implicitrm/core";
import { DEFAULT_EMBED_CHUNK_ROWS, DEFAULT_TEXT_DATA, type TextDataSettings, checkConfig, writeStore } from "@implicitrm/trainer";
import { numberFlag, parseFlags, showDefault } from "../flags.js";

/** `implicitrm embed --help`. */
export const EMBED_HELP = `Usage: implicitrm embed --data <spec> --out <store directory> [options]

Encodes rated data or an implicit-feedback log with an encoder and writes a feature store (a
directory: header.json, float32 feature blocks, label columns) that \`implicitrm train --data <store>\`
and \`implicitrm bench --data <store>\` read in blocks. Rated data keep their ratings: implicit
feedback is simulated at training time with the run's seed, exactly as for the text file. A
features JSONL file is copied into a store as it is.

Options:
  --data <spec>          a rated dataset (JSONL/CSV/Parquet file or folder, any adapter, hf:owner/name),
                         an implicit-feedback log, or a features JSONL file
  --out <dir>            the store to write (must not exist unless --overwrite)
  --encoder <spec>       hashing[:dim] (default ${showDefault(DEFAULT_TEXT_DATA.encoder)}) | static:<vectors file> | transformer:<model dir or id>
  --embedding-cache <d>  reuse vectors across runs (default ${showDefault(DEFAULT_TEXT_DATA.embeddingCache)}; the cache is held in memory: leave it off for sets
                         larger than memory)
  --rating-field <name>  --direction <d>  --prompt-field <f>  --response-field <f>   as for train
  --on-bad-row <p>       fail | skip (default ${showDefault(DEFAULT_TEXT_DATA.onBadRow)}; skipped rows are counted by cause)
  --block-rows <n>       rows per feature block (default: about 32 MB per block)
  --chunk-rows <n>       rows encoded per step (default ${DEFAULT_EMBED_CHUNK_ROWS})
  --overwrite            replace an existing store
  --quiet                no progress output
`;

const FLAGS = {
  data: { type: "string" },
  out: { type: "string" },
  encoder: { type: "string" },
  "embedding-cache": { type: "string" },
  "rating-field": { type: "string" },
  direction: { type: "string" },
  "prompt-field": { type: "string" },
  "response-field": { type: "string" },
  "on-bad-row": { type: "string" },
  "block-rows": { type: "string" },
  "chunk-rows": { type: "string" },
  overwrite: { type: "boolean" },
  quiet: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/** Runs `implicitrm embed`; returns the process exit code. */
export async function embedCommand(argv: string[]): Promise<number> {
  const f = parseFlags("embed", argv, FLAGS);
  if (f.help) {
    process.stdout.write(EMBED_HELP);
    return 0;
  }
  if (!f.data) throw new ConfigError("implicitrm embed: --data <file> is required; see `implicitrm embed --help`");
  if (!f.out) throw new ConfigError("implicitrm embed: --out <store directory> is required; see `implicitrm embed --help`");
  const given: Record<string, unknown> = {
    encoder: f.encoder,
    embeddingCache: f["embedding-cache"],
    ratingField: f["rating-field"],
    direction: f.direction as TextDataSettings["direction"] | undefined,
    promptField: f["prompt-field"],
    responseField: f["response-field"],
    onBadRow: f["on-bad-row"],
  };
  for (const k of Object.keys(given)) if (given[k] === undefined) delete given[k];
  const s: TextDataSettings = { ...DEFAULT_TEXT_DATA, ...(checkConfig(given, "command line") as Partial<TextDataSettings>) };
  const blockRows = numberFlag("block-rows", f["block-rows"]);
  const chunkRows = numberFlag("chunk-rows", f["chunk-rows"]) ?? DEFAULT_EMBED_CHUNK_ROWS;
  if (blockRows !== undefined && !(Number.isInteger(blockRows) && blockRows > 0)) throw new ConfigError(`--block-rows must be a positive integer, got ${f["block-rows"]}`);
  if (!(Number.isInteger(chunkRows) && chunkRows > 0)) throw new ConfigError(`--chunk-rows must be a positive integer, got ${f["chunk-rows"]}`);
  const log = (line: string) => {
    if (!f.quiet) process.stderr.write(`${line}\n`);
  };
  const started = Date.now();
  const header = await writeStore(f.data, f.out, s, { ...(blockRows !== undefined ? { blockRows } : {}), chunkRows, overwrite: f.overwrite === true }, log);
  process.stdout.write(
    `feature store written to ${f.out}: ${header.n} rows × ${header.dim} (${header.kind}${header.encoder ? `, ${header.encoder.id}` : ""}) in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
  );
  return 0;
}
