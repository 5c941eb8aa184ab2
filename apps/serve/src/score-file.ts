/**
 * Scoring a file (what `implicitrm score` runs): every row of a rated or unlabelled table, or every
 * (chosen, rejected) pair, becomes one JSON line of rewards, in input order, read and scored in
 * batches (JSONL streamed line by line, so memory does not grow with the rows) and written to a
 * temporary file renamed into place at the end. Pairs also give TRL's summary.
 */
import { createWriteStream } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { dirname } from "node:path";
import { ConfigError } from "@implicitrm/core";
import { fileError, tempPathFor } from "@implicitrm/core/node";
import { type BadRowPolicy, type FileFormat, type RecordStream, RowProblem, type SkipCounts, type SourceRecord, streamRecords } from "@implicitrm/datasets";
import type { RewardScorer, ScoreInput, Scored } from "./scorer.js";

/** Options of {@link scoreFile}; every field has a default. */
export interface ScoreFileOptions {
  /** Field of the prompt. Default "prompt" (a row without one is scored as a response alone). */
  promptField?: string;
  /** Field of the response in a table of rows. Default "response". */
  responseField?: string;
  /** Fields of a pair. Default "chosen" and "rejected": a file whose first record has both is read as pairs. */
  chosenField?: string;
  rejectedField?: string;
  /** Field of the row id. Default "id" (absent: the 0-based row or pair index). */
  idField?: string;
  /** Rows (pairs: pairs) per encoder and head call. Default 256. */
  batchSize?: number;
  /** 'fail' (default: a DataError naming file, line and field) or 'skip' malformed rows, counted by cause. */
  onBadRow?: BadRowPolicy;
  /** The table format, overriding the extension and content. Default: guessed. */
  format?: FileFormat;
  /** Called after each batch with the output lines written so far and the share of the input read, in [0, 1]. Default none. */
  onProgress?: (p: { done: number; fraction: number }) => void;
  /** Stops between batches; nothing is left at `out`. Default none. */
  signal?: AbortSignal;
}

/** The summary of one {@link scoreFile} run. */
export interface ScoreFileSummary {
  /** 'rows' (one line per row) or 'pairs' (one line per pair). */
  kind: "rows" | "pairs";
  /** Output lines written (rows, or pairs). */
  lines: number;
  /** Responses scored (pairs count two). */
  scored: number;
  /** Rows skipped, by cause (`onBadRow: 'skip'`). */
  skipped: SkipCounts;
  format: FileFormat;
  /** True when the input was read line by line (JSONL). */
  streamed: boolean;
  seconds: number;
  /** Responses that were empty (whitespace only): their line holds nulls and `"empty": true`. */
  empty: number;
  /** Normalised rewards over every scored response (0s when none). */
  reward: { min: number; mean: number; max: number };
  /**
   * Pairs only, as TRL's RewardTrainer reports them, over the pairs with both sides scored (`pairs`):
   * the share with chosen scored above rejected, and the mean reward margin chosen − rejected.
   */
  pairs?: number;
  accuracy?: number;
  meanMargin?: number;
}

const ASSISTANT = "\n\nAssistant:";

/**
 * A full-text transcript (HH-RLHF style, `Human: … Assistant: …`) as prompt and response: the prompt
 * up to and including the last `\n\nAssistant:` (leading newlines stripped), the response the rest,
 * trimmed. A text without that marker is all response.
 */
export function splitTranscript(text: string): { prompt: string; response: string } {
  const i = text.lastIndexOf(ASSISTANT);
  if (i < 0) return { prompt: "", response: text };
  return { prompt: text.slice(0, i + ASSISTANT.length).replace(/^\n+/, ""), response: text.slice(i + ASSISTANT.length).trim() };
}

type Message = { role?: unknown; content?: unknown };

/** The text of a pair side: a string, or a chat message list (the last message is the response). */
function side(v: unknown, field: string, prompt: string | undefined): ScoreInput {
  if (Array.isArray(v)) {
    const msgs = v as Message[];
    const last = msgs.at(-1);
    if (!last || typeof last.content !== "string") throw new RowProblem("wrongType", `field "${field}" is a message list whose last message has no string content`, field);
    const before = msgs.slice(0, -1).map((m) => (typeof m?.content === "string" ? m.content : "")).filter((c) => c.length > 0);
    return { prompt: prompt ?? before.join("\n\n"), response: last.content };
  }
  if (typeof v !== "string") throw new RowProblem(v === undefined ? "missingField" : "wrongType", v === undefined ? `missing field "${field}"` : `field "${field}" must be a string or a message list`, field);
  if (prompt === undefined) return splitTranscript(v);
  // TRL's implicit-prompt form repeats the prompt at the start of each side
  return { prompt, response: v.startsWith(prompt) && v.length > prompt.length ? v.slice(prompt.length).replace(/^\s+/, "") : v };
}

/** An empty (whitespace-only) response has nothing to encode: it gets a line of nulls, as training drops such rows. */
function orEmpty(s: ScoreInput): ScoreInput | null {
  return s.response.trim() === "" ? null : s;
}

function optionalString(v: unknown, field: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw new RowProblem("wrongType", `field "${field}" must be a string`, field);
  return v;
}

function idOf(v: unknown, index: number): string | number {
  return typeof v === "string" || typeof v === "number" ? v : index;
}



/**
 * Scores every row (or pair) of the table file `input` with `scorer` and writes one JSON line per
 * row to `out`, in input order: `{"id","reward","logit","score"}`; for pairs (a first record with
 * `chosen` and `rejected`: strings, full HH-RLHF transcripts when there is no prompt field, or chat
 * message lists) `{"id","chosen":{reward,logit,score},"rejected":{…},"margin"}` with margin =
 * chosen.reward − rejected.reward. An empty response (nothing to encode; training drops such rows)
 * gets nulls and `"empty": true` (a pair's margin is then null). The output goes to a temporary file
 * renamed to `out` when complete.
 * Rejects with a DataError naming file, line and field for a malformed row (`onBadRow: 'fail'`).
 */
export async function scoreFile(scorer: RewardScorer, input: string, out: string, opts: ScoreFileOptions = {}): Promise<ScoreFileSummary> {
  const batchSize = opts.batchSize ?? 256;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new ConfigError(`batchSize must be an integer >= 1, got ${batchSize}`);
  const f = {
    prompt: opts.promptField ?? "prompt",
    response: opts.responseField ?? "response",
    chosen: opts.chosenField ?? "chosen",
    rejected: opts.rejectedField ?? "rejected",
    id: opts.idField ?? "id",
  };
  const started = performance.now();
  const stream: RecordStream = await streamRecords(input, { ...(opts.onBadRow ? { onBadRow: opts.onBadRow } : {}), ...(opts.format ? { format: opts.format } : {}) });
  const tmp = tempPathFor(out);
  try {
    await mkdir(dirname(out), { recursive: true });
  } catch (e) {
    throw fileError(e, out, "writing the scores");
  }
  const sink = createWriteStream(tmp);
  const sinkError = new Promise<never>((_, reject) => sink.on("error", (e) => reject(fileError(e, out, "writing the scores"))));
  sinkError.catch(() => {});
  const write = async (text: string) => {
    if (!sink.write(text)) await Promise.race([new Promise<void>((r) => sink.once("drain", () => r())), sinkError]);
  };
  let kind: "rows" | "pairs" | undefined;
  let lines = 0;
  let scored = 0;
  let index = 0;
  let correct = 0;
  let complete = 0;
  let empty = 0;
  let marginSum = 0;
  let rMin = Number.POSITIVE_INFINITY;
  let rMax = Number.NEGATIVE_INFINITY;
  let rSum = 0;
  const seen = (s: Scored) => {
    scored++;
    rSum += s.reward;
    if (s.reward < rMin) rMin = s.reward;
    if (s.reward > rMax) rMax = s.reward;
  };
  const pack = (s: Scored | null) => (s ? { reward: s.reward, logit: s.logit, score: s.score } : { reward: null, logit: null, score: null, empty: true });
  let batch: { id: string | number; items: (ScoreInput | null)[] }[] = [];
  const flush = async () => {
    if (!batch.length) return;
    const items = batch.flatMap((b) => b.items).filter((x): x is ScoreInput => x !== null);
    const got = await scorer.score(items);
    let k = 0;
    const next = (x: ScoreInput | null): Scored | null => {
      if (x === null) {
        empty++;
        return null;
      }
      const sc = got[k++]!;
      seen(sc);
      return sc;
    };
    let text = "";
    for (const b of batch) {
      if (kind === "pairs") {
        const c = next(b.items[0]!);
        const r = next(b.items[1]!);
        let margin: number | null = null;
        if (c && r) {
          complete++;
          if (c.logit > r.logit) correct++;
          margin = c.reward - r.reward;
          marginSum += margin;
        }
        text += `${JSON.stringify({ id: b.id, chosen: pack(c), rejected: pack(r), margin })}\n`;
      } else {
        text += `${JSON.stringify({ id: b.id, ...pack(next(b.items[0]!)) })}\n`;
      }
    }
    lines += batch.length;
    batch = [];
    await write(text);
    opts.onProgress?.({ done: lines, fraction: stream.fraction() });
  };
  try {
    for await (const rec of stream.records as AsyncIterable<SourceRecord>) {
      if (opts.signal?.aborted) throw opts.signal.reason ?? new Error("aborted");
      const v = rec.value;
      kind ??= f.chosen in v && f.rejected in v ? "pairs" : "rows";
      const at = { file: rec.file, ...(rec.line !== undefined ? { line: rec.line } : { row: rec.row }) };
      const i = index++;
      const items = stream.bad.run(at, () => {
        const prompt = optionalString(v[f.prompt], f.prompt);
        if (kind === "pairs") return [orEmpty(side(v[f.chosen], f.chosen, prompt)), orEmpty(side(v[f.rejected], f.rejected, prompt))];
        const response = v[f.response];
        if (response === undefined) throw new RowProblem("missingField", `missing field "${f.response}" (name the response column with --response-field)`, f.response);
        if (typeof response !== "string") throw new RowProblem("wrongType", `field "${f.response}" must be a string`, f.response);
        return [orEmpty({ prompt: prompt ?? "", response })];
      });
      if (!items) continue;
      batch.push({ id: idOf(v[f.id], i), items });
      if (batch.length >= batchSize) await flush();
    }
    await flush();
    await Promise.race([new Promise<void>((r) => sink.end(() => r())), sinkError]);
    await rename(tmp, out).catch((e) => {
      throw fileError(e, out, "writing the scores");
    });
  } catch (e) {
    sink.destroy();
    await rm(tmp, { force: true }).catch(() => undefined);
    throw e;
  }
  const summary: ScoreFileSummary = {
    kind: kind ?? "rows",
    lines,
    scored,
    skipped: { ...stream.skipped },
    format: stream.format,
    streamed: stream.streamed,
    seconds: (performance.now() - started) / 1000,
    empty,
    reward: scored ? { min: rMin, mean: rSum / scored, max: rMax } : { min: 0, mean: 0, max: 0 },
  };
  if (kind === "pairs") {
    summary.pairs = complete;
    summary.accuracy = complete ? correct / complete : 0;
    summary.meanMargin = complete ? marginSum / complete : 0;
  }
  return summary;
}
