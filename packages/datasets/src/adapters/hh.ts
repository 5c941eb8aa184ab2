/**
 * Anthropic HH-RLHF: one record per comparison, `{chosen, rejected}`, each a full transcript
 * `"\n\nHuman: ...\n\nAssistant: ...\n\nHuman: ...\n\nAssistant: <final reply>"`.
 */
import { RowProblem } from "../bad-rows.js";
import type { SourceRecord } from "../readers/records.js";
import type { RatedDataset, RatingDirection } from "../types.js";
import {
  type AdapterInternals,
  type CommonAdapterOptions,
  checkDeclared,
  makeSink,
  pickOne,
  sourceOf,
  str,
} from "./common.js";

/** Options of {@link adaptHhRlhf}. */
export interface HhRlhfOptions extends CommonAdapterOptions {
  /** Only `preferred` (1 = chosen, 0 = rejected), the default. */
  ratingField?: string;
  direction?: RatingDirection;
  scale?: { min: number; max: number };
}

const MARK = "\n\nAssistant:";

/**
 * Splits an HH-RLHF transcript at its last `"\n\nAssistant:"`: the prompt is everything up to and
 * including that marker (leading newlines removed), the response the rest, trimmed. Throws RowProblem
 * when the transcript has no assistant turn.
 */
export function splitHhTranscript(transcript: string, field: string): { prompt: string; response: string } {
  const k = transcript.lastIndexOf(MARK);
  if (k < 0) throw new RowProblem("wrongType", `the "${field}" transcript has no "\\n\\nAssistant:" turn`, field);
  return { prompt: transcript.slice(0, k + MARK.length).replace(/^\n+/, ""), response: transcript.slice(k + MARK.length).trim() };
}

/**
 * Adapts HH-RLHF pairs into two RatedExamples each: `<prefix>/<record>/chosen` with rating 1 and
 * `/rejected` with rating 0, sharing promptId `<prefix>/<record>` (a pairwise label is only meaningful
 * within its pair). Scale 0–1, higher-better. meta = {role, sameContext} — sameContext is false for
 * the few pairs whose transcripts differ before the final turn (each row keeps its own prompt then).
 */
export function adaptHhRlhf(
  records: readonly SourceRecord[],
  opts: HhRlhfOptions = {},
  internals?: AdapterInternals,
): RatedDataset {
  const field = pickOne("hh-rlhf", opts.ratingField, ["preferred"] as const, "preferred");
  checkDeclared("hh-rlhf", field, { min: 0, max: 1, direction: "higher-better" }, opts);
  const prefix = opts.idPrefix ?? "hh";
  const sink = makeSink(opts, internals, { min: 0, max: 1 });
  records.forEach((rec, i) => {
    let parts: { chosen: { prompt: string; response: string }; rejected: { prompt: string; response: string } } | undefined;
    sink.each(rec, () => {
      parts = {
        chosen: splitHhTranscript(str(rec.value, "chosen"), "chosen"),
        rejected: splitHhTranscript(str(rec.value, "rejected"), "rejected"),
      };
    });
    if (!parts) return;
    const sameContext = parts.chosen.prompt === parts.rejected.prompt;
    for (const role of ["chosen", "rejected"] as const) {
      sink.each(rec, () => {
        const p = parts![role];
        sink.push(
          {
            id: `${prefix}/${i}/${role}`,
            prompt: p.prompt,
            response: p.response,
            rating: role === "chosen" ? 1 : 0,
            promptId: `${prefix}/${i}`,
            meta: { role, sameContext },
          },
          role,
          role,
        );
      });
    }
  });
  return sink.finish("hh-rlhf", sourceOf(records, opts), field, "higher-better");
}
