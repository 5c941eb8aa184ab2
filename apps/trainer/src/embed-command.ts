/**
 * `implicitrm embed`: encode a dataset once into a binary feature store that `implicitrm train`
 * and `implicitrm bench` read in blocks (`--data <store>`), so large sets need not be re-encoded
 * per run nor fit in memory when training.
 */
import { ConfigError } from "@implicitrm/core";
import { FeatureStoreWriter, type RatingDirection, type StoreRows, formatSkipCounts, indexGroups, readDataFile } from "@implicitrm/datasets";
import { CachedEncoder, type Encoder, createEncoder, embedRows } from "@implicitrm/encoders";
import { numberFlag, parseFlags } from "./args.js";
import { checkConfig } from "./config.js";
import { parseFeaturesJsonl } from "./features-file.js";
import { DEFAULT_TEXT_DATA, type TextDataSettings, readTextRows, sniffDataFile } from "./text-data.js";

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
  --encoder <spec>       hashing[:dim] (default) | static:<vectors file> | transformer:<model dir or id>
  --embedding-cache <d>  reuse vectors across runs (the cache is held in memory: leave it off for sets
                         larger than memory)
  --rating-field <name>  --direction <d>  --prompt-field <f>  --response-field <f>   as for train
  --on-bad-row <p>       fail (default) | skip (skipped rows are counted by cause)
  --block-rows <n>       rows per feature block (default: about 32 MB per block)
  --chunk-rows <n>       rows encoded per step (default 8192)
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
    direction: f.direction as RatingDirection | undefined,
    promptField: f["prompt-field"],
    responseField: f["response-field"],
    onBadRow: f["on-bad-row"],
  };
  for (const k of Object.keys(given)) if (given[k] === undefined) delete given[k];
  const s: TextDataSettings = { ...DEFAULT_TEXT_DATA, ...(checkConfig(given, "command line") as Partial<TextDataSettings>) };
  const blockRows = numberFlag("block-rows", f["block-rows"]);
  const chunkRows = numberFlag("chunk-rows", f["chunk-rows"]) ?? 8192;
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

/**
 * Reads `spec`, encodes it in chunks and writes the store at `out` (see {@link EMBED_HELP}).
 * Returns the store's header.
 */
export async function writeStore(
  spec: string,
  out: string,
  s: TextDataSettings,
  opts: { blockRows?: number; chunkRows?: number; overwrite?: boolean } = {},
  log: (line: string) => void = () => {},
) {
  const kind = await sniffDataFile(spec);
  const base = { ...(opts.blockRows !== undefined ? { blockRows: opts.blockRows } : {}), ...(opts.overwrite ? { overwrite: true } : {}), source: spec };
  if (kind === "features") {
    const fs = parseFeaturesJsonl(await readDataFile(spec), spec, { onBadRow: s.onBadRow });
    if (Object.keys(fs.skipped).length) log(`${spec}: ${formatSkipCounts(fs.skipped)}`);
    const w = FeatureStoreWriter.create(out, { ...base, dim: fs.dim, kind: "features", ...(fs.activity ? { activity: { dim: fs.activity.dim, ...(fs.activity.names ? { names: fs.activity.names } : {}) } } : {}) });
    try {
      w.append({
        features: fs.features,
        r: fs.r,
        ...(fs.rStar ? { rStar: fs.rStar } : {}),
        ...(fs.group ? { group: fs.group } : {}),
        ...(fs.activity ? { activity: fs.activity.features } : {}),
        ...(fs.ids ? { ids: fs.ids } : {}),
      });
    } catch (e) {
      w.abort();
      throw e;
    }
    return w.finish({ skipped: fs.skipped as Record<string, number> });
  }
  const text = await readTextRows(spec, s, kind === "implicit-log" ? "log" : "rated", log);
  const rows = text.rows;
  const inner = await createEncoder(s.encoder);
  const encoder: Encoder = s.embeddingCache ? new CachedEncoder(inner, s.embeddingCache) : inner;
  const group = indexGroups(rows.map((r) => r.promptId)).index;
  const w = FeatureStoreWriter.create(out, {
    ...base,
    dim: inner.dim,
    kind: text.kind === "log" ? "log" : "rated",
    encoder: { id: inner.id, config: { ...(inner.config ?? {}) }, dim: inner.dim },
    ...(text.rated ? { rated: { adapter: text.rated.adapter, ratingField: text.rated.ratingField, scale: text.rated.scale } } : {}),
    ...(text.activity ? { activity: { dim: text.activity.dim, ...(text.activity.names ? { names: text.activity.names } : {}) } } : {}),
  });
  try {
    const chunk = opts.chunkRows ?? 8192;
    for (let start = 0; start < rows.length; start += chunk) {
      const end = Math.min(rows.length, start + chunk);
      const part = rows.slice(start, end);
      const features = await embedRows(part, encoder);
      const batch: StoreRows = {
        features,
        group: group.subarray(start, end),
        length: Float32Array.from(part, (r) => r.response.length),
        ids: part.map((r) => r.id),
      };
      if (text.ratings) batch.rating = text.ratings.subarray(start, end);
      if (text.r) batch.r = text.r.subarray(start, end);
      if (text.activity) batch.activity = text.activity.features.subarray(start * text.activity.dim, end * text.activity.dim);
      w.append(batch);
      log(`${spec}: encoded ${end} / ${rows.length} rows`);
    }
    const skipped = (text.rated?.skipped ?? {}) as Record<string, number>; // already reported by readTextRows
    return w.finish({ info: { rows: rows.length, encoder: inner.id }, skipped });
  } catch (e) {
    w.abort();
    throw e;
  } finally {
    if (encoder instanceof CachedEncoder) encoder.cache.close();
  }
}
