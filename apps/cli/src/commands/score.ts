/**
 * `implicitrm score`: a model directory and a table of text → one JSON line of rewards per row (or
 * per pair), streamed in batches with a progress bar; for pairs, TRL's summary. The work is
 * @implicitrm/serve's `loadRewardModel` and `scoreFile`; this file parses flags and prints.
 */
import { ConfigError } from "@implicitrm/core";
import { formatSkipCounts } from "@implicitrm/datasets";
import { loadRewardModel, scoreFile } from "@implicitrm/serve";
import { numberFlag, parseFlags } from "../flags.js";
import { createRowProgress } from "../progress.js";

/** `implicitrm score --help`. */
export const SCORE_HELP = `Usage: implicitrm score --model <dir> --data <file> --out <file.jsonl> [options]

Scores every row of a table with a trained reward model (a directory written by \`implicitrm train\`;
its record.json says which encoder made the features: it is rebuilt and checked, a mismatch is an error).

Input (--data): a JSONL, CSV/TSV, JSON or Parquet file, gzip-compressed or not, of
  rows:   {"prompt"?, "response", "id"?}   (--prompt-field / --response-field name other columns;
          a row without a prompt is scored as the response alone); rated or unlabelled, other fields ignored
  pairs:  {"chosen", "rejected", "prompt"?, "id"?} (read as pairs when the first record has both fields):
          plain completions with a prompt; full HH-RLHF transcripts without one (the prompt is the text up to
          the last "\\n\\nAssistant:"); or chat message lists (the last message is the response)
JSONL is read line by line (memory does not grow with the rows); CSV/TSV, JSON arrays and Parquet are read
whole, then scored in batches.

Output (--out): one JSON line per input row, in input order:
  rows:   {"id", "reward", "logit", "score"}
  pairs:  {"id", "chosen": {"reward", "logit", "score"}, "rejected": {...}, "margin"}  (margin = chosen.reward - rejected.reward)
  An empty response (nothing to encode; training drops such rows) gets null values and "empty": true.
  logit = f(x), the reward head's output; reward = (logit - mean) / std with the mean and std of the logit
  over the training run's validation split (record.json "normalization"); score = sigmoid(logit) = P(preferred).
  The id is the row's "id" field (--id-field), else its 0-based index. The file is written under a temporary
  name and renamed when complete. For pairs the summary on stdout is TRL's: accuracy (chosen scored above
  rejected), mean margin, min/mean/max reward.

Options:
  --model <dir>          model directory (record.json, model.json)
  --data <file>          the table to score
  --out <file>           JSONL output
  --prompt-field <f>     prompt column (default prompt)
  --response-field <f>   response column of rows (default response)
  --chosen-field <f>  --rejected-field <f>   pair columns (default chosen, rejected)
  --id-field <f>         id column (default id)
  --batch-size <n>       rows per encoder and head call (default 256)
  --on-bad-row <p>       fail (default: the error names file, line and field) | skip (skipped rows are counted)
  --backend <name>       tfjs backend for the heads: auto (default) | cpu | wasm | onnxruntime | webgpu | tensorflow
  --quiet                no progress output
`;

const FLAGS = {
  model: { type: "string" },
  data: { type: "string" },
  out: { type: "string" },
  "prompt-field": { type: "string" },
  "response-field": { type: "string" },
  "chosen-field": { type: "string" },
  "rejected-field": { type: "string" },
  "id-field": { type: "string" },
  "batch-size": { type: "string" },
  "on-bad-row": { type: "string" },
  backend: { type: "string" },
  quiet: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

const fmt = (x: number) => x.toFixed(4);

/** Runs `implicitrm score`; returns the process exit code. */
export async function scoreCommand(argv: string[]): Promise<number> {
  const f = parseFlags("score", argv, FLAGS);
  if (f.help) {
    process.stdout.write(SCORE_HELP);
    return 0;
  }
  for (const k of ["model", "data", "out"] as const) if (f[k] === undefined) throw new ConfigError(`implicitrm score: --${k} is required; see \`implicitrm score --help\``);
  const onBadRow = f["on-bad-row"];
  if (onBadRow !== undefined && onBadRow !== "fail" && onBadRow !== "skip") throw new ConfigError(`--on-bad-row must be fail or skip, got "${onBadRow}"`);
  const batchSize = numberFlag("batch-size", f["batch-size"]);
  const log = (m: string) => process.stderr.write(`${m}\n`);
  const scorer = await loadRewardModel(f.model!, { backend: f.backend ?? "auto", log });
  const progress = createRowProgress("score", process.stderr, f.quiet === true);
  try {
    const s = await scoreFile(scorer, f.data!, f.out!, {
      ...(f["prompt-field"] ? { promptField: f["prompt-field"] } : {}),
      ...(f["response-field"] ? { responseField: f["response-field"] } : {}),
      ...(f["chosen-field"] ? { chosenField: f["chosen-field"] } : {}),
      ...(f["rejected-field"] ? { rejectedField: f["rejected-field"] } : {}),
      ...(f["id-field"] ? { idField: f["id-field"] } : {}),
      ...(batchSize !== undefined ? { batchSize } : {}),
      ...(onBadRow ? { onBadRow } : {}),
      onProgress: (p) => progress.update(p.done, p.fraction),
    });
    const rate = s.scored / Math.max(1e-9, s.seconds);
    progress.done(`score: ${s.lines} ${s.kind} (${s.scored} responses) in ${s.seconds.toFixed(1)} s, ${rate.toFixed(0)} responses/s, with ${scorer.info.encoder.id}`);
    if (Object.keys(s.skipped).length) log(`${f.data}: ${formatSkipCounts(s.skipped)}`);
    if (s.empty) log(`${f.data}: ${s.empty} empty response${s.empty === 1 ? "" : "s"} not scored (null values in their lines)`);
    if (s.kind === "pairs") {
      process.stdout.write(`pairs ${s.pairs}  accuracy ${fmt(s.accuracy!)}  mean margin ${fmt(s.meanMargin!)}  reward min ${fmt(s.reward.min)} mean ${fmt(s.reward.mean)} max ${fmt(s.reward.max)}\n`);
    } else {
      process.stdout.write(`rows ${s.lines}  reward min ${fmt(s.reward.min)} mean ${fmt(s.reward.mean)} max ${fmt(s.reward.max)}\n`);
    }
    process.stdout.write(`scores written to ${f.out}\n`);
  } finally {
    await scorer.dispose();
  }
  return 0;
}
