/**
 * UltraFeedback (openbmb): one record per instruction with four completions, each rated by GPT-4 on
 * four aspects (1–5, stored as strings under `annotations.<aspect>.Rating`), a `fine-grained_score`
 * (their mean, 1–5) and an `overall_score` (the critique's score, 1–10).
 * ultrafeedback_binarized (HuggingFaceH4, trl-lib): one record per prompt with a chosen and a rejected
 * completion (message lists `[{role, content}]` or plain strings) and `score_chosen`/`score_rejected` (1–10).
 */
import { RowProblem } from "../bad-rows.js";
import { type SourceRecord, isRecord } from "../readers/records.js";
import { hashText } from "../readers/bytes.js";
import type { RatedDataset, RatingDirection } from "../types.js";
import {
  type AdapterInternals,
  type CommonAdapterOptions,
  checkDeclared,
  getPath,
  makeSink,
  pickOne,
  rating,
  sourceOf,
  str,
  typeName,
} from "./common.js";

export const ULTRAFEEDBACK_RATINGS = [
  "overall_score",
  "fine-grained_score",
  "helpfulness",
  "honesty",
  "instruction_following",
  "truthfulness",
] as const;
export type UltraFeedbackRating = (typeof ULTRAFEEDBACK_RATINGS)[number];

/** Options of {@link adaptUltraFeedback}. */
export interface UltraFeedbackOptions extends CommonAdapterOptions {
  /**
   * `overall_score` (default; 1–10), `fine-grained_score` (1–5), or one aspect: `helpfulness`,
   * `honesty`, `instruction_following`, `truthfulness` (1–5). All higher-better.
   */
  ratingField?: string;
  /** Only 'higher-better' is accepted (declared). */
  direction?: RatingDirection;
  /** Only the declared scale is accepted. */
  scale?: { min: number; max: number };
}

const ASPECT_RE = /^\s*\d+(\.\d+)?\s*$/;

/**
 * Adapts openbmb/UltraFeedback records: one RatedExample per completion (`<prefix>/<record>/<k>`),
 * prompt = `instruction`, promptId = hash of the instruction, meta = {model, principle, source}.
 * Scale 1–10 for overall_score, 1–5 otherwise; higher-better. A completion whose rating is "N/A",
 * missing or out of range is a bad row on its own (its siblings are kept with 'skip'); a record without
 * `instruction` or `completions` is a bad row as a whole.
 */
export function adaptUltraFeedback(
  records: readonly SourceRecord[],
  opts: UltraFeedbackOptions = {},
  internals?: AdapterInternals,
): RatedDataset {
  const field = pickOne("ultrafeedback", opts.ratingField, ULTRAFEEDBACK_RATINGS, "overall_score");
  const range = field === "overall_score" ? { min: 1, max: 10 } : { min: 1, max: 5 };
  checkDeclared("ultrafeedback", field, { ...range, direction: "higher-better" }, opts);
  const prefix = opts.idPrefix ?? "ultrafeedback";
  const sink = makeSink(opts, internals, range);
  records.forEach((rec, i) => {
    let instruction = "";
    let completions: unknown[] = [];
    let ok = false;
    sink.each(rec, () => {
      instruction = str(rec.value, "instruction");
      const c = rec.value["completions"];
      if (c === undefined) throw new RowProblem("missingField", 'missing field "completions"', "completions");
      if (!Array.isArray(c)) throw new RowProblem("wrongType", `"completions" must be an array (got ${typeName(c)})`, "completions");
      completions = c;
      ok = true;
    });
    if (!ok) return;
    const promptId = hashText(instruction);
    const source = rec.value["source"];
    completions.forEach((comp, k) => {
      sink.each(rec, () => {
        const base = `completions[${k}]`;
        if (!isRecord(comp)) throw new RowProblem("wrongType", `"${base}" must be an object`, base);
        const response = str(comp, "response", `${base}.response`);
        let r: number;
        let f: string;
        if (field === "overall_score" || field === "fine-grained_score") {
          f = `${base}.${field}`;
          r = rating(comp[field], f, rec.textual);
        } else {
          f = `${base}.annotations.${field}.Rating`;
          let ann = getPath(comp, `annotations.${field}`);
          if (Array.isArray(ann)) ann = ann[0];
          const raw = isRecord(ann) ? ann["Rating"] : undefined;
          if (raw === undefined) throw new RowProblem("missingField", `missing field "${f}"`, f);
          if (typeof raw === "string") {
            if (!ASPECT_RE.test(raw)) throw new RowProblem("badRating", `rating is not a number (got ${JSON.stringify(raw)})`, f);
            r = Number(raw);
          } else r = rating(raw, f, rec.textual);
        }
        const meta: Record<string, unknown> = { completion: k };
        if (typeof comp["model"] === "string") meta["model"] = comp["model"];
        if (typeof comp["principle"] === "string") meta["principle"] = comp["principle"];
        if (typeof source === "string") meta["source"] = source;
        sink.push({ id: `${prefix}/${i}/${k}`, prompt: instruction, response, rating: r, promptId, meta }, f, `${base}.response`);
      });
    });
  });
  return sink.finish("ultrafeedback", sourceOf(records, opts), field, "higher-better");
}

/** Options of {@link adaptUltraFeedbackBinarized}. */
export interface UltraFeedbackBinarizedOptions extends CommonAdapterOptions {
  /** Only `score` (score_chosen / score_rejected), the default. */
  ratingField?: string;
  direction?: RatingDirection;
  scale?: { min: number; max: number };
}

/**
 * Adapts ultrafeedback_binarized records into two RatedExamples each (`<prefix>/<record>/chosen` and
 * `/rejected`) rated `score_chosen` / `score_rejected` (top level, or under `metadata` as in some
 * re-exports), scale 1–10, higher-better. prompt = the `prompt` field, or the messages before the last
 * assistant turn when it is absent (one user message: its content; several: `role: content` blocks);
 * response = the last message's content (or the string itself). promptId = `prompt_id` when present,
 * else a hash of the prompt. meta = {role}. A bad side is dropped alone with 'skip'.
 */
export function adaptUltraFeedbackBinarized(
  records: readonly SourceRecord[],
  opts: UltraFeedbackBinarizedOptions = {},
  internals?: AdapterInternals,
): RatedDataset {
  const field = pickOne("ultrafeedback-binarized", opts.ratingField, ["score"] as const, "score");
  checkDeclared("ultrafeedback-binarized", field, { min: 1, max: 10, direction: "higher-better" }, opts);
  const prefix = opts.idPrefix ?? "uf-binarized";
  const sink = makeSink(opts, internals, { min: 1, max: 10 });
  records.forEach((rec, i) => {
    const v = rec.value;
    let prompt: string | undefined;
    let promptId: string | undefined;
    sink.each(rec, () => {
      const p = v["prompt"];
      if (p !== undefined) {
        if (typeof p !== "string") throw new RowProblem("wrongType", `"prompt" must be a string (got ${typeName(p)})`, "prompt");
        prompt = p;
      } else {
        prompt = promptFromMessages(v["chosen"], "chosen");
      }
      const pid = v["prompt_id"];
      promptId = typeof pid === "string" || typeof pid === "number" ? String(pid) : hashText(prompt);
    });
    if (prompt === undefined || promptId === undefined) return;
    for (const role of ["chosen", "rejected"] as const) {
      sink.each(rec, () => {
        const response = responseOf(v[role], role);
        const scoreKey = `score_${role}`;
        const inMeta = v[scoreKey] === undefined && isRecord(v["metadata"]) && v["metadata"][scoreKey] !== undefined;
        const f = inMeta ? `metadata.${scoreKey}` : scoreKey;
        const r = rating(getPath(v, f), f, rec.textual);
        sink.push({ id: `${prefix}/${i}/${role}`, prompt: prompt!, response, rating: r, promptId: promptId!, meta: { role } }, f, role);
      });
    }
  });
  return sink.finish("ultrafeedback-binarized", sourceOf(records, opts), field, "higher-better");
}

interface Message {
  role: string;
  content: string;
}

function messages(v: unknown, field: string): Message[] {
  if (v === undefined) throw new RowProblem("missingField", `missing field "${field}"`, field);
  if (!Array.isArray(v) || v.length === 0) {
    throw new RowProblem("wrongType", `"${field}" must be a string or a non-empty list of {role, content} messages`, field);
  }
  return v.map((m, k) => {
    if (!isRecord(m) || typeof m["content"] !== "string" || typeof m["role"] !== "string") {
      throw new RowProblem("wrongType", `"${field}[${k}]" must be a {role, content} message`, `${field}[${k}]`);
    }
    return { role: m["role"], content: m["content"] };
  });
}

function responseOf(v: unknown, field: string): string {
  if (typeof v === "string") return v;
  const ms = messages(v, field);
  const last = ms[ms.length - 1]!;
  if (last.role !== "assistant") {
    throw new RowProblem("wrongType", `the last message of "${field}" must be the assistant's (got role ${JSON.stringify(last.role)})`, field);
  }
  return last.content;
}

function promptFromMessages(v: unknown, field: string): string {
  if (typeof v === "string") throw new RowProblem("missingField", 'missing field "prompt" (the completions are plain strings)', "prompt");
  const ms = messages(v, field).slice(0, -1);
  if (ms.length === 0) throw new RowProblem("missingField", `missing field "prompt" ("${field}" has no turn before the response)`, "prompt");
  if (ms.length === 1 && ms[0]!.role === "user") return ms[0]!.content;
  return ms.map((m) => `${m.role}: ${m.content}`).join("\n\n");
}
